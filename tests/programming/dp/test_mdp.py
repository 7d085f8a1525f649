"""MDPs: every method against the exact values of the optimal policy's Bellman equations.

References are computed here, independently of the code under test: ``np.linalg.solve`` of
``(I - gamma P_pi) v = r_pi`` for a policy, and brute force over all deterministic policies (the
optimal values dominate the values of every policy, and are attained by one of them).
"""

import itertools
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from optimlab.exceptions import ConvergenceWarning
from optimlab.programming.dp import MDP, METHODS, MDPResult, forest


def exact_values(P, R, gamma, policy):
    S = P.shape[0]
    return np.linalg.solve(np.eye(S) - gamma * P[np.arange(S), policy], R[np.arange(S), policy])


def brute_force(P, R, gamma):
    """V* = the elementwise maximum of the values of all A**S deterministic policies."""
    S, A = R.shape
    all_values = np.array([exact_values(P, R, gamma, np.array(pol))
                           for pol in itertools.product(range(A), repeat=S)])
    best = all_values.max(axis=0)
    # the maximum is attained by one policy (an optimal one exists among deterministic policies)
    assert np.min(np.abs(all_values - best).max(axis=1)) < 1e-9
    return best


def random_mdp(S, A, seed, *, density=1.0):
    rng = np.random.default_rng(seed)
    P = rng.uniform(0, 1, (S, A, S)) * (rng.uniform(0, 1, (S, A, S)) < density)
    P[np.arange(S), :, rng.integers(0, S, S)] += 0.05  # no empty row
    P /= P.sum(axis=2, keepdims=True)
    return P, rng.uniform(-1, 1, (S, A))


def per_action(P):
    return [sp.csr_array(P[:, a, :]) for a in range(P.shape[1])]


def stacked(P):
    S, A, _ = P.shape
    return sp.csr_array(P.reshape(S * A, S))


def quiet_solve(mdp, method, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return mdp.solve(method, **kwargs)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("gamma", [0.9, 0.96, 0.99])
@pytest.mark.parametrize("S", [3, 10])
def test_forest_matches_the_exact_bellman_solution(method, gamma, S):
    P, R = forest(S=S, r1=4, r2=2, p=0.1)
    res = MDP(P, R, gamma).solve(method, tol=1e-10)
    assert res.status == "converged" and res.success
    exact = exact_values(P, R, gamma, res.policy)
    np.testing.assert_allclose(res.values, exact, rtol=0, atol=1e-8)
    np.testing.assert_allclose(res.values, brute_force(P, R, gamma), rtol=0, atol=1e-8)
    assert res.bound <= 1e-10
    assert np.abs(res.values - exact).max() <= res.bound + 1e-12
    np.testing.assert_allclose(res.policy_values, exact, rtol=0, atol=1e-10)


def test_forest_known_values():
    # gamma = 0.9: waiting everywhere is optimal, V = (26.244, 29.484, 33.484) exactly
    P, R = forest()
    for method in METHODS:
        res = MDP(P, R, 0.9).solve(method)
        np.testing.assert_array_equal(res.policy, [0, 0, 0])
        np.testing.assert_allclose(res.values, [26.244, 29.484, 33.484], rtol=0, atol=1e-8)


def test_pymdptoolbox_layout_example():
    # pymdptoolbox's two-state example, its transitions given as (A, S, S)
    P_ass = np.array([[[0.5, 0.5], [0.8, 0.2]], [[0.0, 1.0], [0.1, 0.9]]])
    R = np.array([[5.0, 10.0], [-1.0, 2.0]])
    P = np.moveaxis(P_ass, 0, 1)
    v_star = brute_force(P, R, 0.9)
    for method in METHODS:
        res = MDP(P, R, 0.9).solve(method, tol=1e-10)
        np.testing.assert_array_equal(res.policy, [1, 0])
        np.testing.assert_allclose(res.values, v_star, rtol=0, atol=1e-9)
    with pytest.raises(ValueError, match="moveaxis"):
        MDP(np.zeros((2, 3, 3)), np.zeros((3, 2)), 0.9)


@pytest.mark.parametrize("storage", ["dense", "sparse_list", "stacked"])
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", range(4))
def test_random_mdps_against_brute_force(seed, method, storage):
    P, R = random_mdp(5, 3, seed, density=1.0 if seed % 2 else 0.4)
    gamma = (0.5, 0.9, 0.95, 0.99)[seed]
    v_star = brute_force(P, R, gamma)
    transitions = {"dense": P, "sparse_list": per_action(P), "stacked": stacked(P)}[storage]
    res = MDP(transitions, R, gamma).solve(method, tol=1e-10)
    assert res.success
    np.testing.assert_allclose(res.values, v_star, rtol=0, atol=1e-8)
    np.testing.assert_allclose(res.policy_values, v_star, rtol=0, atol=1e-8)  # the policy is optimal
    np.testing.assert_allclose(exact_values(P, R, gamma, res.policy), v_star, rtol=0, atol=1e-8)
    assert res.policy_gap <= 1e-8
    assert res.policy.dtype.kind == "i" and res.q_values.shape == (5, 3)
    np.testing.assert_allclose(res.q_values, R + gamma * np.einsum("sat,t->sa", P, res.values), atol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_the_bound_bounds_the_true_error(method):
    P, R = random_mdp(40, 4, 11, density=0.3)
    mdp = MDP(P, R, 0.95)
    v_star = mdp.solve("policy_iteration", tol=1e-12).values
    np.testing.assert_allclose(v_star, exact_values(P, R, 0.95, mdp.solve().policy), atol=1e-10)
    for tol in (1e-1, 1e-3, 1e-6, 1e-9):
        res = mdp.solve(method, tol=tol)
        assert res.bound <= tol
        assert np.abs(res.values - v_star).max() <= res.bound + 1e-12
        assert np.abs(res.policy_values - v_star).max() <= res.policy_gap + 1e-12
        residual = np.abs((R + 0.95 * np.einsum("sat,t->sa", P, res.values)).max(axis=1) - res.values).max()
        assert res.bellman_residual == pytest.approx(residual, rel=1e-6, abs=1e-13)
    # stopped early (a tol under rounding cannot be met), the bound still holds
    for max_iter in (1, 2, 3, 5):
        res = quiet_solve(mdp, method, tol=1e-300, initial_values=-20.0, max_iter=max_iter)
        assert res.status in ("max_iter", "stalled") and not res.success and res.n_iter <= max_iter
        assert np.abs(res.values - v_star).max() <= res.bound + 1e-12
        assert np.abs(res.policy_values - v_star).max() <= res.policy_gap + 1e-12


def test_max_iter_warns_and_says_what_to_do():
    P, R = random_mdp(10, 3, 5)
    with pytest.warns(ConvergenceWarning, match="Increase max_iter, or use method='policy_iteration'"):
        res = MDP(P, R, 0.99).solve("value_iteration", max_iter=3)
    assert res.status == "max_iter" and not res.success and res.n_iter == 3
    assert res.message.startswith("max_iter reached")


@pytest.mark.parametrize("method", ["value_iteration", "modified_policy_iteration"])
def test_stops_at_the_first_certified_iterate(method):
    P, R = random_mdp(30, 3, 4)
    res = MDP(P, R, 0.97).solve(method, tol=1e-6)
    bounds = res.history.bound
    assert len(res.history) == res.n_iter == bounds.size
    assert bounds[-1] <= 1e-6 < bounds[:-1].min()
    assert np.all(np.diff(res.history.time) >= 0)
    assert res.history.bound[-1] == res.bound and res.history.residual[-1] == res.bellman_residual


def test_value_iteration_uses_the_span_not_the_residual():
    # One action per state: a Markov reward process. Its values have a large common offset that
    # plain value iteration removes only at rate gamma, while the span of T V - V vanishes fast.
    P, R = random_mdp(20, 1, 2)
    gamma = 0.999
    v = exact_values(P, R, gamma, np.zeros(20, dtype=int))
    res = MDP(P, R, gamma).solve("value_iteration", tol=1e-8)
    assert res.success and res.n_iter < 50  # a max-norm rule would need about 26 000 sweeps
    np.testing.assert_allclose(res.values, v, rtol=0, atol=1e-8)


def test_larger_sparse_mdp_methods_agree():
    rng = np.random.default_rng(0)
    S, A, k = 200, 5, 4
    cols = rng.integers(0, S, (S * A, k))
    probs = rng.uniform(0.1, 1, (S * A, k))
    probs /= probs.sum(axis=1, keepdims=True)
    P = sp.csr_array((probs.ravel(), (np.repeat(np.arange(S * A), k), cols.ravel())), shape=(S * A, S))
    R = rng.normal(size=(S, A))
    mdp = MDP(P, R, 0.95)
    assert "sparse" in repr(mdp)
    results = {m: mdp.solve(m, tol=1e-9) for m in METHODS}
    dense = P.toarray().reshape(S, A, S)
    pi = results["policy_iteration"]
    np.testing.assert_allclose(pi.values, exact_values(dense, R, 0.95, pi.policy), atol=1e-10)
    for res in results.values():
        assert res.success
        np.testing.assert_allclose(res.values, pi.values, rtol=0, atol=2e-9)
        np.testing.assert_array_equal(res.policy, pi.policy)


def test_large_sparse_forest_uses_sparse_lu():
    S, gamma = 1500, 0.95  # above the dense-solve threshold: SuperLU evaluates the policies
    mats, R = forest(S=S, r1=4, r2=2, p=0.1, sparse=True)
    mdp = MDP(mats, R, gamma)
    pi = mdp.solve("policy_iteration", tol=1e-10)
    vi = mdp.solve("value_iteration", tol=1e-10)
    # the Bellman equation, checked with the per-action matrices directly
    TV = np.max([R[:, a] + gamma * (mats[a] @ pi.values) for a in range(2)], axis=0)
    assert np.abs(TV - pi.values).max() < 1e-11
    np.testing.assert_allclose(vi.values, pi.values, rtol=0, atol=2e-10)
    np.testing.assert_array_equal(vi.policy, pi.policy)


def test_storage_and_input_forms_give_the_same_answer():
    P, R = random_mdp(12, 3, 3, density=0.1)
    forms = [P, per_action(P), [m.tocoo() for m in per_action(P)], stacked(P), stacked(P).tocsc()]
    results = [MDP(f, R, 0.9).solve() for f in forms]
    for res in results[1:]:
        np.testing.assert_allclose(res.values, results[0].values, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(res.policy, results[0].policy)
    assert "sparse" in repr(MDP(P, R, 0.9))  # mostly zeros: stored sparse
    P_dense, R_dense = random_mdp(12, 3, 3)
    assert "dense" in repr(MDP(P_dense, R_dense, 0.9))


def test_rewards_per_transition_are_averaged():
    P, _ = random_mdp(6, 2, 5, density=0.5)
    R3 = np.random.default_rng(0).uniform(-1, 1, (6, 2, 6))
    expected = (P * R3).sum(axis=2)
    np.testing.assert_allclose(MDP(P, R3, 0.8).rewards, expected, atol=1e-15)
    np.testing.assert_allclose(MDP(per_action(P), R3, 0.8).rewards, expected, atol=1e-15)
    R_list = [sp.csr_array(R3[:, a, :]) for a in range(2)]
    np.testing.assert_allclose(MDP(per_action(P), R_list, 0.8).rewards, expected, atol=1e-15)
    a = MDP(P, R3, 0.8).solve()
    b = MDP(P, expected, 0.8).solve()
    np.testing.assert_allclose(a.values, b.values, atol=1e-12)


@pytest.mark.parametrize("gamma", [1.0, 0.9])
@pytest.mark.parametrize("sparse", [False, True])
def test_finite_horizon_matches_explicit_recursion(gamma, sparse):
    P, R = random_mdp(7, 3, 8, density=0.5)
    terminal = np.arange(7.0)
    mdp = MDP(per_action(P) if sparse else P, R, gamma)
    res = mdp.solve_finite_horizon(4, terminal_values=terminal)
    assert res.policy.shape == (4, 7) and res.values.shape == (5, 7) and res.horizon == 4
    np.testing.assert_array_equal(res.values[4], terminal)
    V = terminal
    for t in range(3, -1, -1):
        Q = R + gamma * np.einsum("sat,t->sa", P, V)
        np.testing.assert_allclose(res.values[t], Q.max(axis=1), rtol=0, atol=1e-12)
        np.testing.assert_array_equal(res.policy[t], Q.argmax(axis=1))
        V = Q.max(axis=1)
    scalar = mdp.solve_finite_horizon(2, terminal_values=3.0)
    np.testing.assert_array_equal(scalar.values[2], np.full(7, 3.0))


def test_long_finite_horizon_approaches_the_infinite_horizon_values():
    P, R = random_mdp(10, 3, 1)
    mdp = MDP(P, R, 0.8)
    v_star = mdp.solve().values
    res = mdp.solve_finite_horizon(200)
    # |V_0 - V*| <= gamma^T ||V*|| since the terminal values are 0
    assert np.abs(res.values[0] - v_star).max() <= 0.8**200 * np.abs(v_star).max() + 1e-12
    np.testing.assert_array_equal(res.policy[0], mdp.solve().policy)


def test_callback_sees_every_iterate_and_can_stop():
    P, R = random_mdp(15, 3, 6)
    mdp = MDP(P, R, 0.99)
    seen = []

    def record(res):
        assert isinstance(res, MDPResult) and res.status == "running"
        seen.append((res.n_iter, res.bound))
        if res.n_iter == 3:
            raise StopIteration

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # stopping by callback does not warn
        res = mdp.solve("value_iteration", tol=1e-12, callback=record)
    assert [n for n, _ in seen] == [1, 2, 3]
    assert res.status == "callback" and res.n_iter == 3 and res.bound == seen[-1][1]
    assert res.message.startswith("Stopped by the callback")
    assert len(res.history) == 3


def test_time_limit_stops_with_a_warning():
    P, R = random_mdp(15, 3, 6)
    with pytest.warns(ConvergenceWarning, match="time_limit"):
        res = MDP(P, R, 0.999).solve("value_iteration", tol=1e-14, time_limit=1e-9)
    assert res.status == "time_limit" and res.n_iter == 1 and not res.success


def test_tied_actions_do_not_cycle():
    # two identical actions everywhere: policy iteration must not alternate between them
    P, R = random_mdp(8, 1, 9)
    P2, R2 = np.repeat(P, 2, axis=1), np.repeat(R, 2, axis=1)
    res = MDP(P2, R2, 0.99).solve("policy_iteration", tol=1e-10)
    assert res.status == "converged" and res.n_iter <= 2
    np.testing.assert_allclose(res.values, exact_values(P, R, 0.99, np.zeros(8, dtype=int)), atol=1e-10)


@pytest.mark.parametrize("method", METHODS)
def test_zero_discount_is_the_best_immediate_reward(method):
    P, R = random_mdp(6, 4, 2)
    res = MDP(P, R, 0.0).solve(method)
    np.testing.assert_allclose(res.values, R.max(axis=1), rtol=0, atol=1e-15)
    np.testing.assert_array_equal(res.policy, R.argmax(axis=1))


@pytest.mark.parametrize("method", METHODS)
def test_initial_values_do_not_change_the_answer(method):
    P, R = random_mdp(10, 3, 12)
    mdp = MDP(P, R, 0.9)
    reference = mdp.solve().values
    for start in (0.0, 1e3, np.linspace(-50, 50, 10)):
        res = mdp.solve(method, initial_values=start, tol=1e-9)
        np.testing.assert_allclose(res.values, reference, rtol=0, atol=1e-9)


def test_evaluate_bellman_and_q_values():
    P, R = random_mdp(6, 2, 4)
    mdp = MDP(P, R, 0.9)
    policy = np.array([0, 1, 1, 0, 1, 0])
    v = mdp.evaluate(policy)
    np.testing.assert_allclose(v, exact_values(P, R, 0.9, policy), atol=1e-12)
    np.testing.assert_allclose(mdp.q_values(v), R + 0.9 * np.einsum("sat,t->sa", P, v), atol=1e-12)
    np.testing.assert_allclose(mdp.bellman(v), mdp.q_values(v).max(axis=1))
    assert mdp.q_values(1.0).shape == (6, 2)


def test_forest_helper():
    P, R = forest(S=5, r1=3, r2=1, p=0.2)
    assert P.shape == (5, 2, 5) and R.shape == (5, 2)
    np.testing.assert_allclose(P.sum(axis=2), 1.0)
    np.testing.assert_allclose(P[:, 0, 0], 0.2)
    np.testing.assert_allclose(P[[0, 1, 2, 3], 0, [1, 2, 3, 4]], 0.8)
    assert P[4, 0, 4] == pytest.approx(0.8)
    np.testing.assert_array_equal(P[:, 1, 0], 1.0)
    np.testing.assert_array_equal(R, [[0, 0], [0, 1], [0, 1], [0, 1], [3, 1]])
    mats, R_sparse = forest(S=5, r1=3, r2=1, p=0.2, sparse=True)
    assert len(mats) == 2 and all(sp.issparse(m) for m in mats)
    np.testing.assert_array_equal(np.stack([m.toarray() for m in mats], axis=1), P)
    np.testing.assert_array_equal(R_sparse, R)
    with pytest.raises(ValueError, match="S must be >= 2"):
        forest(S=1)
    with pytest.raises(ValueError, match="p must be in"):
        forest(p=1.5)


def _valid():
    return dict(transitions=np.full((2, 2, 2), 0.5), rewards=np.ones((2, 2)), discount=0.9)


def _with(name, value):
    args = _valid()
    args[name] = value
    return args


def _bad_row():
    P = np.full((2, 2, 2), 0.5)
    P[1, 0] = [0.6, 0.6]
    return P


def _negative():
    P = np.full((2, 2, 2), 0.5)
    P[0, 1] = [1.5, -0.5]
    return P


def _nan_reward():
    R = np.ones((2, 2))
    R[1, 1] = np.nan
    return R


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (_with("transitions", _bad_row()), r"state 1, action 0 sum to 1.2"),
        (_with("transitions", _negative()), r"non-negative; state 0, action 1 has the probability -0.5"),
        (_with("transitions", np.full((2, 2, 3), 0.5)), r"shape \(S, A, S\)"),
        (_with("transitions", np.ones((2, 2))), r"shape \(S, A, S\)"),
        (_with("transitions", [sp.eye(2), sp.eye(3)]), r"transitions\[1\] has shape \(3, 3\)"),
        (_with("transitions", [sp.eye(2), np.eye(2)]), "mixes sparse and dense"),
        (_with("transitions", sp.csr_array(np.eye(3)[:2])), r"shape \(S\*A, S\)"),
        (_with("transitions", "abc"), "array of numbers"),
        (_with("rewards", np.ones((3, 2))), r"rewards must have shape \(2, 2\) or \(2, 2, 2\)"),
        (_with("rewards", _nan_reward()), "NaN or infinite values \\(first at state 1, action 1\\)"),
        (_with("rewards", [sp.eye(2)]), "one per action"),
        (_with("discount", 1.5), r"discount must be in \[0.0, 1.0\], got 1.5"),
        (_with("discount", -0.1), "discount must be in"),
    ],
)
def test_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MDP(**kwargs)


def test_bad_solve_arguments():
    P, R = forest()
    with pytest.raises(ValueError, match="solve_finite_horizon"):
        MDP(P, R, 1.0).solve()
    with pytest.raises(ValueError, match="discount < 1"):
        MDP(P, R, 1.0).evaluate([0, 0, 0])
    mdp = MDP(P, R, 0.9)
    with pytest.raises(ValueError, match="method must be one of"):
        mdp.solve("simplex")
    with pytest.raises(ValueError, match="tol must be in"):
        mdp.solve(tol=0.0)
    with pytest.raises(ValueError, match="max_iter must be >= 1"):
        mdp.solve(max_iter=0)
    with pytest.raises(ValueError, match="sweeps must be >= 1"):
        mdp.solve("modified_policy_iteration", sweeps=0)
    with pytest.raises(ValueError, match=r"initial_values must have shape \(3,\)"):
        mdp.solve(initial_values=np.zeros(4))
    with pytest.raises(ValueError, match="initial_values contains 1 NaN"):
        mdp.solve(initial_values=[0.0, np.nan, 0.0])
    with pytest.raises(ValueError, match=r"actions in \[0, 2\)"):
        mdp.evaluate([0, 2, 1])
    with pytest.raises(ValueError, match="horizon must be >= 1"):
        mdp.solve_finite_horizon(0)
    with pytest.raises(ValueError, match="terminal_values must have shape"):
        mdp.solve_finite_horizon(3, terminal_values=[1.0, 2.0])
    with pytest.raises(TypeError, match="callback must be callable"):
        mdp.solve(callback=3)
