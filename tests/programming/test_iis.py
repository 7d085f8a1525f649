"""IIS: found for every infeasible Netlib LP, and irreducible when checked independently (scipy)."""

import csv
from pathlib import Path

import numpy as np
import pytest
import scipy.optimize as so

from optimlab.programming import Block, Problem, feasibility_relaxation, find_iis
from optimlab.programming.io import read_problem

MATHPROG = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mathprog"
needs_shared = pytest.mark.skipif(not MATHPROG.is_dir(), reason="../shared/data/mathprog is absent")


def infeasible_rows():
    if not MATHPROG.is_dir():
        return []
    with open(MATHPROG / "netlib_infeasible_status.csv", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["expected_status"] == "infeasible"]


def feasible(problem, rows, lowers, uppers) -> bool:
    """scipy's linprog on the subsystem: only these rows and bounds, the other bounds free."""
    n = problem.n_vars
    lb = np.full(n, -np.inf)
    ub = np.full(n, np.inf)
    lb[lowers] = problem.lb[lowers]
    ub[uppers] = problem.ub[uppers]
    A = problem.A[rows].toarray() if len(rows) else np.zeros((0, n))
    lo, hi = problem.row_lower[rows], problem.row_upper[rows]
    up, dn = np.isfinite(hi), np.isfinite(lo)
    A_ub = np.vstack([A[up], -A[dn]])
    b_ub = np.concatenate([hi[up], -lo[dn]])
    bounds = list(zip(np.where(np.isinf(lb), None, lb), np.where(np.isinf(ub), None, ub), strict=True))
    for method in ("highs-ds", "highs-ipm"):  # klein1 leaves the dual simplex undecided
        res = so.linprog(np.zeros(n), A_ub=A_ub if len(b_ub) else None, b_ub=b_ub if len(b_ub) else None,
                         bounds=bounds, method=method)
        if res.status in (0, 2):
            return res.status == 0
    raise AssertionError(f"scipy could not decide feasibility: {res.message}")


def members(problem, iis):
    rows = [m.index for m in iis.rows]
    lowers = [m.index for m in iis.bounds if m.side in ("lower", "both", "equality")]
    uppers = [m.index for m in iis.bounds if m.side in ("upper", "both", "equality")]
    return rows, lowers, uppers


def assert_irreducible(problem, iis):
    rows, lowers, uppers = members(problem, iis)
    assert not feasible(problem, rows, lowers, uppers), "the subset is feasible"
    for k in range(len(rows)):
        assert feasible(problem, rows[:k] + rows[k + 1:], lowers, uppers), f"row {rows[k]} is not needed"
    for k in range(len(lowers)):
        assert feasible(problem, rows, lowers[:k] + lowers[k + 1:], uppers), f"lower {lowers[k]} not needed"
    for k in range(len(uppers)):
        assert feasible(problem, rows, lowers, uppers[:k] + uppers[k + 1:]), f"upper {uppers[k]} not needed"


@needs_shared
@pytest.mark.parametrize("row", infeasible_rows(), ids=lambda r: r["name"])
def test_every_infeasible_netlib_lp_has_a_verified_iis(row):
    problem = read_problem(MATHPROG / row["file"])
    iis = find_iis(problem, time_limit=120)
    assert len(iis) > 0
    assert iis.irreducible
    assert all(m.name == problem.row_name(m.index) for m in iis.rows)
    assert_irreducible(problem, iis)


def test_small_iis_by_block_and_relaxation():
    p = Problem.build([1.0, 1.0], A=[[1.0, 1.0], [1.0, 1.0], [1.0, 0.0]], row_lower=[5.0, -np.inf, -np.inf],
                      row_upper=[np.inf, 3.0, 10.0],
                      row_blocks=[Block("need", 0, ()), Block("limit", 1, ()), Block("spare", 2, ())])
    iis = find_iis(p)
    assert iis.describe() == ["constraint need >= 5", "constraint limit <= 3"]
    assert set(iis.by_block()) == {"need", "limit"}
    assert_irreducible(p, iis)
    relax = feasibility_relaxation(p, row_penalty=[1.0, 3.0, 1.0])
    assert relax.total_violation == pytest.approx(2.0)
    assert [c.name for c in relax.changes] == ["need"]  # the cheaper row is the one to loosen
    relax = feasibility_relaxation(p, row_penalty=[3.0, 1.0, 1.0])
    assert [c.name for c in relax.changes] == ["limit"] and relax.changes[0].new == pytest.approx(5.0)


def test_feasible_problem_and_bad_penalties_are_errors():
    p = Problem.build([1.0], A=[[1.0]], row_upper=[1.0])
    with pytest.raises(ValueError, match="feasible"):
        find_iis(p)
    with pytest.raises(ValueError, match="positive"):
        feasibility_relaxation(p, row_penalty=-1.0)


def test_milp_iis_uses_integrality():
    # 2x = 3 has no integer solution although the LP relaxation is feasible
    p = Problem.build([0.0, 0.0], A=[[2.0, 0.0], [0.0, 1.0]], row_lower=[3.0, 0.0], row_upper=[3.0, 5.0],
                      integrality=[True, False], ub=[10.0, 10.0])
    iis = find_iis(p)
    assert [m.index for m in iis.rows] == [0]
