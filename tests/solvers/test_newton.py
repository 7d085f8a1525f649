"""Newton's inner solvers: Cholesky and CG reach the same optimum; ``inner="auto"`` picks by cost."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from optimlab.objectives import L2, Objective
from optimlab.solvers import solve


def _data(n=300, p=8, sparse=False, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = (X @ rng.standard_normal(p) + 0.5 * rng.standard_normal(n) > 0).astype(float)
    if sparse:
        X = sp.csr_matrix(X * (rng.random((n, p)) < 0.3))
    return X, y


def _counting(objective):
    calls = {"hessian": 0}
    original = objective.hessian

    def hessian(x):
        calls["hessian"] += 1
        return original(x)

    objective.hessian = hessian
    return calls


@pytest.mark.parametrize("inner", ["cg", "cholesky"])
def test_inner_solvers_match_sklearn(inner):
    X, y = _data()
    n, alpha = X.shape[0], 0.01
    objective = Objective(X, y, datafit="logistic", penalty=L2(alpha))
    res = solve(objective, "newton", tol=1e-10, inner=inner)
    assert res.success
    ref = LogisticRegression(C=1.0 / (n * alpha), tol=1e-12, max_iter=10000).fit(X, y)
    ref_x = objective.join(ref.coef_.ravel(), ref.intercept_[0])
    # a gap of 1e-10 bounds the suboptimality, and strong convexity (alpha) the distance
    assert objective.value(res.x) <= objective.value(ref_x) + 1e-10
    np.testing.assert_allclose(res.x, ref_x, rtol=1e-4, atol=1e-6)


def test_hessian_cost_counts_hessian_vector_products():
    X, y = _data(p=40)
    assert Objective(X, y, datafit="logistic", penalty=L2(0.1)).hessian_cost() == pytest.approx(40 / 4)
    Xs = sp.csr_matrix(np.eye(50)[np.arange(300) % 50] * 2.0)  # one non-zero per row
    assert Objective(Xs, y, datafit="logistic", penalty=L2(0.1)).hessian_cost() == pytest.approx(1 / 4)
    # fewer samples than variables and no L2: singular Hessian, never factorized by "auto"
    X, y = _data(n=10, p=30)
    assert Objective(X, y, datafit="squared").hessian_cost() == np.inf
    assert np.isfinite(Objective(X, y, datafit="squared", penalty=L2(0.1)).hessian_cost())


@pytest.mark.parametrize(("p", "sparse", "factorizes"), [(8, False, True), (60, False, False),
                                                         (60, True, True)])
def test_auto_factorizes_only_when_cheap(p, sparse, factorizes):
    X, y = _data(p=p, sparse=sparse)
    objective = Objective(X, y, datafit="logistic", penalty=L2(0.01))
    calls = _counting(objective)
    res = solve(objective, "newton", tol=1e-8)
    assert res.success
    assert (calls["hessian"] > 0) == factorizes
    assert (objective.hessian_cost() <= 8.0) == factorizes


def test_cholesky_needs_an_explicit_hessian():
    from optimlab.minimize import minimize

    with pytest.raises(ValueError, match="explicit Hessian"):
        minimize(lambda x: float(x @ x), np.ones(3), jac=lambda x: 2 * x, method="newton",
                 options={"inner": "cholesky"})
