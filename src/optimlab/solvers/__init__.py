"""Solvers: how an objective is minimized. Every solver returns :class:`optimlab.Result`."""

from optimlab.solvers._registry import (
    SolverSpec,
    available_solvers,
    get_solver,
    solve,
    solvers_for,
)
from optimlab.solvers.coordinate import cd
from optimlab.solvers.first_order import adagrad, adam, adamw, gd, momentum, nesterov, rmsprop, sgd
from optimlab.solvers.newton import newton
from optimlab.solvers.proximal import fista, ista
from optimlab.solvers.quasi_newton import lbfgs
from optimlab.solvers.variance_reduced import saga

__all__ = [
    "SolverSpec",
    "adagrad",
    "adam",
    "adamw",
    "available_solvers",
    "cd",
    "fista",
    "gd",
    "get_solver",
    "ista",
    "lbfgs",
    "momentum",
    "nesterov",
    "newton",
    "rmsprop",
    "saga",
    "sgd",
    "solve",
    "solvers_for",
]
