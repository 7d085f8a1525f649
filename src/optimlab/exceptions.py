"""Warnings and errors raised by optimlab."""

from sklearn.exceptions import ConvergenceWarning as _SklearnConvergenceWarning

__all__ = ["ConvergenceWarning", "UnsupportedProblemError"]


class ConvergenceWarning(_SklearnConvergenceWarning):
    """A solver stopped before its optimality certificate fell under ``tol``.

    Subclasses scikit-learn's warning so that filters written for scikit-learn apply.
    """


class UnsupportedProblemError(ValueError):
    """A solver was asked for a problem it cannot handle (e.g. ``lbfgs`` on an L1 penalty)."""
