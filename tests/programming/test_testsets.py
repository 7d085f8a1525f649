"""Real test sets from ``../shared/data/mathprog``, read by our readers and solved with ``backend="auto"``.

- Netlib: every LP to 1e-6 relative of ``reference_optimum`` (about 25 s for the 81).
- MIPLIB 3: the easy instances HiGHS proves in under a second, with ``mip_gap = 1e-9`` (the whole
  easy tier runs in ``benchmarks/programming.py --testsets``).
- The infeasible/unbounded Netlib set: the expected status.
Maros-Meszaros QPs are in ``test_maros_meszaros.py``.
"""

import csv
from pathlib import Path

import numpy as np
import pytest

from optimlab.programming import SolveOptions, solve_problem

MATHPROG = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mathprog"
pytestmark = pytest.mark.skipif(not MATHPROG.is_dir(), reason="../shared/data/mathprog is absent")

FAST_MIPLIB = ("egout", "p0033", "gen", "gt2", "flugpl", "vpm1", "p0548", "enigma", "khb05250", "lseu",
               "dsbmip", "bell3a", "p0282", "gesa2", "bell5")


def rows(name: str) -> list[dict]:
    if not MATHPROG.is_dir():
        return []
    with open(MATHPROG / name, newline="") as fh:
        return list(csv.DictReader(fh))


def read(row: dict):
    from optimlab.programming.io import read_problem

    return read_problem(MATHPROG / row["file"])


def relative_error(value: float, reference: float) -> float:
    return abs(value - reference) / max(1.0, abs(reference))


@pytest.mark.parametrize("row", rows("netlib_optimal_values.csv"), ids=lambda r: r["name"])
def test_netlib_lp_reaches_the_reference_optimum(row):
    problem = read(row)
    sol = solve_problem(problem)
    assert sol.status == "optimal", sol.message
    assert relative_error(sol.objective, float(row["reference_optimum"])) <= 1e-6
    # our own certificate, recomputed from the returned point and duals
    assert sol.certificate.rel_primal_residual <= 1e-6
    assert sol.certificate.rel_dual_residual <= 1e-6
    assert sol.certificate.gap <= 1e-6


@pytest.mark.parametrize(
    "row", [r for r in rows("miplib3_optimal_values.csv") if r["name"] in FAST_MIPLIB],
    ids=lambda r: r["name"],
)
def test_easy_miplib_reaches_the_proven_optimum(row):
    problem = read(row)
    assert problem.is_mip
    sol = solve_problem(problem, options=SolveOptions(mip_gap=1e-9))
    assert sol.status == "optimal", sol.message
    assert relative_error(sol.objective, float(row["reference_optimum"])) <= 1e-6
    assert sol.certificate.integrality_violation <= 1e-6
    assert sol.certificate.rel_primal_residual <= 1e-6
    assert sol.certificate.gap <= 1e-6


def test_fast_miplib_subset_is_in_the_easy_tier():
    easy = {r["name"] for r in rows("miplib3_optimal_values.csv") if r["tier"] == "easy"}
    assert set(FAST_MIPLIB) <= easy


@pytest.mark.parametrize("row", rows("netlib_infeasible_status.csv"), ids=lambda r: r["name"])
def test_infeasible_and_unbounded_lps_get_the_right_status(row):
    problem = read(row)
    sol = solve_problem(problem)
    assert sol.status == row["expected_status"], sol.message
    assert sol.x is None and sol.certificate is None
    if row["expected_status"] == "unbounded":
        assert sol.objective == -np.inf
    else:
        assert np.isnan(sol.objective)
