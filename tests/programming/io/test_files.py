"""MPS/QPS/LP readers and writers: the same matrices as HiGHS's reader, exact round trips, errors."""

import glob
from pathlib import Path

import highspy
import numpy as np
import pytest
import scipy.sparse as sp

from optimlab.programming import Block, Problem
from optimlab.programming.io import ModelFileError, read_lp, read_mat, read_mps, read_problem, write_problem

MATHPROG = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "mathprog"
needs_shared = pytest.mark.skipif(not MATHPROG.is_dir(), reason="../shared/data/mathprog is absent")
FILES = sorted(glob.glob(str(MATHPROG / "netlib" / "*.mps.gz"))) + sorted(
    glob.glob(str(MATHPROG / "miplib3" / "*.mps.gz"))) + sorted(
    glob.glob(str(MATHPROG / "netlib_infeasible" / "*.mps.gz")))


def highs_read(path):
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(str(path))
    lp = h.getLp()
    A = sp.csc_matrix((np.asarray(lp.a_matrix_.value_), np.asarray(lp.a_matrix_.index_),
                       np.asarray(lp.a_matrix_.start_)), shape=(lp.num_row_, lp.num_col_))
    integ = np.array([int(t) == 1 for t in lp.integrality_]) if len(lp.integrality_) else np.zeros(
        lp.num_col_, dtype=bool)
    return lp, A, integ


def assert_same(p: Problem, q: Problem, *, atol=0.0):
    for field in ("c", "row_lower", "row_upper", "lb", "ub", "integrality"):
        np.testing.assert_array_equal(getattr(p, field), getattr(q, field), err_msg=field)
    assert p.A.shape == q.A.shape
    assert abs(p.A - q.A).max() <= atol if p.A.nnz or q.A.nnz else True
    assert p.offset == q.offset and p.sense == q.sense
    if p.is_qp or q.is_qp:
        assert abs(p.Q - q.Q).max() == 0


@needs_shared
@pytest.mark.parametrize("path", FILES, ids=lambda f: Path(f).name)
def test_reader_matches_highs_and_round_trips(path, tmp_path):
    ours = read_problem(path)
    lp, A, integ = highs_read(path)
    np.testing.assert_array_equal(ours.c, lp.col_cost_)
    np.testing.assert_array_equal(ours.lb, lp.col_lower_)
    np.testing.assert_array_equal(ours.ub, lp.col_upper_)
    np.testing.assert_array_equal(ours.row_lower, lp.row_lower_)
    np.testing.assert_array_equal(ours.row_upper, lp.row_upper_)
    np.testing.assert_array_equal(ours.integrality, integ)
    assert ours.offset == lp.offset_
    # HiGHS drops entries under 1e-9 in magnitude (gas11); we keep what the file says
    assert abs(ours.A - A).max() <= 1e-9
    assert list(ours.col_names) == list(lp.col_names_)
    for suffix in (".mps", ".lp"):
        out = write_problem(ours, tmp_path / f"copy{suffix}")
        back = read_problem(out)
        assert_same(ours, back)


def small_qp() -> Problem:
    return Problem.build(
        [1.0, -2.0, 0.5], A=[[1.0, 1.0, 0.0], [0.0, 1.0, 1.0], [1.0, 0.0, 1.0]],
        row_lower=[1.0, -np.inf, 2.0], row_upper=[1.0, 4.0, 5.0],
        lb=[-np.inf, 0.0, -1.0], ub=[np.inf, 3.0, 2.0], integrality=[False, False, True],
        Q=[[2.0, 0.5, 0.0], [0.5, 1.0, 0.0], [0.0, 0.0, 0.0]], offset=-1.25, sense="maximize", name="small",
        col_names=["a", "b", "c"], row_names=["eq", "le", "range"],
    )


@pytest.mark.parametrize("suffix", [".mps", ".qps", ".lp", ".mps.gz", ".lp.gz"])
def test_round_trip_of_every_feature(tmp_path, suffix):
    p = small_qp()
    p.Q = -p.Q  # concave for a maximization
    back = read_problem(write_problem(p, tmp_path / f"p{suffix}"))
    assert_same(p, back)


def test_fixed_format_with_spaces_in_names(tmp_path):
    p = Problem.build([1.0, 2.0], A=[[1.0, 1.0]], row_lower=[1.0], col_names=["X 1", "X 2"],
                      row_names=["ROW 1"])
    out = write_problem(p, tmp_path / "fixed.mps")
    assert "X 1" in out.read_text()
    back = read_mps(out, format="fixed")
    assert back.col_names == ["X 1", "X 2"] and back.row_names == ["ROW 1"]
    assert_same(p, read_mps(out))


@needs_shared
def test_maros_meszaros_qps_round_trip(tmp_path):
    for name in ("HS21", "QAFIRO", "CVXQP1_S", "DUAL1"):
        p = read_mat(MATHPROG / "maros_meszaros" / f"{name}.mat")
        assert_same(p, read_problem(write_problem(p, tmp_path / f"{name}.qps")))


def test_model_names_become_valid_lp_names(tmp_path):
    p = Problem.build([1.0, 1.0], A=[[1.0, 1.0]], row_lower=[1.0],
                      var_blocks=[Block("x", 0, (2,))], row_blocks=[Block("bin", 0, ())])
    text = write_problem(p, tmp_path / "m.lp").read_text()
    assert "x(0)" in text and "_bin:" in text  # a row called like a section keyword is renamed
    back = read_lp(tmp_path / "m.lp")
    assert back.col_names == ["x(0)", "x(1)"] and back.row_names == ["_bin"]
    assert_same(p, back)


def test_writers_refuse_to_overwrite(tmp_path):
    path = tmp_path / "keep.mps"
    path.write_text("mine")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write_problem(small_qp(), path)
    assert path.read_text() == "mine"
    write_problem(small_qp(), path, overwrite=True)
    assert read_problem(path).n_vars == 3


MPS_OK = """NAME T
ROWS
 N obj
 L c1
COLUMNS
 x obj 1 c1 1
RHS
 rhs c1 4
BOUNDS
 UP bnd x 3
ENDATA
"""


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (MPS_OK.replace(" L c1", " Q c1"), 4, "unknown row type"),
        (MPS_OK.replace(" x obj 1 c1 1", " x obj 1 c2 1"), 6, "unknown row 'c2'"),
        (MPS_OK.replace(" x obj 1 c1 1", " x obj one c1 1"), 6, "not a number"),
        (MPS_OK.replace(" UP bnd x 3", " XX bnd x 3"), 10, "unknown bound type 'XX'"),
        (MPS_OK.replace(" UP bnd x 3", " UP bnd y 3"), 10, "unknown column 'y'"),
        (MPS_OK.replace(" UP bnd x 3", " SC bnd x 3"), 10, "semi-continuous"),
        (MPS_OK.replace("RHS\n", "RHS\nSOS\n"), 8, "not supported"),
        (MPS_OK.replace("ENDATA\n", ""), 11, "missing ENDATA"),
        (MPS_OK.replace("COLUMNS", "COLUMNZ"), 5, "unknown section"),
    ],
)
def test_malformed_mps_names_the_line(tmp_path, text, line, message):
    path = tmp_path / "bad.mps"
    path.write_text(text)
    with pytest.raises(ModelFileError, match=message) as info:
        read_problem(path)
    assert info.value.line == line
    assert f"line {line}" in str(info.value)


LP_OK = """\\ a comment
Maximize
 obj: 3 x + 2 y + [ x ^ 2 ] / 2 - 1
Subject To
 c1: x + y <= 4
 c2: -1 <= x - y <= 2
Bounds
 y <= 5
 z free
Generals
 z
End
"""


def test_lp_reader_reads_every_part(tmp_path):
    path = tmp_path / "ok.lp"
    path.write_text(LP_OK.replace("Generals", " c3: z >= -3\nGenerals").replace("Bounds", "Bounds"))
    path.write_text(LP_OK.replace("Bounds\n", "c3: z + 0 x >= -3\nBounds\n"))
    p = read_lp(path)
    assert p.sense == "maximize" and p.offset == -1
    assert p.col_names == ["x", "y", "z"]
    np.testing.assert_array_equal(p.c, [3, 2, 0])
    np.testing.assert_array_equal(p.Q.toarray(), [[1, 0, 0], [0, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(p.row_lower, [-np.inf, -1, -3])
    np.testing.assert_array_equal(p.row_upper, [4, 2, np.inf])
    np.testing.assert_array_equal(p.ub, [np.inf, 5, np.inf])
    np.testing.assert_array_equal(p.lb, [0, 0, -np.inf])
    np.testing.assert_array_equal(p.integrality, [False, False, True])


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (LP_OK.replace(" c1: x + y <= 4", " c1: x + y 4"), 5, "comparison"),
        (LP_OK.replace(" y <= 5", " y <= five"), 8, "expected a number"),
        (LP_OK.replace("End\n", ""), None, "missing End"),
        (LP_OK.replace("Generals", "Semi-continuous"), 10, "not supported"),
        (LP_OK.replace(" c1: x + y <= 4", " c1: x * y <= 4"), 5, "unexpected|expected"),
        ("Subject To\n x <= 1\nEnd\n", 1, "Minimize or Maximize"),
    ],
)
def test_malformed_lp_names_the_line(tmp_path, text, line, message):
    path = tmp_path / "bad.lp"
    path.write_text(text)
    with pytest.raises(ModelFileError, match=message) as info:
        read_problem(path)
    assert info.value.line == line


def test_unknown_extension_and_missing_file(tmp_path):
    with pytest.raises(ValueError, match="format"):
        read_problem(tmp_path / "model.txt")
    with pytest.raises(FileNotFoundError):
        read_problem(tmp_path / "missing.mps")
