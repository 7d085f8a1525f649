"""Resource allocation from plain files: the optimal plan, what limits it, and what each resource is worth.

A problem is a YAML or TOML file (or a dict) of one of the :data:`KINDS`: ``budget``, ``assignment``,
``transportation``, ``production``, ``portfolio`` or ``selection``. :func:`solve` turns it into the
right LP, QP or MILP on :mod:`optimlab.programming` (or a knapsack dynamic program) and returns an
:class:`AllocationResult`: the plan in the file's names, the constraints with their shadow prices in
plain words, slacks, reduced costs and ranging for LPs, the certificate, and for an infeasible
problem the conflicting constraints named as in the file. :func:`example` gives a commented example
file of each kind. See ``docs/allocate.md``.
"""

from ._schema import ProblemError
from .problem import KINDS, example, load_problem, solve
from .result import AllocationResult

__all__ = ["KINDS", "AllocationResult", "ProblemError", "example", "load_problem", "solve"]
