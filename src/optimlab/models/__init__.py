"""scikit-learn estimators trained by optimlab's solvers, regularization paths and CV models."""

from optimlab.models.cv import LinearRegressionCV, LogisticRegressionCV
from optimlab.models.linear import LinearRegression, LogisticRegression, alpha_from_C
from optimlab.models.path import PathResult, path

__all__ = [
    "LinearRegression",
    "LinearRegressionCV",
    "LogisticRegression",
    "LogisticRegressionCV",
    "PathResult",
    "alpha_from_C",
    "path",
]
