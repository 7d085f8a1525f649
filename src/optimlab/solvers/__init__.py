"""Solvers: how an objective is minimized. Every solver returns :class:`optimlab.Result`."""

from optimlab.solvers._registry import (
    SolverSpec,
    available_solvers,
    get_solver,
    solve,
    solvers_for,
)
from optimlab.solvers.proximal import fista, ista

__all__ = [
    "SolverSpec",
    "available_solvers",
    "fista",
    "get_solver",
    "ista",
    "solve",
    "solvers_for",
]
