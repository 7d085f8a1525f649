"""Knapsack by DP against brute force and against scipy's MILP (HiGHS)."""

import doctest
import itertools

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from optimlab.programming.dp import MAX_CELLS, MDP, KnapsackResult, knapsack


def brute_force(values, weights, capacity, counts):
    best = 0.0
    for choice in itertools.product(*[range(int(k) + 1) for k in counts]):
        choice = np.array(choice, dtype=np.int64)
        if weights @ choice <= capacity:
            best = max(best, float(values @ choice))
    return best


def scipy_milp(values, weights, capacity, counts):
    row = LinearConstraint(weights[None, :], -np.inf, capacity)
    res = milp(-np.asarray(values, dtype=float), constraints=row, integrality=np.ones(len(values)),
               bounds=Bounds(0, counts), options={"mip_rel_gap": 0.0})
    assert res.status == 0
    return -res.fun


def check_feasible(res, values, weights, capacity, counts):
    assert isinstance(res, KnapsackResult)
    assert res.counts.dtype.kind == "i" and res.counts.shape == (len(values),)
    assert np.all(res.counts >= 0) and np.all(res.counts <= counts)
    assert res.weight == int(weights @ res.counts) <= capacity
    assert res.value == pytest.approx(float(values @ res.counts), rel=1e-12, abs=1e-12)
    np.testing.assert_array_equal(res.items, np.repeat(np.arange(len(values)), res.counts))


@pytest.mark.parametrize("seed", range(60))
def test_small_instances_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 8))
    values = np.round(rng.uniform(-3, 20, n), 2)
    weights = rng.integers(0, 10, n)
    capacity = int(rng.integers(0, 30))
    bounded = seed % 2 == 1
    counts = rng.integers(0, 4, n) if bounded else np.ones(n, dtype=np.int64)
    res = knapsack(values, weights, capacity, counts=counts if bounded else None)
    check_feasible(res, values, weights, capacity, counts)
    assert res.value == pytest.approx(brute_force(values, weights, capacity, counts), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_moderate_instances_match_the_milp(seed):
    rng = np.random.default_rng(100 + seed)
    n = 150
    values = rng.integers(1, 1000, n).astype(float)
    weights = rng.integers(1, 400, n)
    # correlated values make the instances harder for branch and bound, not for the DP
    if seed == 2:
        values = weights + 50.0
    capacity = int(weights.sum() // 3)
    res = knapsack(values, weights, capacity)
    check_feasible(res, values, weights, capacity, np.ones(n))
    assert res.value == pytest.approx(scipy_milp(values, weights, capacity, np.ones(n)), rel=1e-12)
    counts = rng.integers(1, 40, n)
    res = knapsack(values, weights, capacity, counts=counts)
    check_feasible(res, values, weights, capacity, counts)
    assert res.value == pytest.approx(scipy_milp(values, weights, capacity, counts), rel=1e-12)


def test_binary_splitting_reaches_every_count():
    # one item with 13 copies (pieces 1, 2, 4, 6): every count 0..13 must be attainable
    for capacity in range(0, 16):
        res = knapsack([5.0], [1], capacity, counts=[13])
        assert res.counts.tolist() == [min(capacity, 13)]
    # two items competing for the capacity: the exact count of each matters
    res = knapsack([3.0, 5.0], [2, 3], 19, counts=[7, 4])
    assert res.value == brute_force(np.array([3.0, 5.0]), np.array([2, 3]), 19, [7, 4])


def test_the_gcd_and_the_total_weight_shrink_the_table():
    rng = np.random.default_rng(7)
    values = rng.uniform(1, 10, 6)
    weights = 1_000_003 * rng.integers(1, 9, 6)
    capacity = 1_000_003 * 17 + 999_999
    res = knapsack(values, weights, capacity)  # 7 x 18 cells after dividing by the gcd
    check_feasible(res, values, weights, capacity, np.ones(6))
    assert res.value == pytest.approx(brute_force(values, weights, capacity, np.ones(6)))
    # a huge capacity that everything fits in: no table at all
    res = knapsack([1.0, 2.0, 3.0], [10**9, 10**10, 3], 10**15, counts=[2, 1, 5])
    assert res.counts.tolist() == [2, 1, 5] and res.weight == 2 * 10**9 + 10**10 + 15


def test_edge_cases():
    res = knapsack([5.0, 3.0], [2, 0], 0)
    assert res.value == 3.0 and res.items.tolist() == [1] and res.weight == 0  # the weightless item only
    res = knapsack([4.0, 2.0], [0, 1], 5, counts=[3, 2])
    assert res.counts.tolist() == [3, 2] and res.value == 16.0  # all weightless copies
    empty = knapsack([], [], 10)
    assert empty.value == 0.0 and empty.items.size == 0 and empty.counts.size == 0 and empty.weight == 0
    res = knapsack([10.0], [11], 10)
    assert res.value == 0.0 and res.items.size == 0
    res = knapsack([-5.0, 0.0, 2.0], [0, 0, 1], 3)  # negative and zero values are never chosen
    assert res.items.tolist() == [2]
    res = knapsack([3.0, 4.0], [2.0, 3.0], 5.0)  # integral floats are accepted
    assert res.value == 7.0 and res.weight == 5
    res = knapsack(np.array([1.5, 2.5]), np.array([1, 1], dtype=np.int32), np.int64(1), counts=[0, 0])
    assert res.value == 0.0 and res.items.size == 0


def test_table_limit_points_to_the_milp():
    values = np.ones(10)
    weights = 10**7 + 7 * np.arange(10) + 1  # gcd 1
    capacity = int(weights.sum() // 2)
    assert 10 * (capacity + 1) > MAX_CELLS
    with pytest.raises(ValueError, match=r"integrality=1, maximize=True") as info:
        knapsack(values, weights, capacity)
    assert "MAX_CELLS" in str(info.value) and "bounds=(0, 1)" in str(info.value)
    with pytest.raises(ValueError, match=r"bounds=\[\(0, k\) for k in counts\]"):
        knapsack(values, weights, capacity, counts=np.full(10, 10**6))


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (([1.0], [1.5], 3), {}, r"weights must be integers; got 1.5 \(entry 0\). Scale"),
        (([1.0], [1], 2.5), {}, r"capacity must be an integer; got 2.5.*linprog"),
        (([1.0], [-1], 3), {}, r"weights must be non-negative; got -1 \(entry 0\)"),
        (([1.0], [1], -3), {}, "capacity must be non-negative; got -3"),
        (([1.0, 2.0], [1], 3), {}, "weights has 1 entries but values has 2"),
        (([1.0], [1], 3), {"counts": [1, 2]}, "counts has 2 entries but values has 1"),
        (([1.0], [1], 3), {"counts": [-1]}, "counts must be non-negative"),
        (([1.0], [1], 3), {"counts": [0.5]}, "counts must be integers"),
        (([np.nan], [1], 3), {}, "values contains 1 NaN"),
        (([1.0], [np.inf], 3), {}, "weights contains 1 NaN or infinite"),
        (([1.0], [1], [3, 4]), {}, "capacity must be one integer"),
        (([1.0], ["a"], 3), {}, "weights must be non-negative integers; got an array of <U1"),
        ((1.0, [1], 3), {}, "values must have 1 dimension"),
    ],
)
def test_bad_input(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        knapsack(*args, **kwargs)


def test_docstring_examples():
    # run here: pytest's --doctest-modules would import the module ``knapsack`` over the function
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for obj in (knapsack, MDP):
        for test in finder.find(obj, globs={}):
            runner.run(test)
    summary = runner.summarize(verbose=False)
    assert summary.failed == 0 and summary.attempted >= 8
