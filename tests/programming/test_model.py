"""``Model``: expression algebra against dense matrices, textbook programs against references."""

import numpy as np
import pytest
import scipy.optimize as so
import scipy.sparse as sp

from optimlab.programming import Model, between, sum_squares


def dense(expr):
    """The expression as (M dense, d), M with one row per entry in C order."""
    M = expr.coef.toarray()
    return np.hstack([M, np.zeros((M.shape[0], expr.model.n_vars - M.shape[1]))]), expr.const


# ------------------------------------------------------------------------------ algebra
def test_expressions_match_dense_algebra():
    rng = np.random.default_rng(0)
    m = Model()
    x = m.add_variables((3, 4), name="x")
    y = m.add_variables(4, name="y")
    X = np.arange(12).reshape(3, 4)  # the column of each entry of x
    A = rng.standard_normal((5, 3))
    B = rng.standard_normal((4, 2))
    w = rng.standard_normal((3, 4))

    M, d = dense(A @ x)  # (5, 4): sum_i A[k, i] x[i, j]
    assert (A @ x).shape == (5, 4)
    expected = np.zeros((20, 16))
    for k in range(5):
        for j in range(4):
            expected[k * 4 + j, X[:, j]] = A[k]
    np.testing.assert_allclose(M, expected)

    M, _ = dense(x @ B)
    assert (x @ B).shape == (3, 2)
    expected = np.zeros((6, 16))
    for i in range(3):
        for k in range(2):
            expected[i * 2 + k, X[i]] = B[:, k]
    np.testing.assert_allclose(M, expected)

    M, d = dense((w * x).sum(axis=0) + 2.0)
    expected = np.zeros((4, 16))
    for j in range(4):
        expected[j, X[:, j]] = w[:, j]
    np.testing.assert_allclose(M, expected)
    np.testing.assert_allclose(d, 2.0)

    M, _ = dense(x.sum(axis=1))
    np.testing.assert_allclose(M[:, :12], np.kron(np.eye(3), np.ones(4)))

    M, _ = dense(x.T[1:3])
    np.testing.assert_allclose(M[:, :12], np.eye(12)[X.T[1:3].ravel()])

    M, d = dense(x[0] - y / 2 + np.array([1.0, 2, 3, 4]))
    np.testing.assert_allclose(M, np.hstack([np.eye(12)[:4], -0.5 * np.eye(4)]))
    np.testing.assert_allclose(d, [1, 2, 3, 4])

    v = rng.standard_normal(4)
    M, _ = dense(v @ y)
    assert (v @ y).shape == ()
    np.testing.assert_allclose(M, np.concatenate([np.zeros(12), v])[None])
    M, _ = dense(sp.csr_matrix(A) @ x[:, 0])
    np.testing.assert_allclose(M[:, X[:, 0]], A)


def test_quadratic_expressions():
    m = Model()
    x = m.add_variables(2, lb=-np.inf, name="x")
    Q = np.array([[2.0, 1.0], [1.0, 3.0]])
    q = x @ Q @ x
    np.testing.assert_allclose(q.Q.toarray(), 2 * Q)  # 0.5 x'(2Q)x = x'Qx
    s = sum_squares(x - np.array([1.0, 2.0]))
    np.testing.assert_allclose(s.Q.toarray(), 2 * np.eye(2))
    np.testing.assert_allclose(s.q.toarray().ravel(), [-2.0, -4.0])
    assert s.k == pytest.approx(5.0)


def test_misuse_is_a_clear_error():
    m = Model()
    x = m.add_variables(3, name="x")
    with pytest.raises(TypeError, match="between"):
        m.add_constraints(0 <= x <= 1)
    with pytest.raises(ValueError, match="do not broadcast"):
        x + np.ones(4)
    with pytest.raises(ValueError, match="align"):
        np.ones((2, 4)) @ x
    with pytest.raises(TypeError, match="not linear"):
        x * x
    with pytest.raises(ValueError, match="scalar"):
        m.minimize(x)
    with pytest.raises(ValueError, match="already used"):
        m.add_variables(2, name="x")
    with pytest.raises(ValueError, match="NaN"):
        m.add_constraints(x <= np.array([1.0, np.nan, 2.0]), name="bad")
    with pytest.raises(TypeError, match="bool"):
        m.add_constraints(1 <= 2)
    other = Model().add_variables(3)
    with pytest.raises(ValueError, match="different models"):
        x + other
    with pytest.raises(ValueError, match="lb"):
        m.add_variables(2, lb=[0, 5], ub=1, name="z")
    with pytest.raises(TypeError, match="Quadratic constraints"):
        m.add_constraints(sum_squares(x) <= 1)


# ------------------------------------------------------------------------------ textbook programs
def product_mix():
    m = Model("mix")
    x = m.add_variables(2, name="x")
    cap = m.add_constraints(np.array([[1.0, 1.0], [1.0, 3.0]]) @ x <= [4.0, 6.0], name="capacity")
    m.maximize(np.array([3.0, 2.0]) @ x)
    return m, x, cap


def test_product_mix_values_duals_and_ranging():
    m, x, cap = product_mix()
    sol = m.solve()
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(12.0)
    np.testing.assert_allclose(sol[x], [4.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(sol.duals["capacity"], [3.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(sol.dual(cap), [3.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(sol.reduced_costs["x"], [0.0, -1.0], atol=1e-9)
    # x's profit can fall to 2 (then y is as good) and rise without limit
    assert sol.ranging.cost_lower[0] == pytest.approx(2.0)
    assert sol.ranging.cost_upper[0] == np.inf
    assert sol.certificate.ok(1e-9)


def test_shadow_price_is_the_derivative_of_the_objective():
    for sense in ("minimize", "maximize"):
        m = Model()
        x = m.add_variables(3, name="x")
        rng = np.random.default_rng(3)
        A = rng.uniform(0.5, 2.0, (2, 3))
        c = rng.uniform(1.0, 3.0, 3)
        if sense == "maximize":
            cons = m.add_constraints(A @ x <= [4.0, 5.0], name="cap")
            m.maximize(c @ x)
        else:
            cons = m.add_constraints(A @ x >= [4.0, 5.0], name="cap")
            m.minimize(c @ x)
        base = m.solve()
        h = 1e-4
        for i in range(2):
            rhs = np.array([4.0, 5.0])
            rhs[i] += h
            cons.rhs = rhs
            bumped = m.solve()
            assert (bumped.objective - base.objective) / h == pytest.approx(base.duals["cap"][i], abs=1e-6)
        cons.rhs = [4.0, 5.0]


def test_resolve_in_place_matches_a_fresh_model_and_starts_warm():
    rng = np.random.default_rng(1)
    S, D = 30, 40
    cost = rng.uniform(1, 10, (S, D))
    supply = rng.uniform(20, 40, S)
    demand = rng.uniform(0, 1, D)
    demand *= 0.8 * supply.sum() / demand.sum()

    def build(sup):
        m = Model()
        x = m.add_variables((S, D), name="x")
        s = m.add_constraints(x.sum(axis=1) <= sup, name="supply")
        m.add_constraints(x.sum(axis=0) >= demand, name="demand")
        m.minimize((cost * x).sum())
        return m, x, s

    m, x, s = build(supply)
    first = m.solve(backend="highs")
    new_supply = supply * 1.05
    s.upper = new_supply
    again = m.solve(backend="highs")
    fresh = build(new_supply)[0].solve(backend="highs")
    assert again.objective == pytest.approx(fresh.objective, rel=1e-10)
    assert again.iterations < fresh.iterations
    assert first.objective >= again.objective - 1e-9
    x.ub = 1.0  # bounds in place
    capped = m.solve(backend="highs")
    assert capped.status in ("optimal", "infeasible")
    if capped.status == "optimal":
        assert capped["x"].max() <= 1.0 + 1e-9


def test_transportation_matches_scipy():
    rng = np.random.default_rng(2)
    S, D = 8, 12
    cost = rng.uniform(1, 10, (S, D))
    supply = rng.uniform(10, 20, S)
    demand = rng.uniform(0, 1, D)
    demand *= 0.9 * supply.sum() / demand.sum()
    m = Model()
    x = m.add_variables((S, D), name="x")
    m.add_constraints(x.sum(axis=1) <= supply, name="supply")
    m.add_constraints(x.sum(axis=0) >= demand, name="demand")
    m.minimize((cost * x).sum())
    sol = m.solve()
    A_ub = np.vstack([np.kron(np.eye(S), np.ones(D)), -np.kron(np.ones(S), np.eye(D))])
    ref = so.linprog(cost.ravel(), A_ub=A_ub, b_ub=np.concatenate([supply, -demand]))
    assert sol.objective == pytest.approx(ref.fun, rel=1e-9)
    assert sol["x"].shape == (S, D)
    np.testing.assert_allclose(sol.duals["supply"], ref.ineqlin.marginals[:S], atol=1e-7)
    np.testing.assert_allclose(sol.duals["demand"], -ref.ineqlin.marginals[S:], atol=1e-7)


def test_assignment_milp_matches_linear_sum_assignment():
    rng = np.random.default_rng(4)
    n = 9
    cost = rng.uniform(0, 10, (n, n))
    m = Model()
    x = m.add_variables((n, n), binary=True, name="assign")
    m.add_constraints(x.sum(axis=1) == 1, name="worker")
    m.add_constraints(x.sum(axis=0) == 1, name="task")
    m.minimize((cost * x).sum())
    sol = m.solve()
    rows, cols = so.linear_sum_assignment(cost)
    assert sol.objective == pytest.approx(cost[rows, cols].sum(), rel=1e-9)
    assert sol.bound == pytest.approx(sol.objective, rel=1e-6)
    np.testing.assert_allclose(sol["assign"].round(), sol["assign"], atol=1e-6)
    assert sol.duals == {}


def test_portfolio_qp_matches_the_closed_form():
    rng = np.random.default_rng(5)
    k = 6
    G = rng.standard_normal((k, k))
    cov = G @ G.T + 0.1 * np.eye(k)
    m = Model()
    w = m.add_variables(k, lb=-np.inf, name="w")
    m.add_constraints(w.sum() == 1, name="budget")
    m.minimize(0.5 * (w @ cov @ w))
    for backend in ("auto", "highs", "piqp", "clarabel", "osqp"):
        sol = m.solve(backend=backend)
        ones = np.linalg.solve(cov, np.ones(k))
        np.testing.assert_allclose(sol["w"], ones / ones.sum(), atol=1e-6)
        # the shadow price of the budget is the minimum variance's derivative: 1 / (1' cov^-1 1)
        assert float(sol.duals["budget"]) == pytest.approx(1.0 / ones.sum(), rel=1e-5)


def test_nonconvex_objective_is_refused():
    m = Model()
    x = m.add_variables(2, ub=1, name="x")
    m.minimize(-sum_squares(x))
    with pytest.raises(ValueError, match="not convex"):
        m.solve()
    m.maximize(-sum_squares(x) + x.sum())
    assert m.solve().status == "optimal"


def test_infeasible_model_names_the_conflicting_blocks():
    m = Model()
    x = m.add_variables(3, ub=10, name="x")
    m.add_constraints(x.sum() >= 40, name="demand")
    m.add_constraints(x[0] + x[1] <= 100, name="loose")
    sol = m.solve()
    assert sol.status == "infeasible"
    assert sol.x is None
    text = " ".join(sol.iis.describe())
    assert "demand" in text and "loose" not in text
    assert {b.name for b in sol.iis.bounds} == {"x[0]", "x[1]", "x[2]"}
    assert sol.iis.irreducible
    relax = m.relax()
    assert relax.total_violation == pytest.approx(10.0)
    relax = m.relax(row_penalty=100.0, bound_penalty=1.0)
    assert relax.total_violation == pytest.approx(10.0)
    assert all(c.kind == "bound" for c in relax.changes)


def test_ranged_and_scalar_constraints_and_integer_rounding():
    m = Model()
    z = m.add_variables(2, integer=True, ub=10, name="z")
    r = m.add_constraints(between(2 * z[0] + 2 * z[1], 1, 3), name="r")
    m.maximize(z.sum())
    sol = m.solve()
    assert sol.objective == pytest.approx(1.0)
    np.testing.assert_allclose(r.lower, [1.0])
    np.testing.assert_allclose(r.upper, [3.0])


def test_model_writes_files_and_refuses_to_overwrite(tmp_path):
    from optimlab.programming.io import read_problem

    m, _, _ = product_mix()
    path = m.write(tmp_path / "mix.lp")
    with pytest.raises(FileExistsError):
        m.write(path)
    back = read_problem(path)
    assert back.sense == "maximize"
    np.testing.assert_allclose(back.c, [3.0, 2.0])
