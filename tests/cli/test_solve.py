"""``optimlab solve``: status, objective, certificate, IIS by name, JSON output, clear errors."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimlab.cli.main import app

runner = CliRunner()
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mathprog"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data/mathprog is absent")

# max 3x + 2y  s.t.  x + y <= 4 (cap_a), x + 3y <= 6 (cap_b), x <= 5;  optimum x = 4, y = 0, objective 12
# (non-degenerate: cap_a binds with shadow price 3, cap_b is slack, y's reduced cost is 2 - 3 = -1)
PRODUCT_MIX = """\
NAME          MIX
OBJSENSE
    MAX
ROWS
 N  profit
 L  cap_a
 L  cap_b
COLUMNS
    x         profit    3.0          cap_a     1.0
    x         cap_b     1.0
    y         profit    2.0          cap_a     1.0
    y         cap_b     3.0
RHS
    rhs       cap_a     4.0          cap_b     6.0
BOUNDS
 UP bnd       x         5.0
ENDATA
"""

# x + y >= 5 (need) and x + y <= 3 (limit) cannot both hold; the bound rows are not involved
INFEASIBLE = """\
NAME          CLASH
ROWS
 N  cost
 G  need
 L  limit
 L  spare
COLUMNS
    x         cost      1.0          need      1.0
    x         limit     1.0          spare     1.0
    y         cost      1.0          need      1.0
    y         limit     1.0
RHS
    rhs       need      5.0          limit     3.0
    rhs       spare     10.0
ENDATA
"""


def run(*args):
    return runner.invoke(app, ["solve", *map(str, args)])


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_product_mix_prints_status_objective_and_writes_json(tmp_path):
    path = write(tmp_path, "mix.mps", PRODUCT_MIX)
    out = tmp_path / "sol.json"
    result = run(path, "--out", out)
    assert result.exit_code == 0, result.output
    assert "optimal" in result.output
    assert "12" in result.output
    assert "primal residual" in result.output
    data = json.loads(out.read_text())
    assert data["status"] == "optimal"
    assert data["objective"] == pytest.approx(12.0, rel=1e-9)
    assert data["variables"]["x"] == pytest.approx(4.0, abs=1e-9)
    assert data["variables"]["y"] == pytest.approx(0.0, abs=1e-9)
    # shadow prices in the user's (maximize) sense: one more unit of cap_a is worth 3
    assert data["duals"]["cap_a"] == pytest.approx(3.0, abs=1e-9)
    assert data["duals"]["cap_b"] == pytest.approx(0.0, abs=1e-9)
    assert data["reduced_costs"]["y"] == pytest.approx(-1.0, abs=1e-9)
    assert data["reduced_costs"]["x"] == pytest.approx(0.0, abs=1e-9)
    assert data["certificate"]["gap"] < 1e-9


def test_refuses_to_overwrite_out_without_force(tmp_path):
    path = write(tmp_path, "mix.mps", PRODUCT_MIX)
    out = write(tmp_path, "sol.json", "keep me")
    result = run(path, "--out", out)
    assert result.exit_code == 2
    assert "--force" in result.output
    assert out.read_text() == "keep me"
    result = run(path, "--out", out, "--force")
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["status"] == "optimal"


def test_infeasible_file_shows_the_iis_by_constraint_name(tmp_path):
    path = write(tmp_path, "clash.mps", INFEASIBLE)
    out = tmp_path / "sol.json"
    result = run(path, "--out", out)
    assert result.exit_code == 0, result.output
    assert "infeasible" in result.output
    assert "need" in result.output and "limit" in result.output
    data = json.loads(out.read_text())
    assert data["status"] == "infeasible"
    assert data["objective"] is None
    iis_text = " ".join(data["iis"])
    assert "need" in iis_text and "limit" in iis_text
    assert "spare" not in iis_text


def test_malformed_file_gives_the_line_number_not_a_traceback(tmp_path):
    broken = PRODUCT_MIX.replace(" UP bnd       x         5.0", " XX bnd       x         5.0")
    path = write(tmp_path, "broken.mps", broken)
    result = run(path)
    assert result.exit_code == 2
    line = broken.splitlines().index(" XX bnd       x         5.0") + 1
    assert f"line {line}" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("missing.mps",), "missing.mps"),
        (("{mix}", "--time-limit", "0"), "--time-limit"),
        (("{mix}", "--mip-gap", "-1"), "--mip-gap"),
        (("{mix}", "--backend", "gurobi"), "gurobi"),
    ],
)
def test_bad_arguments_are_clear_errors(tmp_path, args, message):
    mix = write(tmp_path, "mix.mps", PRODUCT_MIX)
    result = run(*[a.format(mix=mix) for a in args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_backend_that_cannot_solve_a_milp_is_refused(tmp_path):
    milp = PRODUCT_MIX.replace("COLUMNS\n", "COLUMNS\n    MARKER    'MARKER'     'INTORG'\n").replace(
        "RHS\n", "    MARKER    'MARKER'     'INTEND'\nRHS\n"
    )
    path = write(tmp_path, "mix_int.mps", milp)
    result = run(path, "--backend", "piqp")
    assert result.exit_code == 2
    assert "MILP" in result.output
    result = run(path)
    assert result.exit_code == 0, result.output
    assert "MIP gap" in result.output


@needs_shared
def test_maros_meszaros_mat_file_solves_to_the_reference():
    result = run(SHARED / "maros_meszaros" / "HS21.mat")
    assert result.exit_code == 0, result.output
    assert "optimal" in result.output
    assert "-99.96" in result.output


@needs_shared
def test_netlib_gz_file_solves_to_the_reference(tmp_path):
    out = tmp_path / "afiro.json"
    result = run(SHARED / "netlib" / "afiro.mps.gz", "--out", out)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["status"] == "optimal"
    assert data["objective"] == pytest.approx(-464.7531428571, rel=1e-9)
    assert len(data["variables"]) == 32
