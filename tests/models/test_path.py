"""Regularization paths: against scikit-learn's paths, certificates, bad input, sparse, weights."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression, enet_path, lasso_path

from optimlab.models.path import PathResult, path
from optimlab.objectives import ElasticNet, Objective


def regression(n=60, p=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    w = np.zeros(p)
    w[:6] = [2.0, -1.5, 1.0, 0.8, -0.5, 0.3]
    return X, X @ w + 1.0 + 0.3 * rng.standard_normal(n)


def classification(n=120, p=15, seed=1, classes=2):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    z = X[:, 0] - X[:, 1] + 0.5 * X[:, 2] + rng.logistic(size=n)
    y = (z > 0).astype(int) if classes == 2 else np.digitize(z, [-1.0, 1.0])
    return X, y


def assert_certified(res: PathResult):
    assert np.all(np.diff(res.alphas) < 0)
    for r in res.results:
        assert r.success and r.certificate <= r.tol


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_matches_sklearn_paths(l1_ratio):
    X, y = regression()
    res = path(X, y, l1_ratio=l1_ratio, n_alphas=20, tol=1e-12)
    assert_certified(res)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    sk_path = lasso_path if l1_ratio == 1.0 else enet_path
    kwargs = {} if l1_ratio == 1.0 else {"l1_ratio": l1_ratio}
    _, sk_coefs, _ = sk_path(Xc, yc, alphas=res.alphas, tol=1e-14, max_iter=100_000, **kwargs)
    np.testing.assert_allclose(res.coefs, sk_coefs.T, atol=1e-5)
    np.testing.assert_allclose(res.intercepts, y.mean() - X.mean(axis=0) @ res.coefs.T, atol=1e-5)


def test_grid_starts_at_alpha_max_with_all_zeros():
    X, y = regression()
    res = path(X, y, n_alphas=10, alpha_min_ratio=1e-2)
    alpha_max = Objective(X, y).alpha_max()
    assert res.alphas[0] == pytest.approx(alpha_max)
    assert res.alphas[-1] == pytest.approx(1e-2 * alpha_max)
    assert np.all(res.coefs[0] == 0.0) and np.any(res.coefs[1] != 0.0)
    assert res.intercepts[0] == pytest.approx(y.mean())
    assert res.classes is None and res.time > 0.0
    assert res.coefs.shape == (10, X.shape[1]) and res.intercepts.shape == (10,)


def test_certificate_is_the_full_duality_gap_with_relative_tol():
    X, y = regression(seed=2)
    tol = 1e-6
    res = path(X, y, n_alphas=15, tol=tol)
    for alpha, r in zip(res.alphas, res.results, strict=True):
        obj = Objective(X, y, penalty=ElasticNet(alpha, 1.0))
        assert r.certificate == pytest.approx(obj.certificate(r.x), rel=1e-6, abs=1e-14)
        assert r.certificate <= tol * obj.certificate_scale()


def test_logistic_l1_path_matches_sklearn():
    X, y = classification()
    res = path(X, y, datafit="logistic", n_alphas=8, alpha_min_ratio=0.05, tol=1e-10)
    assert_certified(res)
    np.testing.assert_array_equal(res.classes, [0, 1])
    n = X.shape[0]
    for k in (2, 5, 7):
        sk = LogisticRegression(l1_ratio=1.0, C=1.0 / (res.alphas[k] * n), solver="saga", tol=1e-12,
                                max_iter=100_000).fit(X, y)
        np.testing.assert_allclose(res.coefs[k], sk.coef_.ravel(), atol=2e-4)
        assert res.intercepts[k] == pytest.approx(sk.intercept_[0], abs=2e-4)


def test_multinomial_path_is_certified():
    X, y = classification(classes=3)
    res = path(X, y, datafit="multinomial", n_alphas=5, alpha_min_ratio=0.1, tol=1e-5)
    assert_certified(res)
    assert res.coefs.shape == (5, X.shape[1], 3) and res.intercepts.shape == (5, 3)
    assert np.all(res.coefs[0] == 0.0)
    assert all(r.solver == "fista" for r in res.results)


def test_ridge_uses_the_glmnet_grid():
    X, y = regression()
    res = path(X, y, l1_ratio=0.0, n_alphas=5, tol=1e-8)
    assert_certified(res)
    assert res.alphas[0] == pytest.approx(Objective(X, y).alpha_max(1e-3))
    assert all(r.solver == "newton" for r in res.results)


@pytest.mark.parametrize("datafit", ["squared", "logistic"])
def test_sparse_input_gives_the_dense_path(datafit):
    X, y = regression() if datafit == "squared" else classification()
    X[np.abs(X) < 0.8] = 0.0
    dense = path(X, y, datafit=datafit, n_alphas=10, tol=1e-10)
    for fmt in (sp.csc_matrix, sp.csr_matrix):
        sparse = path(fmt(X), y, datafit=datafit, n_alphas=10, tol=1e-10)
        assert_certified(sparse)
        np.testing.assert_allclose(sparse.coefs, dense.coefs, atol=1e-6)


def test_sample_weights_equal_repeated_rows():
    X, y = regression(seed=3)
    counts = np.random.default_rng(3).integers(0, 4, X.shape[0])
    weighted = path(X, y, sample_weight=counts.astype(float), n_alphas=10, tol=1e-12)
    repeated = path(np.repeat(X, counts, axis=0), np.repeat(y, counts), n_alphas=10, tol=1e-12)
    np.testing.assert_allclose(weighted.alphas, repeated.alphas, rtol=1e-12)
    np.testing.assert_allclose(weighted.coefs, repeated.coefs, atol=1e-6)


def test_explicit_alphas_are_sorted_decreasing():
    X, y = regression()
    res = path(X, y, alphas=[0.01, 0.1, 0.05], tol=1e-8)
    np.testing.assert_array_equal(res.alphas, [0.1, 0.05, 0.01])
    assert len(res.results) == 3


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"alphas": [0.1, -0.2]}, "alphas must be"),
        ({"alphas": []}, "alphas must be"),
        ({"l1_ratio": 1.5}, "l1_ratio"),
        ({"l1_ratio": -0.1}, "l1_ratio"),
        ({"n_alphas": 0}, "n_alphas"),
        ({"alpha_min_ratio": 0.0}, "alpha_min_ratio"),
        ({"tol": -1.0}, "tol"),
        ({"solver": "nope"}, "Unknown solver"),
    ],
)
def test_bad_input_names_the_argument(kwargs, match):
    X, y = regression()
    with pytest.raises(ValueError, match=match):
        path(X, y, **kwargs)


def test_mismatched_rows_are_rejected_once():
    X, y = regression()
    with pytest.raises(ValueError, match="rows"):
        path(X, y[:-1])
