"""Objectives: derivatives against finite differences, certificates against known optima, bad input."""

import itertools

import numpy as np
import pytest
import scipy.optimize
import scipy.sparse as sp
from sklearn.linear_model import ElasticNet as SkElasticNet
from sklearn.linear_model import Lasso, LogisticRegression, Ridge

from optimlab.objectives import (
    L1,
    L2,
    Bounds,
    ElasticNet,
    Logistic,
    Multinomial,
    NoPenalty,
    Objective,
    Squared,
)

DATAFITS = {"squared": Squared, "logistic": Logistic, "multinomial": Multinomial}


def make_data(kind, n=40, p=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    if kind == "squared":
        y = X @ rng.standard_normal(p) + 0.3 * rng.standard_normal(n) + 1.0
    elif kind == "logistic":
        y = np.where(X[:, 0] + 0.5 * rng.standard_normal(n) > 0, "yes", "no")
    else:
        y = rng.integers(0, 3, n)
    return X, y


def fd_grad(f, x, h=1e-6):
    g = np.empty_like(x)
    for j in range(x.size):
        e = np.zeros_like(x)
        e[j] = h
        g[j] = (f(x + e) - f(x - e)) / (2 * h)
    return g


@pytest.mark.parametrize(
    ("kind", "penalty", "sparse", "intercept", "weighted"),
    list(itertools.product(DATAFITS, ["none", "l2", "l1", "en"], [False, True], [False, True],
                           [False, True])),
)
def test_gradient_and_hessp_match_finite_differences(kind, penalty, sparse, intercept, weighted):
    X, y = make_data(kind)
    rng = np.random.default_rng(1)
    sw = rng.uniform(0.1, 2.0, X.shape[0]) if weighted else None
    pen = {"none": NoPenalty(), "l2": L2(0.3), "l1": L1(0.1), "en": ElasticNet(0.2, 0.4)}[penalty]
    obj = Objective(sp.csr_matrix(X) if sparse else X, y, datafit=DATAFITS[kind](), penalty=pen,
                    fit_intercept=intercept, sample_weight=sw)
    x = 0.3 * rng.standard_normal(obj.size)
    # The smooth part (datafit) always has a gradient and Hessian-vector products.
    f, g = obj.smooth_value_and_grad(x)
    assert f == pytest.approx(obj.smooth_value(x), rel=1e-12)
    np.testing.assert_allclose(g, fd_grad(obj.smooth_value, x), rtol=1e-6, atol=1e-8)
    v = rng.standard_normal(obj.size)
    if pen.smooth:
        fv, gv = obj.value_and_grad(x)
        np.testing.assert_allclose(gv, fd_grad(obj.value, x), rtol=1e-6, atol=1e-8)
        assert fv == pytest.approx(obj.value(x), rel=1e-12)
        hv_fd = fd_grad(lambda t: obj.value(x + t[0] * v), np.zeros(1))  # directional value check
        assert hv_fd[0] == pytest.approx(gv @ v, rel=1e-5, abs=1e-8)
        hv = obj.hessp(x, v)
        h = 1e-6
        hv_ref = (obj.grad(x + h * v) - obj.grad(x - h * v)) / (2 * h)
        np.testing.assert_allclose(hv, hv_ref, rtol=1e-5, atol=1e-7)
    else:
        with pytest.raises(ValueError, match="smooth"):
            obj.value_and_grad(x)
    # Mini-batch estimate over all rows is the full datafit.
    fb, gb = obj.minibatch_value_and_grad(x, np.arange(X.shape[0]))
    assert fb == pytest.approx(f, rel=1e-12)
    np.testing.assert_allclose(gb, g, rtol=1e-10, atol=1e-12)


def test_minibatch_is_unbiased():
    X, y = make_data("logistic", n=12)
    obj = Objective(X, y, datafit="logistic")
    x = np.linspace(-0.5, 0.5, obj.size)
    grads = [obj.minibatch_value_and_grad(x, np.array(rows))[1]
             for rows in itertools.combinations(range(12), 3)]
    np.testing.assert_allclose(np.mean(grads, axis=0), obj.smooth_value_and_grad(x)[1], atol=1e-12)


@pytest.mark.parametrize("kind", list(DATAFITS))
def test_lipschitz_constants_bound_the_curvature(kind):
    X, y = make_data(kind, n=60, p=5)
    obj = Objective(X, y, datafit=kind, sample_weight=np.linspace(0.5, 2, 60))
    L = obj.lipschitz()
    rng = np.random.default_rng(0)
    for _ in range(20):
        a, b = rng.standard_normal((2, obj.size))
        ga, gb = obj.smooth_value_and_grad(a)[1], obj.smooth_value_and_grad(b)[1]
        assert np.linalg.norm(ga - gb) <= L * np.linalg.norm(a - b) * (1 + 1e-9)
    sparse_obj = Objective(sp.csc_matrix(X), y, datafit=kind, sample_weight=np.linspace(0.5, 2, 60))
    assert sparse_obj.lipschitz() == pytest.approx(L, rel=1e-4)
    lc = obj.coordinate_lipschitz()
    assert lc.shape == (obj.size,)
    for j in range(obj.size):  # second derivative along a coordinate is at most lc[j]
        e = np.zeros(obj.size)
        e[j] = 1.0
        for x in rng.standard_normal((3, obj.size)):
            assert e @ Objective(X, y, datafit=kind, sample_weight=np.linspace(0.5, 2, 60)).hessp(
                x, e) <= lc[j] * (1 + 1e-9)


def test_split_and_join_round_trip():
    X, y = make_data("multinomial")
    obj = Objective(X, y, datafit="multinomial")
    x = np.arange(obj.size, dtype=float)
    coef, b = obj.split(x)
    assert coef.shape == (6, 3) and b.shape == (3,)
    np.testing.assert_array_equal(obj.join(coef, b), x)


# -- certificates -------------------------------------------------------------------------------
def _sklearn_reference(kind, penalty, X, y, alpha, l1_ratio, intercept):
    n = X.shape[0]
    if kind == "squared":
        if penalty == "l2":
            # Ridge minimizes ||y - Xw||^2 + a ||w||^2 = 2n (our objective) with a = n * alpha.
            m = Ridge(alpha=n * alpha, fit_intercept=intercept, tol=1e-14, solver="cholesky")
        elif penalty == "l1":
            m = Lasso(alpha=alpha, fit_intercept=intercept, tol=1e-15, max_iter=100_000)
        else:
            m = SkElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=intercept, tol=1e-15,
                             max_iter=100_000)
        m.fit(X, y)
        return m.coef_, m.intercept_
    ratio = {"l2": 0.0, "l1": 1.0, "en": l1_ratio}[penalty]
    m = LogisticRegression(C=1.0 / (alpha * n), l1_ratio=ratio, solver="saga" if ratio else "lbfgs",
                           fit_intercept=intercept, tol=1e-14, max_iter=200_000)
    m.fit(X, y)
    return m.coef_.ravel(), m.intercept_


@pytest.mark.parametrize(("kind", "penalty", "intercept"),
                         list(itertools.product(["squared", "logistic"], ["l2", "l1", "en"],
                                                [True, False])))
def test_duality_gap_is_zero_at_the_reference_optimum_and_bounds_suboptimality(kind, penalty, intercept):
    X, y = make_data(kind, n=80, p=8)
    X[:, 0] += 2.0  # a non-centred column, so the intercept matters
    alpha, l1_ratio = 0.05, 0.5
    pen = {"l2": L2(alpha), "l1": L1(alpha), "en": ElasticNet(alpha, l1_ratio)}[penalty]
    obj = Objective(X, y, datafit=kind, penalty=pen, fit_intercept=intercept)
    assert obj.certificate_kind == "duality_gap"
    coef, b = _sklearn_reference(kind, penalty, X, y, alpha, l1_ratio, intercept)
    x_star = obj.join(coef, b)
    gap = obj.certificate(x_star)
    assert 0.0 <= gap <= 1e-8
    rng = np.random.default_rng(3)
    for scale in (1e-3, 1e-1, 1.0):
        x = x_star + scale * rng.standard_normal(obj.size)
        subopt = obj.value(x) - obj.value(x_star)
        assert obj.certificate(x) >= subopt - 1e-10


def test_gradient_certificate_for_multinomial_and_bounds():
    X, y = make_data("multinomial")
    obj = Objective(X, y, datafit="multinomial", penalty=L2(0.1))
    assert obj.certificate_kind == "gradient_norm"
    res = scipy.optimize.minimize(obj.value_and_grad, np.zeros(obj.size), jac=True,
                                  method="L-BFGS-B", options={"gtol": 1e-12, "ftol": 0})
    assert obj.certificate(res.x) == pytest.approx(np.linalg.norm(obj.grad(res.x)))
    assert obj.certificate(res.x) < 1e-5
    X, y = make_data("squared")
    nn = Objective(X, y, penalty=Bounds(0.0, np.inf), fit_intercept=False)
    assert nn.certificate_kind == "projected_gradient_norm"
    w, _ = scipy.optimize.nnls(X, y)
    assert nn.certificate(w) < 1e-10
    assert nn.certificate(w + 0.1) > 1e-3


@pytest.mark.parametrize("kind", ["squared", "logistic", "multinomial"])
def test_alpha_max_gives_zero_coefficients(kind):
    X, y = make_data(kind, n=50, p=5)
    obj = Objective(X, y, datafit=kind)
    amax = obj.alpha_max()
    for factor, zero in ((1.0001, True), (0.9, False)):
        pen_obj = Objective(X, y, datafit=kind, penalty=L1(factor * amax))
        x0 = np.zeros(pen_obj.size)
        if pen_obj.fit_intercept:
            x0[pen_obj.n_coef:] = pen_obj.optimal_intercept(x0)
        _, d = pen_obj.smooth_value_and_grad(x0)
        at_zero_optimal = np.max(np.abs(d[: pen_obj.n_coef])) <= pen_obj.penalty.l1_weight
        assert at_zero_optimal == zero


# -- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"X": [[np.nan, 1.0], [1.0, 2.0]]}, ValueError, "X contains"),
        ({"X": [[np.inf, 1.0], [1.0, 2.0]]}, ValueError, "X contains"),
        ({"y": [1.0, np.nan]}, ValueError, "y contains"),
        ({"y": [1.0, 2.0, 3.0]}, ValueError, "rows but y has"),
        ({"X": [1.0, 2.0]}, ValueError, "X must have 2"),
        ({"X": [["a", "b"], ["c", "d"]]}, TypeError, "X must hold real numbers"),
        ({"datafit": "logistic", "y": [1, 1]}, ValueError, "one class|two classes"),
        ({"datafit": "multinomial", "y": [1, 1]}, ValueError, "only one class"),
        ({"datafit": "hinge"}, ValueError, "datafit must be one of"),
        ({"sample_weight": [1.0, -1.0]}, ValueError, "non-negative"),
        ({"sample_weight": [1.0]}, ValueError, "sample_weight has 1"),
        ({"datafit": "logistic", "y": [0, 1], "sample_weight": [0.0, 1.0]}, ValueError,
         r"class\(es\) \[0\] have zero total sample_weight"),
        ({"penalty": "l3"}, ValueError, "penalty must be"),
        ({"fit_intercept": "yes"}, TypeError, "fit_intercept"),
    ],
)
def test_bad_input_names_the_argument(kwargs, error, match):
    args = {"X": [[0.0, 1.0], [1.0, 2.0]], "y": [0.5, 1.5]}
    args.update(kwargs)
    X, y = args.pop("X"), args.pop("y")
    with pytest.raises(error, match=match):
        Objective(X, y, **args)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: L1(-1.0), "alpha must be in"),
        (lambda: ElasticNet(1.0, 1.5), "l1_ratio must be in"),
        (lambda: ElasticNet(1.0, -0.1), "l1_ratio must be in"),
        (lambda: L2(float("nan")), "alpha must be finite"),
        (lambda: Bounds(1.0, 0.0), "lower bound"),
    ],
)
def test_bad_penalty_parameters(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_float32_and_integer_inputs_are_accepted():
    X, y = make_data("squared")
    a = Objective(X, y)
    b = Objective(X.astype(np.float32), y)
    x = np.linspace(-1, 1, a.size)
    assert b.value(x) == pytest.approx(Objective(X.astype(np.float32).astype(float), y).value(x))
    assert a.X.dtype == b.X.dtype == np.float64
    Objective(np.arange(8).reshape(4, 2), [0, 1, 0, 1], datafit="logistic")


# -- explicit Hessian: sparse (numba weighted Gram) against dense (BLAS) and scipy ------------------
def _sparse_data(kind, n=60, p=7, seed=1):
    X, y = make_data(kind, n=n, p=p, seed=seed)
    rng = np.random.default_rng(seed)
    X[rng.random(X.shape) < 0.6] = 0.0
    X[3] = 0.0  # an empty row
    X[:, 2] = 0.0  # an empty column
    return X, y


def _scipy_hessian(obj, x):
    """The former sparse Hessian: scipy's CSR X^T times CSR diag(h) X, intercept border by hand."""
    K, m = obj.n_outputs, obj.n_features + int(obj.fit_intercept)
    X = sp.csr_matrix(obj.X)
    w = obj.datafit.hess_weights(obj.y, obj.linear_predictor(x), obj.s).reshape(obj.n_samples, K, K)
    blocks = np.empty((m, K, m, K))
    for k, c in itertools.product(range(K), range(K)):
        h = w[:, k, c]
        gram = (X.T.tocsr() @ (sp.diags(h) @ X)).toarray()
        if obj.fit_intercept:
            border = X.T @ h
            gram = np.block([[gram, border[:, None]], [border[None, :], np.array([[h.sum()]])]])
        blocks[:, k, :, c] = gram
    hess = blocks.reshape(m * K, m * K)
    hess[np.arange(obj.n_coef), np.arange(obj.n_coef)] += obj.penalty.l2_weight
    return hess


@pytest.mark.parametrize("kind", ["squared", "logistic", "multinomial"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_sparse_hessian_matches_dense_and_scipy(kind, fit_intercept, weighted):
    X, y = _sparse_data(kind)
    sw = np.random.default_rng(2).uniform(0.0, 2.0, X.shape[0]) if weighted else None
    if weighted:
        sw[5] = 0.0
    dense = Objective(X, y, datafit=kind, penalty=L2(0.1), fit_intercept=fit_intercept, sample_weight=sw)
    sparse = Objective(sp.csr_matrix(X), y, datafit=kind, penalty=L2(0.1), fit_intercept=fit_intercept,
                       sample_weight=sw)
    x = np.random.default_rng(3).standard_normal(dense.size) * 0.5
    H = sparse.hessian(x)
    assert H.shape == (dense.size, dense.size)
    np.testing.assert_array_equal(H, H.T)
    np.testing.assert_allclose(H, dense.hessian(x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(H, _scipy_hessian(sparse, x), rtol=1e-12, atol=1e-14)
    # CSC input goes through the same (CSR) kernel
    csc = Objective(sp.csc_matrix(X), y, datafit=kind, penalty=L2(0.1), fit_intercept=fit_intercept,
                    sample_weight=sw)
    np.testing.assert_allclose(csc.hessian(x), H, rtol=1e-12, atol=1e-14)


def test_sparse_hessian_matches_finite_differences_of_gradient():
    X, y = _sparse_data("logistic")
    obj = Objective(sp.csr_matrix(X), y, datafit="logistic", penalty=L2(0.05))
    x = np.random.default_rng(4).standard_normal(obj.size) * 0.3
    eps = 1e-6
    fd = np.column_stack([(obj.grad(x + eps * e) - obj.grad(x - eps * e)) / (2 * eps)
                          for e in np.eye(obj.size)])
    np.testing.assert_allclose(obj.hessian(x), fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_weighted_gram_kernel_non_canonical_csr_and_signed_weights(fit_intercept):
    from optimlab.solvers._kernels import weighted_gram_csr

    # unsorted column indices and a duplicate (row 0 has column 1 twice: 2 + 3 = 5)
    data = np.array([2.0, -1.0, 3.0, 4.0, 1.5, 0.5, -2.0])
    indices = np.array([1, 0, 1, 3, 2, 0, 3])
    indptr = np.array([0, 3, 3, 5, 7])
    X = sp.csr_matrix((data, indices, indptr), shape=(4, 4))
    h = np.array([0.7, 1.3, -0.4, 2.0])
    A = X.toarray()
    if fit_intercept:
        A = np.column_stack([A, np.ones(4)])
    expected = A.T @ (h[:, None] * A)
    G = weighted_gram_csr(data, indices, indptr, h, 4, fit_intercept)
    np.testing.assert_allclose(G, expected, rtol=1e-14, atol=1e-14)
    np.testing.assert_array_equal(G, G.T)


@pytest.mark.parametrize("kind", ["squared", "logistic"])
@pytest.mark.parametrize("sparse", [False, True])
def test_gap_from_the_dual_point_prepared_with_the_gradient_is_the_same(kind, sparse):
    X, y = make_data(kind, n=60, p=7)
    X[:, 1] += 1.5
    make = lambda: Objective(sp.csr_matrix(X) if sparse else X, y, datafit=kind,  # noqa: E731
                             penalty=L2(0.05))
    rng = np.random.default_rng(4)
    for x in 0.3 * rng.standard_normal((3, make().size)):
        prepared, fresh = make(), make()
        _, grad = prepared.value_and_grad(x)  # prepares the dual point in the same pass
        assert prepared._dual_point is not None
        assert prepared.certificate(x) == pytest.approx(fresh.certificate(x), rel=1e-12, abs=1e-15)
        np.testing.assert_allclose(grad, fresh.grad(x), rtol=1e-12, atol=1e-14)
        prepared.value_and_grad(x + 1.0)  # another point: the prepared pieces must not be reused
        assert prepared.certificate(x) == pytest.approx(fresh.certificate(x), rel=1e-12, abs=1e-15)
