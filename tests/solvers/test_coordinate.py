"""Coordinate descent (``cd``): against FISTA and scikit-learn, weights, sparse layouts, gradient
bounds, errors."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import ElasticNet as SkElasticNet
from sklearn.linear_model import Lasso, LogisticRegression

from optimlab.exceptions import ConvergenceWarning, UnsupportedProblemError
from optimlab.objectives import L1, L2, Bounds, ElasticNet, Objective
from optimlab.solvers import _kernels, solve
from optimlab.solvers.coordinate import CDData, cd, cd_run
from optimlab.solvers.proximal import fista
from optimlab.solvers.variance_reduced import saga  # noqa: F401 - registers "saga" for the error message

PENALTIES = {"l1": lambda: L1(0.02), "l2": lambda: L2(0.05), "en": lambda: ElasticNet(0.03, 0.5)}
SHAPES = {"n>p": (80, 25), "p>n": (30, 70)}


def make_data(datafit: str, shape: str, seed: int = 0):
    n, p = SHAPES[shape]
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    X[:, 3] = 0.0  # an all-zero column is skipped
    w = np.zeros(p)
    w[:5] = [2.0, -1.5, 1.0, 0.0, 0.5]
    z = X @ w + 0.3
    y = z + 0.3 * rng.standard_normal(n) if datafit == "squared" else (z + rng.logistic(size=n) > 0)
    return X, y.astype(float) if datafit == "squared" else y.astype(int)


@functools.cache
def reference(datafit: str, penalty: str, shape: str, fit_intercept: bool) -> float:
    X, y = make_data(datafit, shape)
    obj = Objective(X, y, datafit=datafit, penalty=PENALTIES[penalty](), fit_intercept=fit_intercept)
    res = fista(obj, tol=1e-12, max_iter=200_000)
    assert res.success
    return res.fun


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("layout", ["dense", "csc", "csr"])
@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("penalty", list(PENALTIES))
@pytest.mark.parametrize("datafit", ["squared", "logistic"])
def test_matches_fista(datafit, penalty, shape, layout, fit_intercept):
    X, y = make_data(datafit, shape)
    if layout != "dense":
        X = sp.csc_matrix(X) if layout == "csc" else sp.csr_matrix(X)
    obj = Objective(X, y, datafit=datafit, penalty=PENALTIES[penalty](), fit_intercept=fit_intercept)
    tol = 1e-9
    res = cd(obj, tol=tol, max_iter=20_000)
    assert res.success and res.certificate <= tol
    assert res.solver == "cd" and res.certificate_kind == "duality_gap"
    assert len(res.history.fun) == res.n_iter + 1
    ref = reference(datafit, penalty, shape, fit_intercept)
    assert (res.fun - ref) / abs(ref) <= 1e-6
    assert res.x[3] == 0.0


def test_lasso_and_elastic_net_match_sklearn():
    X, y = make_data("squared", "n>p", seed=1)
    cases = [(Lasso(alpha=0.02), L1(0.02)), (SkElasticNet(alpha=0.03, l1_ratio=0.3), ElasticNet(0.03, 0.3))]
    for sk, pen in cases:
        sk.set_params(tol=1e-12, max_iter=100_000).fit(X, y)
        obj = Objective(X, y, penalty=pen)
        res = solve(obj, "cd", tol=1e-12, max_iter=10_000)
        assert res.success
        coef, b = obj.split(res.x)
        np.testing.assert_allclose(coef, sk.coef_, atol=1e-6)
        assert b == pytest.approx(sk.intercept_, abs=1e-6)
        assert res.fun <= obj.value(np.r_[sk.coef_, sk.intercept_]) + 1e-12


def test_logistic_l2_matches_sklearn():
    X, y = make_data("logistic", "n>p", seed=2)
    C = 2.0
    sk = LogisticRegression(C=C, tol=1e-12, max_iter=10_000).fit(X, y)
    obj = Objective(X, y, datafit="logistic", penalty=L2(1.0 / (C * X.shape[0])))
    res = cd(obj, tol=1e-12, max_iter=50_000)
    assert res.success
    ref = obj.value(np.r_[sk.coef_.ravel(), sk.intercept_])
    assert (res.fun - ref) / ref <= 1e-9
    np.testing.assert_allclose(res.x, np.r_[sk.coef_.ravel(), sk.intercept_], atol=1e-4)


@pytest.mark.parametrize("datafit", ["squared", "logistic"])
@pytest.mark.parametrize("layout", ["dense", "csc"])
def test_sample_weights_equal_duplicated_rows(datafit, layout):
    X, y = make_data(datafit, "n>p", seed=3)
    counts = np.random.default_rng(3).integers(0, 4, size=X.shape[0])
    Xd, yd = np.repeat(X, counts, axis=0), np.repeat(y, counts)
    if layout == "csc":
        X, Xd = sp.csc_matrix(X), sp.csc_matrix(Xd)
    pen = ElasticNet(0.02, 0.7)
    weighted = Objective(X, y, datafit=datafit, penalty=pen, sample_weight=counts.astype(float))
    duplicated = Objective(Xd, yd, datafit=datafit, penalty=pen)
    r1 = cd(weighted, tol=1e-12, max_iter=20_000)
    r2 = cd(duplicated, tol=1e-12, max_iter=20_000)
    assert r1.success and r2.success
    assert r1.fun == pytest.approx(r2.fun, rel=1e-9)
    np.testing.assert_allclose(r1.x, r2.x, atol=1e-5)


def test_large_alpha_gives_zero_coefficients_and_best_intercept():
    X, y = make_data("logistic", "p>n", seed=4)
    alpha_max = Objective(X, y, datafit="logistic").alpha_max()
    obj = Objective(X, y, datafit="logistic", penalty=L1(1.01 * alpha_max))
    res = cd(obj, tol=1e-10)
    assert res.success
    coef, b = obj.split(res.x)
    assert np.all(coef == 0.0)
    assert b == pytest.approx(obj.optimal_intercept(np.zeros(obj.size)), abs=1e-5)


def test_warm_start_at_the_solution_stops_at_once():
    X, y = make_data("squared", "n>p")
    obj = Objective(X, y, penalty=L1(0.02))
    res = cd(obj, tol=1e-10)
    again = cd(obj, res.x, tol=1e-10)
    assert again.n_iter == 0 and again.success


@pytest.mark.parametrize("layout", ["dense", "csc"])
def test_lipschitz_constants_and_norms_are_the_objective_s(layout):
    X, y = make_data("logistic", "p>n")
    X = sp.csc_matrix(X) if layout == "csc" else X
    weights = np.random.default_rng(0).uniform(0.5, 2.0, X.shape[0])
    obj = Objective(X, y, datafit="logistic", sample_weight=weights)
    data = CDData(obj)
    np.testing.assert_allclose(data.lip, obj.coordinate_lipschitz()[: obj.n_features], rtol=1e-12)
    dense = X.toarray() if sp.issparse(X) else X
    np.testing.assert_allclose(data.norms, np.linalg.norm(dense, axis=0), rtol=1e-12)


def test_gradient_bounds_skip_only_entries_under_the_threshold():
    rng = np.random.default_rng(5)
    X = np.asfortranarray(rng.standard_normal((40, 300)))
    data = CDData(Objective(X, rng.standard_normal(40)))
    d_ref = rng.standard_normal(40)
    grad, bound, fresh = np.zeros(300), np.full(300, np.inf), np.zeros(300, dtype=bool)
    ref = np.zeros(40)
    w = np.zeros(300)
    l1 = 0.9 * np.max(np.abs(X.T @ d_ref))
    read = _kernels.refresh_gradient(*data.layout, d_ref, data.norms, w, l1, 0.5, grad, bound, ref, fresh)
    assert read == 300
    np.testing.assert_array_equal(ref, d_ref)
    d = d_ref + 1e-3 * rng.standard_normal(40)
    w[7] = 1.0  # the support is always read
    fresh[:] = False
    read = _kernels.refresh_gradient(*data.layout, d, data.norms, w, l1, 0.5, grad, bound, ref, fresh)
    exact = X.T @ d
    assert 1 <= read < 30 and fresh[7]
    np.testing.assert_allclose(grad[fresh], exact[fresh], rtol=1e-12)
    # Entries left out are under the threshold, both the stored (outdated) and the exact value.
    assert np.all(np.abs(exact[~fresh]) < l1) and np.all(np.abs(grad[~fresh]) < l1)


@pytest.mark.parametrize("penalty", ["l1", "en"])
@pytest.mark.parametrize("datafit", ["squared", "logistic"])
def test_certificates_are_the_full_duality_gap_when_columns_are_skipped(datafit, penalty):
    # p >> n and a warm-started sequence of alphas: most gradient entries are only bounded.
    rng = np.random.default_rng(6)
    X = rng.standard_normal((50, 400))
    z = X[:, :5] @ np.array([2.0, -1.5, 1.0, 0.8, -0.5])
    y = z + 0.3 * rng.standard_normal(50) if datafit == "squared" else (z + rng.logistic(size=50) > 0)
    base = Objective(X, y, datafit=datafit)
    data, x = CDData(base), None
    alpha_max = base.alpha_max()
    for ratio in np.geomspace(0.9, 0.05, 12):
        pen = L1(ratio * alpha_max) if penalty == "l1" else ElasticNet(ratio * alpha_max / 0.7, 0.7)
        obj = Objective(X, y, datafit=datafit, penalty=pen)
        res = cd_run(obj, x, tol=1e-8, max_iter=1000, data=data)
        assert res.success
        assert res.certificate == pytest.approx(obj.duality_gap(res.x), rel=1e-7, abs=1e-13)
        start = obj.default_x0() if x is None else x
        assert res.history.certificate[0] == pytest.approx(obj.duality_gap(start), rel=1e-7, abs=1e-13)
        x = res.x


def test_max_iter_too_small_warns():
    X, y = make_data("logistic", "p>n")
    obj = Objective(X, y, datafit="logistic", penalty=L1(0.005))
    with pytest.warns(ConvergenceWarning, match="cd stopped"):
        res = cd(obj, tol=1e-14, max_iter=2)
    assert not res.success and res.n_iter == 2


@pytest.mark.parametrize(
    "objective",
    [
        lambda X, y: Objective(X, np.digitize(y, [-1.0, 1.0]), datafit="multinomial", penalty=L1(0.1)),
        lambda X, y: Objective(X, y, penalty=Bounds(0.0, 1.0)),
    ],
    ids=["multinomial", "bounds"],
)
def test_unsupported_problem_names_solvers_that_can(objective):
    X, y = make_data("squared", "n>p")
    obj = objective(X, y)
    with pytest.raises(UnsupportedProblemError, match=r"Solvers that can:.*fista"):
        cd(obj)
    with pytest.raises(UnsupportedProblemError, match="'cd'"):
        solve(obj, "cd")
