"""Our certificate (``certify``) and ``finish``: residuals, gap, signs and the user's sense."""

import numpy as np
import pytest

from optimlab.programming import Block, Problem, SolutionStatus, certify
from optimlab.programming.solution import BackendOutput, finish


def lp():
    # min -x - 2y  s.t.  x + y <= 4 (row 0),  y <= 3 (bound);  optimum x = 1, y = 3, value -7.
    # HiGHS signs: c - A'y - z = 0 with y_row = -1 (upper side active), z = (0, -1).
    return Problem.build([-1.0, -2.0], A=[[1.0, 1.0]], row_upper=[4.0], ub=[np.inf, 3.0],
                         row_blocks=[Block("cap", 0, (1,))])


def test_optimal_point_has_zero_residuals_and_gap():
    cert = certify(lp(), [1.0, 3.0], [-1.0], [0.0, -1.0])
    assert cert.primal_residual == 0.0
    assert cert.dual_residual == pytest.approx(0.0, abs=1e-15)
    assert cert.gap == pytest.approx(0.0, abs=1e-15)
    assert cert.primal_objective == pytest.approx(-7.0)
    assert cert.dual_objective == pytest.approx(-7.0)
    assert cert.ok(1e-12)


def test_violations_are_measured():
    cert = certify(lp(), [2.0, 3.5], [-1.0], [0.0, -1.0])
    assert cert.primal_residual == pytest.approx(1.5)  # x + y = 5.5 > 4
    assert not cert.ok(1e-6)
    # stationary, but a positive row dual on a row without a lower side (0.5) and a negative
    # reduced cost on x, which has no upper bound (1.5), are sign violations
    cert = certify(lp(), [1.0, 3.0], [0.5], [-1.5, -2.5])
    assert cert.dual_residual == pytest.approx(1.5)
    cert = certify(lp(), [1.0, 3.0], [0.5], [0.0, -2.5])
    assert cert.dual_residual == pytest.approx(1.5)  # now stationarity is off by 1.5 in x
    # stationarity
    cert = certify(lp(), [1.0, 3.0], [-1.0], [0.0, 0.0])
    assert cert.dual_residual == pytest.approx(1.0)
    assert cert.gap > 0


def test_qp_certificate_uses_the_quadratic_dual():
    # min 0.5 (x - 1)^2 written as 0.5 x^2 - x + 0.5, x >= 2: optimum x = 2, z = 1
    p = Problem.build([-1.0], Q=[[1.0]], offset=0.5, lb=[2.0])
    cert = certify(p, [2.0], np.zeros(0), [1.0])
    assert cert.primal_objective == pytest.approx(0.5)
    assert cert.dual_objective == pytest.approx(0.5)
    assert cert.dual_residual == pytest.approx(0.0)


def test_maximize_is_reported_in_the_users_sense():
    p = Problem.build([1.0, 2.0], A=[[1.0, 1.0]], row_upper=[4.0], ub=[np.inf, 3.0], sense="maximize",
                      row_blocks=[Block("cap", 0, (1,))])
    out = BackendOutput(status=SolutionStatus.OPTIMAL, message="", backend="test",
                        x=np.array([1.0, 3.0]), y=np.array([-1.0]), z=np.array([0.0, -1.0]))
    sol = finish(p, out)
    assert sol.objective == pytest.approx(7.0)
    assert sol.certificate.primal_objective == pytest.approx(7.0)
    # one more unit of capacity is worth +1 to the maximizer
    assert sol.duals["cap"] == pytest.approx([1.0])
    assert sol.reduced_costs["x"] == pytest.approx([0.0, 1.0])
    assert sol.success and sol["x"].shape == (2,)
    assert sol.summary()["status"] == "optimal"


def test_milp_certificate_uses_the_bound_and_integrality():
    p = Problem.build([-1.0], ub=[2.5], integrality=[True])
    cert = certify(p, [2.0], bound=-2.5)
    assert np.isnan(cert.dual_residual)
    assert cert.gap == pytest.approx(0.25)
    cert = certify(p, [1.5], bound=-1.5)
    assert cert.integrality_violation == pytest.approx(0.5)
    assert cert.primal_residual == pytest.approx(0.5)


def test_finish_without_a_point():
    out = BackendOutput(status=SolutionStatus.INFEASIBLE, message="infeasible", backend="test")
    sol = finish(lp(), out)
    assert sol.x is None and sol.certificate is None and np.isnan(sol.objective)
    assert sol.values == {} and sol.duals == {}
    assert not sol.success
    assert sol.status == "infeasible"
    with pytest.raises(ValueError, match="infeasible"):
        sol[type("V", (), {"flat_index": np.arange(2)})()]
