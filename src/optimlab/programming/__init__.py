"""Mathematical programming: LP, QP and MILP on HiGHS, PIQP, OSQP and Clarabel; dynamic programming."""

from .backends import SolveOptions, available_backends, solve_problem
from .problem import Block, Problem
from .solution import Certificate, Ranging, Solution, SolutionStatus, certify

__all__ = [
    "Block",
    "Certificate",
    "Problem",
    "Ranging",
    "Solution",
    "SolutionStatus",
    "SolveOptions",
    "available_backends",
    "certify",
    "solve_problem",
]
