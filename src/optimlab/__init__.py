"""optimlab: optimization for machine learning, with certificates of optimality."""

from optimlab.exceptions import ConvergenceWarning, UnsupportedProblemError
from optimlab.minimize import minimize
from optimlab.result import History, Result, Status

__all__ = [
    "ConvergenceWarning",
    "History",
    "Result",
    "Status",
    "UnsupportedProblemError",
    "minimize",
]
__version__ = "0.1.0"
