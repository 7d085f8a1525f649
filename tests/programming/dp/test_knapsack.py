"""Knapsack by DP against brute force and against the MILP (HiGHS)."""

import itertools

import numpy as np
import pytest

from optimlab.programming import linprog
from optimlab.programming.dp import knapsack


def brute(values, weights, capacity, counts):
    best = 0.0
    for choice in itertools.product(*[range(k + 1) for k in counts]):
        choice = np.array(choice)
        if weights @ choice <= capacity:
            best = max(best, float(values @ choice))
    return best


@pytest.mark.parametrize("seed", range(25))
def test_small_instances_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 8))
    values = rng.integers(-3, 20, n).astype(float)
    weights = rng.integers(0, 10, n)
    capacity = int(rng.integers(0, 25))
    counts = rng.integers(0, 3, n) if seed % 2 else np.ones(n, dtype=int)
    res = knapsack(values, weights, capacity, counts=counts)
    assert res.value == pytest.approx(brute(values, weights, capacity, counts))
    assert res.weight <= capacity
    assert np.all(res.counts <= counts)
    assert res.value == pytest.approx(values @ res.counts)
    np.testing.assert_array_equal(np.bincount(res.items, minlength=n), res.counts)


def test_moderate_instance_matches_the_milp():
    rng = np.random.default_rng(42)
    n = 120
    values = rng.integers(1, 100, n).astype(float)
    weights = rng.integers(1, 60, n)
    capacity = int(weights.sum() // 3)
    res = knapsack(values, weights, capacity)
    milp = linprog(-values, A_ub=[weights], b_ub=[capacity], bounds=(0, 1), integrality=1, mip_gap=0.0)
    assert res.value == pytest.approx(-milp.objective)
    counts = rng.integers(1, 5, n)
    res = knapsack(values, weights, capacity, counts=counts)
    milp = linprog(-values, A_ub=[weights], b_ub=[capacity], bounds=[(0, k) for k in counts], integrality=1,
                   mip_gap=0.0)
    assert res.value == pytest.approx(-milp.objective)


def test_edge_cases():
    res = knapsack([5.0, 3.0], [2, 0], 0)
    assert res.value == 3.0 and list(res.items) == [1]  # the weightless item only
    assert knapsack([], [], 10).value == 0.0
    res = knapsack([10.0], [11], 10)
    assert res.value == 0.0 and res.items.size == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([1.0], [1.5], 3), "integers"),
        (([1.0], [-1], 3), "non-negative"),
        (([1.0], [1], 2.5), "integers"),
        (([1.0, 2.0], [1], 3), "entries"),
        (([np.nan], [1], 3), "NaN"),
        (([1.0] * 10, [1] * 10, 10**8), "MILP"),
    ],
)
def test_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        knapsack(*args)
