"""``Problem``: the matrix form, its checks, names and the minimization form."""

import numpy as np
import pytest
import scipy.sparse as sp

from optimlab.programming import Block, Problem


def small(**kw):
    base = dict(A=[[1.0, 1.0], [1.0, -1.0]], row_lower=[-np.inf, 0.0], row_upper=[4.0, np.inf],
                var_blocks=[Block("x", 0, (2,))], row_blocks=[Block("cap", 0, (2,))])
    base.update(kw)
    return Problem.build([1.0, 2.0], **base)


def test_build_defaults_and_kind():
    p = Problem.build([1.0, -1.0, 0.5])
    assert p.n_vars == 3 and p.n_rows == 0
    np.testing.assert_array_equal(p.lb, 0.0)
    np.testing.assert_array_equal(p.ub, np.inf)
    assert p.kind == "lp"
    assert Problem.build([1.0], integrality=[True]).kind == "milp"
    assert Problem.build([1.0], Q=[[2.0]]).kind == "qp"
    assert Problem.build([1.0], Q=[[2.0]], integrality=[1]).kind == "miqp"
    assert Problem.build([1.0], Q=sp.csr_matrix((1, 1))).kind == "lp"  # an empty Q is no QP


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        (dict(A=[[1.0, np.nan], [0, 1]]), "non-finite"),
        (dict(A=[[1.0, 1.0, 1.0]]), "3 columns"),
        (dict(row_lower=[5.0, 0.0]), "cap[0]: lower bound 5.0 is above upper bound 4.0"),
        (dict(lb=[0.0, np.nan]), "NaN"),
        (dict(ub=[1.0]), "has 1 entries; expected 2"),
        (dict(lb=[np.inf, 0.0]), "+inf"),
        (dict(Q=[[1.0, 2.0], [0.0, 1.0]]), "symmetric"),
        (dict(Q=[[1.0]]), "shape"),
        (dict(sense="max"), "sense"),
        (dict(offset=np.inf), "constant"),
    ],
)
def test_bad_input_names_the_field(kw, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]").replace("+", r"\+")):
        small(**kw)


def test_bad_cost_is_rejected():
    with pytest.raises(ValueError, match="non-finite"):
        Problem.build([1.0, np.inf])


def test_names_come_from_blocks_or_lists():
    p = Problem.build(np.zeros(6), var_blocks=[Block("x", 0, (2, 2)), Block("y", 4, (2,))])
    assert [p.col_name(j) for j in range(6)] == ["x[0,0]", "x[0,1]", "x[1,0]", "x[1,1]", "y[0]", "y[1]"]
    q = Problem.build(np.zeros(2), col_names=["a", "b"])
    assert q.col_name(1) == "b"
    s = Problem.build(np.zeros(1), var_blocks=[Block("t", 0, ())])
    assert s.col_name(0) == "t"


def test_minimize_form_negates_the_objective_only():
    p = Problem.build([1.0, 2.0], Q=[[2.0, 0.0], [0.0, 0.0]], offset=3.0, sense="maximize")
    m = p.minimize_form()
    assert m.sense == "minimize"
    np.testing.assert_array_equal(m.c, [-1.0, -2.0])
    assert m.offset == -3.0
    x = np.array([0.5, 1.5])
    assert p.objective(x) == pytest.approx(-m.objective(x))
    assert p.objective(x) == pytest.approx(1.0 * 0.5 + 2.0 * 1.5 + 3.0 + 0.5 * 2.0 * 0.25)
    assert p.minimize_form() is not p and small().minimize_form() is not None


def test_block_take_reshapes_in_c_order():
    b = Block("x", 2, (2, 3))
    assert b.size == 6 and b.stop == 8
    np.testing.assert_array_equal(b.take(np.arange(10)), np.arange(2, 8).reshape(2, 3))


def test_copy_is_deep_for_numbers():
    p = small()
    q = p.copy()
    q.c[0] = 99.0
    q.A.data[0] = 99.0
    assert p.c[0] == 1.0 and p.A.data[0] == 1.0
