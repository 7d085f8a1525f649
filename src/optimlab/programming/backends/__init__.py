"""Backends: HiGHS for LP/MILP/QP, PIQP, OSQP and Clarabel for convex QP; ``solve`` dispatches.

A backend is a function ``solve_<name>(problem, options, warm) -> BackendOutput`` registered in
:data:`BACKENDS` with the problem kinds it handles. It returns the point and duals of the
minimization form with HiGHS's signs (see :mod:`optimlab.programming.solution`).
"""

from ._dispatch import BACKENDS, BackendSpec, SolveOptions, available_backends, solve_problem

__all__ = ["BACKENDS", "BackendSpec", "SolveOptions", "available_backends", "solve_problem"]
