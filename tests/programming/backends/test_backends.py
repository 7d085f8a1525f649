"""Every backend against references: statuses, duals by finite differences, ranging, warm starts,
the auto fallback, and a fast subset of Maros-Meszaros (the whole set: benchmarks/programming.py)."""

import csv
from pathlib import Path

import numpy as np
import pytest

from optimlab.programming import Problem, SolveOptions, solve_problem
from optimlab.programming.backends import _dispatch
from optimlab.programming.io import read_mat

MATHPROG = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "mathprog"
needs_shared = pytest.mark.skipif(not MATHPROG.is_dir(), reason="../shared/data/mathprog is absent")
QP_BACKENDS = ("highs", "piqp", "clarabel", "osqp")
FAST_MM = ("HS21", "HS35", "HS35MOD", "HS51", "HS52", "HS53", "HS76", "HS118", "HS268", "DUAL1", "DUAL2",
           "DUAL3", "DUAL4", "PRIMAL1", "PRIMALC1", "QAFIRO", "QADLITTL", "CVXQP1_S", "CVXQP2_S", "CVXQP3_S",
           "GENHS28", "TAME", "ZECEVIC2", "LOTSCHD", "QPTEST", "DUALC1", "QSCTAP1", "AUG2D", "LISWET1")


def qp(sense="minimize"):
    # min 0.5 (x0^2 + x1^2) - x0 - x1 + x2  s.t. x0 + x1 <= 1, x0 - x2 = 0.2 (eq), 0 <= x <= [inf, 0.3, 5]
    sign = 1.0 if sense == "minimize" else -1.0
    return Problem.build(
        sign * np.array([-1.0, -1.0, 1.0]), A=[[1.0, 1.0, 0.0], [1.0, 0.0, -1.0]],
        row_lower=[-np.inf, 0.2], row_upper=[1.0, 0.2], ub=[np.inf, 0.3, 5.0],
        Q=sign * np.diag([1.0, 1.0, 0.0]), sense=sense,
    )


@pytest.mark.parametrize("backend", QP_BACKENDS)
@pytest.mark.parametrize("sense", ["minimize", "maximize"])
def test_qp_duals_are_derivatives_of_the_optimal_value(backend, sense):
    base = solve_problem(qp(sense), backend=backend)
    assert base.status == "optimal", base.message
    assert base.certificate.ok(1e-6)
    ref = solve_problem(qp(sense), backend="piqp")
    assert base.objective == pytest.approx(ref.objective, abs=1e-6)
    h = 1e-5
    for i, side in ((0, "row_upper"), (1, "row_upper")):
        p = qp(sense)
        getattr(p, side)[i] += h
        if i == 1:
            p.row_lower[i] += h
        bumped = solve_problem(p, backend="piqp")
        assert (bumped.objective - ref.objective) / h == pytest.approx(base.row_dual[i], abs=1e-4)
    p = qp(sense)
    p.ub[1] += h
    bumped = solve_problem(p, backend="piqp")
    assert (bumped.objective - ref.objective) / h == pytest.approx(base.col_dual[1], abs=1e-4)


@pytest.mark.parametrize("backend", QP_BACKENDS)
def test_infeasible_and_unbounded(backend):
    infeasible = Problem.build([1.0, 1.0], A=[[1.0, 1.0], [1.0, 1.0]], row_lower=[3.0, -np.inf],
                               row_upper=[np.inf, 1.0])
    sol = solve_problem(infeasible, backend=backend)
    assert sol.status in ("infeasible", "infeasible-or-unbounded")
    assert sol.x is None
    unbounded = Problem.build([-1.0, 0.0], A=[[1.0, -1.0]], row_upper=[1.0])
    sol = solve_problem(unbounded, backend=backend)
    assert sol.status in ("unbounded", "infeasible-or-unbounded")
    assert sol.objective == -np.inf or np.isnan(sol.objective)


def test_highs_ranging_holds_inside_and_fails_outside():
    # min -3x - 2y  s.t. x + y <= 4, x + 3y <= 6
    p = Problem.build([-3.0, -2.0], A=[[1.0, 1.0], [1.0, 3.0]], row_upper=[4.0, 6.0])
    sol = solve_problem(p, backend="highs")
    rng = sol.ranging
    lo, hi = rng.cost_lower[1], rng.cost_upper[1]  # y is nonbasic at 0: basis stays while c_y >= -3
    assert lo == -3.0 and hi == np.inf
    for c_y, same in ((lo + 0.1, True), (lo - 0.1, False)):
        q = p.copy()
        q.c[1] = c_y
        assert np.allclose(solve_problem(q, backend="highs").x, sol.x) is same
    assert rng.rhs_lower[0] == pytest.approx(0.0) and rng.rhs_upper[0] == pytest.approx(6.0)


def test_highs_warm_start_and_options():
    rng = np.random.default_rng(0)
    A = rng.uniform(0, 1, (60, 80))
    p = Problem.build(-rng.uniform(0, 1, 80), A=A, row_upper=np.ones(60))
    cold = solve_problem(p, backend="highs")
    q = p.copy()
    q.row_upper[:] = 1.01
    warm = solve_problem(q, backend="highs", warm=cold.warm)
    fresh = solve_problem(q, backend="highs")
    assert warm.objective == pytest.approx(fresh.objective, rel=1e-9)
    assert warm.iterations < fresh.iterations
    with pytest.raises(ValueError, match="not valid"):
        solve_problem(p, backend="highs", options=SolveOptions(extra={"no_such_option": 1}))
    with pytest.raises(ValueError, match="cannot solve a MILP"):
        solve_problem(Problem.build([1.0], integrality=[True]), backend="piqp")
    with pytest.raises(ValueError, match="Unknown backend"):
        solve_problem(p, backend="gurobi")
    with pytest.raises(ValueError, match="no setting"):
        solve_problem(qp(), backend="piqp", options=SolveOptions(extra={"no_such_setting": 1}))


def test_auto_falls_back_and_says_so(monkeypatch):
    from optimlab.programming.backends import qp as qp_module
    from optimlab.programming.solution import BackendOutput, SolutionStatus

    def broken(problem, options, warm):
        return BackendOutput(status=SolutionStatus.NUMERICAL_TROUBLE, message="broken on purpose",
                             backend="osqp")

    monkeypatch.setitem(_dispatch.AUTO_ORDER, "qp", ("osqp", "piqp"))
    monkeypatch.setattr(qp_module, "solve_osqp", broken)
    sol = solve_problem(qp())
    assert sol.backend == "piqp"
    assert sol.fallbacks == ["osqp: numerical-trouble"]
    assert sol.status == "optimal"


def test_milp_time_limit_keeps_the_incumbent():
    rng = np.random.default_rng(7)
    n = 60
    w = rng.integers(10, 60, n)
    p = Problem.build(-rng.integers(10, 60, n).astype(float), A=[w], row_upper=[w.sum() / 3], ub=np.ones(n),
                      integrality=np.ones(n, dtype=bool))
    sol = solve_problem(p, options=SolveOptions(mip_gap=0.0))
    assert sol.status == "optimal"
    assert sol.bound == pytest.approx(sol.objective, rel=1e-9)
    assert sol.certificate.integrality_violation <= 1e-9


def references():
    with open(MATHPROG / "maros_meszaros_optimal_values.csv", newline="") as fh:
        return {r["name"]: float(r["reference_optimum"]) for r in csv.DictReader(fh)}


@needs_shared
@pytest.mark.parametrize("name", FAST_MM)
def test_maros_meszaros_subset_with_auto(name):
    ref = references()[name]
    sol = solve_problem(read_mat(MATHPROG / "maros_meszaros" / f"{name}.mat"))
    assert sol.status == "optimal", sol.message
    assert abs(sol.objective - ref) / max(1.0, abs(ref)) <= 1e-6
    assert sol.certificate.ok(1e-6)
