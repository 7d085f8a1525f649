"""Metamorphic tests: transformations of a problem whose effect on the solution is known.

- ``X' = 0.5 [X, X]`` with ``alpha / 2``: the optimum splits each weight in two equal halves, so
  predictions and objective value are unchanged (for L1, L2 and elastic net alike).
- Permuting the rows (with their weights) changes nothing.
- Integer sample weights are the same as repeating rows.
"""

import numpy as np
import pytest

import optimlab.solvers
from optimlab.objectives import L1, L2, ElasticNet, Objective
from optimlab.solvers import solve, solvers_for

PENALTIES = {"l1": L1, "l2": L2, "en": lambda a: ElasticNet(a, 0.3)}


def problem(kind, seed=0, n=80, p=6):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + 0.5
    z = X @ rng.standard_normal(p)
    if kind == "squared":
        y = z + rng.standard_normal(n)
    elif kind == "logistic":
        y = (z + rng.logistic(size=n) > 0).astype(int)
    else:
        y = np.digitize(z + rng.logistic(size=n), [-1.0, 1.0])
    return X, y


def fit(X, y, kind, penalty, solver, sample_weight=None):
    obj = Objective(X, y, datafit=kind, penalty=penalty, sample_weight=sample_weight)
    tol = 1e-13 if obj.certificate_kind == "duality_gap" else 1e-9
    res = solve(obj, solver, tol=tol, max_iter=50_000)
    assert res.success
    coef, b = obj.split(res.x)
    return obj, res, np.asarray(X @ coef) + b


@pytest.mark.parametrize("kind", ["squared", "logistic", "multinomial"])
@pytest.mark.parametrize("pen", list(PENALTIES))
def test_duplicated_columns_with_half_alpha(kind, pen):
    X, y = problem(kind)
    alpha = 0.05
    obj = Objective(X, y, datafit=kind, penalty=PENALTIES[pen](alpha))
    for solver in solvers_for(obj):
        if optimlab.solvers.get_solver(solver).stochastic:
            continue
        _, res, pred = fit(X, y, kind, PENALTIES[pen](alpha), solver)
        X2 = 0.5 * np.hstack([X, X])
        _, res2, pred2 = fit(X2, y, kind, PENALTIES[pen](alpha / 2), solver)
        assert res2.fun == pytest.approx(res.fun, rel=1e-8), solver
        # gap <= 1e-13 with strong convexity >= 0.035 bounds the distance to the optimum by ~3e-6.
        np.testing.assert_allclose(pred2, pred, rtol=1e-5, atol=2e-5, err_msg=solver)


@pytest.mark.parametrize("kind", ["squared", "logistic", "multinomial"])
def test_row_permutation_and_integer_weights(kind):
    X, y = problem(kind, seed=1)
    rng = np.random.default_rng(5)
    weights = rng.integers(1, 4, X.shape[0]).astype(float)
    perm = rng.permutation(X.shape[0])
    penalty = ElasticNet(0.03, 0.5)
    for solver in ("fista", "cd", "saga"):
        obj = Objective(X, y, datafit=kind, penalty=penalty)
        if solver not in solvers_for(obj):
            continue
        _, res_w, _ = fit(X, y, kind, penalty, solver, sample_weight=weights)
        _, res_p, _ = fit(X[perm], y[perm], kind, penalty, solver, sample_weight=weights[perm])
        rows = np.repeat(np.arange(X.shape[0]), weights.astype(int))
        _, res_r, _ = fit(X[rows], y[rows], kind, penalty, solver)
        np.testing.assert_allclose(res_p.x, res_w.x, rtol=1e-5, atol=1e-6, err_msg=solver)
        np.testing.assert_allclose(res_r.x, res_w.x, rtol=1e-5, atol=1e-6, err_msg=solver)
        assert res_r.fun == pytest.approx(res_w.fun, rel=1e-9)
