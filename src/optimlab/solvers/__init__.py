"""Solvers: how an objective is minimized. Every solver returns :class:`optimlab.Result`."""

from optimlab.solvers._registry import (
    SolverSpec,
    available_solvers,
    get_solver,
    solve,
    solvers_for,
)
from optimlab.solvers.first_order import adagrad, adam, adamw, gd, momentum, nesterov, rmsprop, sgd
from optimlab.solvers.newton import newton
from optimlab.solvers.proximal import fista, ista
from optimlab.solvers.quasi_newton import lbfgs

__all__ = [
    "adagrad",
    "adam",
    "adamw",
    "gd",
    "momentum",
    "nesterov",
    "rmsprop",
    "sgd",
    "SolverSpec",
    "available_solvers",
    "fista",
    "get_solver",
    "ista",
    "lbfgs",
    "newton",
    "solve",
    "solvers_for",
]
