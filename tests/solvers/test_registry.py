"""The registry and the loop contract shared by every solver."""

import dataclasses
import time

import numpy as np
import pytest

import optimlab.solvers
from optimlab import ConvergenceWarning, Result, Status, UnsupportedProblemError
from optimlab.objectives import L1, L2, Bounds, Objective
from optimlab.solvers import available_solvers, solve, solvers_for

RESULT_FIELDS = {"x", "fun", "success", "status", "message", "n_iter", "n_fev", "certificate",
                 "certificate_kind", "solver", "time", "history", "tol"}


@pytest.fixture
def lasso():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 8))
    return Objective(X, X[:, 0] - X[:, 1] + 0.1 * rng.standard_normal(60), penalty=L1(0.05))


@pytest.fixture
def ridge(lasso):
    return Objective(lasso.X, lasso.y, penalty=L2(0.05))


def test_unknown_solver_lists_the_available_ones(ridge):
    with pytest.raises(ValueError, match=r"Unknown solver 'bfgz'.*fista.*lbfgs"):
        solve(ridge, "bfgz")


def test_unsupported_problem_names_the_solvers_that_can(lasso):
    with pytest.raises(UnsupportedProblemError, match=r"'lbfgs' cannot.*L1.*Solvers that can:.*fista"):
        solve(lasso, "lbfgs")
    with pytest.raises(UnsupportedProblemError, match="newton"):
        optimlab.solvers.newton(lasso)
    bounded = Objective(lasso.X, lasso.y, penalty=Bounds(0, 1))
    assert "fista" in solvers_for(bounded) and "newton" not in solvers_for(bounded)


def test_unknown_option_lists_the_accepted_ones(ridge):
    with pytest.raises(TypeError, match=r"does not take option\(s\) \['maxiter'\].*max_iter"):
        solve(ridge, "fista", maxiter=3)


def test_specs_declare_capabilities():
    for name, spec in available_solvers().items():
        assert spec.name == name
        assert spec.requires, name
        assert {"tol", "max_iter", "time_limit", "callback"} <= set(spec.options), name
        assert ("random_state" in spec.options) == spec.stochastic, name
        assert spec.summary


@pytest.mark.parametrize("solver", ["fista", "ista", "lbfgs", "newton"])
def test_result_contract_and_history(ridge, solver):
    res = solve(ridge, solver, tol=1e-8)
    assert isinstance(res, Result)
    assert {f.name for f in dataclasses.fields(res)} == RESULT_FIELDS
    assert res.success and res.status == Status.CONVERGED and res.certificate <= 1e-8
    assert res.solver == solver and res.n_iter >= 1 and res.n_fev >= 1 and res.time > 0
    assert len(res.history) == res.n_iter + 1
    assert res.history.iteration[-1] == res.n_iter
    assert res.history.certificate[-1] == res.certificate and res.history.fun[-1] == res.fun
    assert np.all(np.diff(res.history.time) >= 0)
    assert res["x"] is res.x
    assert "success: True" in repr(res)


@pytest.mark.parametrize("solver", ["fista", "lbfgs", "newton"])
def test_callback_is_called_once_per_iteration_and_can_stop(ridge, solver):
    seen = []

    def callback(r):
        seen.append(r.n_iter)
        assert isinstance(r, Result)
        if r.n_iter == 2:
            raise StopIteration

    # Newton-Cholesky solves a ridge problem in one exact step: CG here, to have iterations
    options = {"inner": "cg"} if solver == "newton" else {}
    res = solve(ridge, solver, tol=1e-14, callback=callback, **options)
    assert seen == [1, 2]
    assert res.status == Status.CALLBACK and not res.success and res.n_iter == 2


def test_max_iter_gives_failure_and_a_warning_that_says_what_to_do(lasso):
    with pytest.warns(ConvergenceWarning, match="Increase max_iter"):
        res = solve(lasso, "ista", tol=1e-14, max_iter=3)
    assert not res.success and res.status == Status.MAX_ITER and res.n_iter == 3


def test_time_limit(lasso):
    big = Objective(np.random.default_rng(0).standard_normal((3000, 300)),
                    np.random.default_rng(1).standard_normal(3000), penalty=L1(1e-4))
    start = time.perf_counter()
    with pytest.warns(ConvergenceWarning):
        res = solve(big, "ista", tol=0.0, max_iter=10**6, time_limit=0.2)
    assert res.status == Status.TIME_LIMIT and time.perf_counter() - start < 2.0


def test_warm_start_from_the_optimum_stops_at_once(ridge):
    res = solve(ridge, "fista", tol=1e-10)
    again = solve(ridge, "fista", x0=res.x, tol=1e-9)
    assert again.n_iter == 0 and again.success


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"x0": np.zeros(3)}, ValueError, "x0 has 3 entries"),
        ({"x0": np.full(9, np.nan)}, ValueError, "x0 contains"),
        ({"tol": -1.0}, ValueError, "tol must be in"),
        ({"max_iter": 1.5}, TypeError, "max_iter must be an integer"),
        ({"max_iter": -1}, ValueError, "max_iter must be >= 0"),
        ({"time_limit": 0.0}, ValueError, "time_limit"),
        ({"callback": 3}, TypeError, "callback must be callable"),
    ],
)
def test_bad_solver_arguments(ridge, kwargs, error, match):
    with pytest.raises(error, match=match):
        solve(ridge, "fista", **kwargs)


def test_objective_that_is_not_an_objective():
    with pytest.raises(TypeError, match=r"optimlab\.minimize"):
        optimlab.solvers.fista(lambda x: x)
