"""MDPs: every method against the exact values of the optimal policy's Bellman equations."""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from optimlab.programming.dp import MDP, forest

METHODS = ("policy_iteration", "value_iteration", "modified_policy_iteration")


def exact_values(P, R, gamma, policy):
    S = P.shape[0]
    P_pi = P[np.arange(S), policy]
    r_pi = R[np.arange(S), policy]
    return np.linalg.solve(np.eye(S) - gamma * P_pi, r_pi)


def brute_force(P, R, gamma):
    S, A = R.shape
    best = None
    for policy in itertools.product(range(A), repeat=S):
        v = exact_values(P, R, gamma, np.array(policy))
        best = v if best is None else np.maximum(best, v)
    return best  # the optimal values dominate every policy's values


def random_mdp(S, A, seed, sparse_rows=False):
    rng = np.random.default_rng(seed)
    P = rng.uniform(0, 1, (S, A, S))
    if sparse_rows:
        P *= rng.uniform(0, 1, (S, A, S)) < 0.3
        P[:, :, 0] += 1e-3
    P /= P.sum(axis=2, keepdims=True)
    return P, rng.uniform(-1, 1, (S, A))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("gamma", [0.9, 0.96])
def test_forest_example_matches_the_exact_bellman_solution(method, gamma):
    P, R = forest(S=3, r1=4, r2=2, p=0.1)
    res = MDP(P, R, gamma).solve(method, tol=1e-10)
    assert res.status == "converged"
    exact = exact_values(P, R, gamma, res.policy)
    np.testing.assert_allclose(res.values, exact, atol=1e-8)
    np.testing.assert_allclose(res.values, brute_force(P, R, gamma), atol=1e-8)
    assert res.bound <= 1e-8
    assert np.abs(res.values - exact).max() <= res.bound + 1e-12


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("method", METHODS)
def test_random_mdps_against_brute_force(seed, method):
    P, R = random_mdp(5, 3, seed, sparse_rows=seed % 2 == 1)
    v_star = brute_force(P, R, 0.9)
    res = MDP(P, R, 0.9).solve(method, tol=1e-9)
    np.testing.assert_allclose(res.values, v_star, atol=1e-8)
    np.testing.assert_allclose(res.policy_values, v_star, atol=1e-8)


@pytest.mark.parametrize("method", ["value_iteration", "modified_policy_iteration"])
def test_the_reported_bound_bounds_the_true_error(method):
    P, R = random_mdp(30, 4, 11)
    mdp = MDP(P, R, 0.95)
    v_star = mdp.solve("policy_iteration").values
    for tol in (1e-1, 1e-3, 1e-6):
        res = mdp.solve(method, tol=tol)
        err = np.abs(res.values - v_star).max()
        assert err <= res.bound + 1e-12
        assert res.bound <= tol * 1.0001
        assert np.abs(res.policy_values - v_star).max() <= res.policy_gap + 1e-12


def test_sparse_transitions_give_the_same_answer():
    P, R = random_mdp(40, 3, 3, sparse_rows=True)
    dense = MDP(P, R, 0.9).solve("policy_iteration")
    mats = [sp.csr_matrix(P[:, a, :]) for a in range(3)]
    sparse = MDP(mats, R, 0.9).solve("policy_iteration")
    np.testing.assert_allclose(sparse.values, dense.values, atol=1e-10)
    np.testing.assert_array_equal(sparse.policy, dense.policy)


def test_rewards_per_transition_are_averaged():
    P, _ = random_mdp(6, 2, 5)
    R3 = np.random.default_rng(0).uniform(0, 1, (6, 2, 6))
    expected = (P * R3).sum(axis=2)
    a = MDP(P, R3, 0.8).solve()
    b = MDP(P, expected, 0.8).solve()
    np.testing.assert_allclose(a.values, b.values, atol=1e-12)


def test_finite_horizon_matches_explicit_recursion():
    P, R = random_mdp(7, 3, 8)
    terminal = np.arange(7.0)
    res = MDP(P, R, 1.0).solve_finite_horizon(4, terminal_values=terminal)
    V = terminal
    for t in range(3, -1, -1):
        Q = R + np.einsum("sat,t->sa", P, V)
        np.testing.assert_allclose(res.values[t], Q.max(axis=1))
        np.testing.assert_array_equal(res.policy[t], Q.argmax(axis=1))
        V = Q.max(axis=1)
    assert res.policy.shape == (4, 7) and res.values.shape == (5, 7)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(transitions=np.full((2, 1, 2), 0.6)), "sum to 1.2"),
        (dict(transitions=np.full((2, 1, 3), 0.5)), "shape"),
        (dict(rewards=np.ones((3, 1))), "rewards must have shape"),
        (dict(rewards=np.array([[np.nan], [0.0]])), "NaN"),
        (dict(discount=1.5), "discount"),
    ],
)
def test_bad_input(kwargs, message):
    args = dict(transitions=np.full((2, 1, 2), 0.5), rewards=np.ones((2, 1)), discount=0.9)
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        MDP(**args)


def test_undiscounted_infinite_horizon_is_refused():
    P, R = forest()
    with pytest.raises(ValueError, match="discount < 1"):
        MDP(P, R, 1.0).solve()
    with pytest.raises(ValueError, match="Unknown method"):
        MDP(P, R, 0.9).solve("simplex")
