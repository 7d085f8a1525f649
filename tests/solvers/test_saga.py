"""SAGA: against FISTA and scikit-learn, weights, sparse rows, reproducibility, non-convergence."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from optimlab.exceptions import ConvergenceWarning, UnsupportedProblemError
from optimlab.objectives import L1, L2, Bounds, ElasticNet, Objective
from optimlab.solvers import solve
from optimlab.solvers.proximal import fista
from optimlab.solvers.variance_reduced import saga, saga_step_size

PENALTIES = {"l1": lambda: L1(0.02), "l2": lambda: L2(0.05), "en": lambda: ElasticNet(0.03, 0.5)}
SHAPES = {"n>p": (80, 20), "p>n": (30, 60)}


def make_data(datafit: str, shape: str, seed: int = 0):
    n, p = SHAPES[shape]
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    w = np.zeros(p)
    w[:4] = [2.0, -1.5, 1.0, 0.5]
    z = X @ w + 0.3
    if datafit == "squared":
        return X, z + 0.3 * rng.standard_normal(n)
    if datafit == "logistic":
        return X, (z + rng.logistic(size=n) > 0).astype(int)
    return X, np.digitize(z + rng.logistic(size=n), [-1.0, 1.0])


@functools.cache
def reference(datafit: str, penalty: str, shape: str, fit_intercept: bool) -> float:
    X, y = make_data(datafit, shape)
    obj = Objective(X, y, datafit=datafit, penalty=PENALTIES[penalty](), fit_intercept=fit_intercept)
    res = fista(obj, tol=1e-12 if datafit != "multinomial" else 1e-10, max_iter=200_000)
    assert res.success
    return res.fun


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("penalty", list(PENALTIES))
@pytest.mark.parametrize("datafit", ["squared", "logistic", "multinomial"])
def test_matches_fista(datafit, penalty, shape, layout, fit_intercept):
    X, y = make_data(datafit, shape)
    if layout == "csr":
        X = sp.csr_matrix(X)
    obj = Objective(X, y, datafit=datafit, penalty=PENALTIES[penalty](), fit_intercept=fit_intercept)
    # A gap for squared/logistic; a subgradient norm (squared suboptimality scale) for multinomial.
    tol = 1e-8 if datafit != "multinomial" else 1e-6
    res = saga(obj, tol=tol, max_iter=20_000, random_state=0)
    assert res.success and res.certificate <= tol
    assert res.solver == "saga"
    ref = reference(datafit, penalty, shape, fit_intercept)
    assert (res.fun - ref) / abs(ref) <= 1e-6


def test_logistic_l2_matches_sklearn():
    X, y = make_data("logistic", "n>p", seed=2)
    C = 2.0
    sk = LogisticRegression(C=C, tol=1e-12, max_iter=10_000).fit(X, y)
    obj = Objective(X, y, datafit="logistic", penalty=L2(1.0 / (C * X.shape[0])))
    res = saga(obj, tol=1e-12, max_iter=50_000, random_state=0)
    assert res.success
    np.testing.assert_allclose(res.x, np.r_[sk.coef_.ravel(), sk.intercept_], atol=1e-4)


@pytest.mark.parametrize("datafit", ["squared", "logistic", "multinomial"])
def test_sample_weights_equal_duplicated_rows(datafit):
    X, y = make_data(datafit, "n>p", seed=3)
    counts = np.random.default_rng(3).integers(0, 4, size=X.shape[0])
    pen = ElasticNet(0.02, 0.7)
    weighted = Objective(X, y, datafit=datafit, penalty=pen, sample_weight=counts.astype(float))
    duplicated = Objective(np.repeat(X, counts, axis=0), np.repeat(y, counts), datafit=datafit, penalty=pen)
    r1 = saga(weighted, tol=1e-10, max_iter=20_000, random_state=0)
    r2 = saga(duplicated, tol=1e-10, max_iter=20_000, random_state=0)
    assert r1.success and r2.success
    assert r1.fun == pytest.approx(r2.fun, rel=1e-7)
    coef1, coef2 = weighted.split(r1.x)[0], duplicated.split(r2.x)[0]
    np.testing.assert_allclose(coef1, coef2, atol=1e-4)


@pytest.mark.parametrize("layout", ["dense", "csr"])
def test_same_seed_same_result(layout):
    X, y = make_data("logistic", "n>p")
    if layout == "csr":
        X = sp.csr_matrix(X)
    obj = Objective(X, y, datafit="logistic", penalty=L1(0.02))
    with pytest.warns(ConvergenceWarning):
        a = saga(obj, tol=1e-14, max_iter=5, random_state=7)
    with pytest.warns(ConvergenceWarning):
        b = saga(obj, tol=1e-14, max_iter=5, random_state=7)
    with pytest.warns(ConvergenceWarning):
        c = saga(obj, tol=1e-14, max_iter=5, random_state=8)
    np.testing.assert_array_equal(a.x, b.x)
    assert not np.array_equal(a.x, c.x)


def test_dense_and_sparse_take_the_same_steps():
    X, y = make_data("multinomial", "p>n")
    dense = Objective(X, y, datafit="multinomial", penalty=L1(0.02))
    sparse = Objective(sp.csr_matrix(X), y, datafit="multinomial", penalty=L1(0.02))
    with pytest.warns(ConvergenceWarning):
        a = saga(dense, tol=1e-14, max_iter=3, random_state=1)
    with pytest.warns(ConvergenceWarning):
        b = saga(sparse, tol=1e-14, max_iter=3, random_state=1)
    np.testing.assert_allclose(a.x, b.x, rtol=1e-10, atol=1e-12)


def test_max_iter_too_small_warns_and_fails():
    X, y = make_data("squared", "p>n")
    obj = Objective(X, y, penalty=L1(0.01))
    with pytest.warns(ConvergenceWarning, match="saga stopped"):
        res = saga(obj, tol=1e-12, max_iter=2, random_state=0)
    assert not res.success and res.n_iter == 2 and res.status == 1


def test_step_size_and_learning_rate():
    X, y = make_data("logistic", "n>p")
    obj = Objective(X, y, datafit="logistic", penalty=L2(0.1))
    expected = 1.0 / (3 * 0.25 * (np.max(np.sum(X * X, axis=1)) + 1.0))
    assert saga_step_size(obj) == pytest.approx(expected)
    res = solve(obj, "saga", tol=1e-8, random_state=0, learning_rate=2 * expected)
    assert res.success
    with pytest.raises(ValueError, match="learning_rate"):
        saga(obj, learning_rate=-1.0)


def test_bounds_are_unsupported():
    X, y = make_data("squared", "n>p")
    with pytest.raises(UnsupportedProblemError, match=r"Solvers that can:.*fista"):
        solve(Objective(X, y, penalty=Bounds(0.0, 1.0)), "saga")
