"""FunctionObjective: scipy's conventions, finite differences, checks at the door."""

import numpy as np
import pytest
from scipy.optimize import rosen, rosen_der, rosen_hess, rosen_hess_prod

from optimlab.objectives import Bounds
from optimlab.objectives.function import FunctionObjective, fd_jacobian, make_bounds
from optimlab.solvers._registry import solve

X0 = np.array([-1.2, 1.0, 0.7, 1.3])


def test_protocol_without_bounds():
    obj = FunctionObjective(rosen, X0)
    assert obj.size == 4
    assert obj.capabilities == {"gradient", "hessp", "prox"}
    assert obj.features == frozenset()
    assert obj.certificate_kind == "gradient_norm"
    np.testing.assert_array_equal(obj.prox(X0 + 10.0, 0.5), X0 + 10.0)
    np.testing.assert_allclose(obj.certificate(X0), np.linalg.norm(rosen_der(X0)), rtol=1e-8)
    np.testing.assert_array_equal(obj.default_x0(), X0)


@pytest.mark.parametrize("scheme, rtol", [(None, 1e-9), ("3-point", 1e-9), ("2-point", 1e-6), ("cs", 1e-13)])
def test_finite_difference_gradient(scheme, rtol):
    obj = FunctionObjective(rosen, X0, jac=scheme)
    np.testing.assert_allclose(obj.grad(X0), rosen_der(X0), rtol=rtol, atol=rtol)


def test_finite_differences_never_leave_the_box():
    def fun(x):
        if np.any(x < 0.0) or np.any(x > 1.0):
            raise AssertionError(f"evaluated outside the box at {x}")
        return np.sum(x * np.log(x + 1e-3)) + np.sum(np.sqrt(1.0 - x + 1e-3))

    def grad(x):
        return np.log(x + 1e-3) + x / (x + 1e-3) - 0.5 / np.sqrt(1.0 - x + 1e-3)

    x = np.array([0.0, 1e-9, 0.5, 1.0 - 1e-9, 1.0])
    obj = FunctionObjective(fun, x, bounds=[(0.0, 1.0)] * 5)
    np.testing.assert_allclose(obj.grad(x), grad(x), rtol=1e-5)


def test_fd_jacobian_of_a_vector_function():
    def f(x):
        return np.array([x[0] ** 2 * x[1], np.sin(x[0]) + x[1] ** 3, x[0]])

    x = np.array([0.3, -1.1])
    expected = np.array([[2 * x[0] * x[1], x[0] ** 2], [np.cos(x[0]), 3 * x[1] ** 2], [1.0, 0.0]])
    np.testing.assert_allclose(fd_jacobian(f, x), expected, rtol=1e-9, atol=1e-10)
    assert fd_jacobian(lambda z: z @ z, x).shape == (2,)


def test_jac_true_and_counters():
    calls = []

    def fun(x):
        calls.append(1)
        return rosen(x), rosen_der(x)

    obj = FunctionObjective(fun, X0, jac=True)
    f, g = obj.value_and_grad(X0)  # served from the check done at x0
    assert f == rosen(X0)
    np.testing.assert_array_equal(g, rosen_der(X0))
    assert obj.n_fev == len(calls) == 1
    obj.certificate(X0 + 1.0)
    obj.value(X0 + 1.0)
    assert obj.n_fev == 2


def test_fd_gradient_counts_evaluations():
    obj = FunctionObjective(rosen, X0)
    obj.grad(X0 + 0.1)
    assert obj.n_fev == 1 + 2 * X0.size


@pytest.mark.parametrize("jac, rtol", [(rosen_der, 1e-8), (None, 1e-5)])
def test_finite_difference_hessp(jac, rtol):
    obj = FunctionObjective(rosen, X0, jac=jac)
    v = np.array([0.3, -1.0, 2.0, 0.5])
    expected = rosen_hess_prod(X0, v)
    np.testing.assert_allclose(obj.hessp(X0, v), expected, rtol=rtol, atol=rtol * np.abs(expected).max())
    np.testing.assert_allclose(obj.hessian(X0), rosen_hess(X0), rtol=rtol, atol=rtol * 1e3)


def test_hess_and_hessp_callables():
    v = np.arange(4.0)
    by_hess = FunctionObjective(rosen, X0, jac=rosen_der, hess=rosen_hess)
    by_hessp = FunctionObjective(rosen, X0, jac=rosen_der, hessp=rosen_hess_prod)
    np.testing.assert_allclose(by_hess.hessp(X0, v), rosen_hess_prod(X0, v))
    np.testing.assert_allclose(by_hessp.hessp(X0, v), rosen_hess_prod(X0, v))
    np.testing.assert_allclose(by_hess.hessian(X0), rosen_hess(X0))


def test_args_are_passed():
    def fun(x, a, b):
        return a * np.sum((x - b) ** 2)

    obj = FunctionObjective(fun, np.zeros(2), args=(3.0, 1.0))
    np.testing.assert_allclose(obj.grad(np.zeros(2)), [-6.0, -6.0], rtol=1e-9)


def test_bounds_prox_and_projected_gradient():
    obj = FunctionObjective(lambda x: np.sum((x - 2.0) ** 2), [0.0, 5.0], bounds=[(0, 1), (None, None)])
    assert obj.features == {"bounds"}
    assert obj.certificate_kind == "projected_gradient_norm"
    np.testing.assert_array_equal(obj.default_x0(), [0.0, 5.0])
    np.testing.assert_array_equal(obj.prox(np.array([3.0, -7.0]), 1.0), [1.0, -7.0])
    # At x = (1, 2) the gradient (-2, 0) points out of the box: certified optimal.
    assert obj.certificate(np.array([1.0, 2.0])) < 1e-9
    # At x = (0.5, 2) the step x - g = (3.5, 2) is projected to (1, 2): the certificate is 0.5.
    assert obj.certificate(np.array([0.5, 2.0])) == pytest.approx(0.5, rel=1e-6)


def test_infinite_bounds_are_no_bounds_and_x0_is_projected():
    assert make_bounds([(None, None), (-np.inf, np.inf)], 2) is None
    obj = FunctionObjective(lambda x: x @ x, [5.0, -5.0], bounds=Bounds(-1.0, 1.0))
    np.testing.assert_array_equal(obj.default_x0(), [1.0, -1.0])


def test_runs_with_a_registered_solver():
    obj = FunctionObjective(lambda x: np.sum((x - 2.0) ** 2), np.zeros(3), bounds=[(0, 1)] * 3)
    res = solve(obj, "fista", tol=1e-8)
    assert res.success
    np.testing.assert_allclose(res.x, 1.0)


@pytest.mark.parametrize(
    "fun, error, match",
    [
        (lambda x: x, ValueError, "fun must return a scalar"),
        (lambda x: np.nan, ValueError, "fun must return a finite value at x0"),
        (lambda x: np.inf, ValueError, "fun must return a finite value"),
        (lambda x: "1.0", TypeError, "fun must return a real number"),
        (lambda x: 1j + x[0], TypeError, "fun must return a real number"),
        ("rosen", TypeError, "fun must be callable"),
    ],
)
def test_bad_fun(fun, error, match):
    with pytest.raises(error, match=match):
        FunctionObjective(fun, X0)


def test_size_one_array_value_is_accepted():
    obj = FunctionObjective(lambda x: np.array([x @ x]), X0)
    assert obj.value(X0) == pytest.approx(X0 @ X0)


def test_bad_jac_and_hessp():
    with pytest.raises(ValueError, match=r"jac must return the gradient as an array of shape \(4,\)"):
        FunctionObjective(rosen, X0, jac=lambda x: np.ones(3)).grad(X0)
    with pytest.raises(TypeError, match="jac=True, fun must return"):
        FunctionObjective(rosen, X0, jac=True)
    with pytest.raises(TypeError, match="jac must be a callable"):
        FunctionObjective(rosen, X0, jac="5-point")
    with pytest.raises(ValueError, match="hessp must return"):
        FunctionObjective(rosen, X0, hessp=lambda x, v: np.ones(2)).hessp(X0, X0)
    with pytest.raises(ValueError, match="hess must return an array of shape"):
        FunctionObjective(rosen, X0, hess=lambda x: np.eye(3)).hessp(X0, X0)


def test_bad_x0_and_bounds():
    with pytest.raises(ValueError, match="x0 contains 1 NaN"):
        FunctionObjective(rosen, [1.0, np.nan])
    with pytest.raises(ValueError, match="x0 must have"):
        FunctionObjective(rosen, np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"bounds has 3 .* but x0 has 4"):
        FunctionObjective(rosen, X0, bounds=[(0, 1)] * 3)
    with pytest.raises(ValueError, match="lb has shape"):
        FunctionObjective(rosen, X0, bounds=Bounds(np.zeros(3), 1.0))
