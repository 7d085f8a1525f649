"""Mathematical programming: LP, QP and MILP on HiGHS, PIQP, OSQP and Clarabel; dynamic programming.

- :class:`Model`: array-native modeling (``x = m.add_variables(shape)``, ``m.add_constraints(A @ x <= b,
  name=...)``, ``m.minimize(...)``, ``m.solve()``);
- :func:`linprog`, :func:`quadprog`: matrix-form doors;
- :class:`Solution`: status, values, shadow prices, ranging and a certificate recomputed by us;
- :func:`find_iis`, :func:`feasibility_relaxation`: why a model is infeasible, and how to repair it;
- :mod:`optimlab.programming.io`: MPS/QPS/LP files and the Maros-Meszaros ``.mat`` files;
- :mod:`optimlab.programming.dp`: Markov decision processes and knapsack by dynamic programming.
"""

from .backends import SolveOptions, available_backends, solve_problem
from .expr import Constraint, LinExpr, QuadExpr, Variable, between, sum_squares
from .iis import IIS, Relaxation, feasibility_relaxation, find_iis
from .matrix import linprog, quadprog
from .model import ConstraintBlock, Model
from .problem import Block, Problem
from .solution import Certificate, Ranging, Solution, SolutionStatus, certify

__all__ = [
    "IIS",
    "Block",
    "Certificate",
    "Constraint",
    "ConstraintBlock",
    "LinExpr",
    "Model",
    "Problem",
    "QuadExpr",
    "Ranging",
    "Relaxation",
    "Solution",
    "SolutionStatus",
    "SolveOptions",
    "Variable",
    "available_backends",
    "between",
    "certify",
    "feasibility_relaxation",
    "find_iis",
    "linprog",
    "quadprog",
    "solve_problem",
    "sum_squares",
]
