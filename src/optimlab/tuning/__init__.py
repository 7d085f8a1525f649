"""Hyperparameter tuning and model selection: search spaces, path-aware tuning on Optuna, selection."""

from optimlab.tuning.metrics import METRICS, Metric, get_metric
from optimlab.tuning.select import SelectionResult, select
from optimlab.tuning.space import Categorical, Float, Int
from optimlab.tuning.tune import TuningResult, tune

__all__ = [
    "METRICS",
    "Categorical",
    "Float",
    "Int",
    "Metric",
    "SelectionResult",
    "TuningResult",
    "get_metric",
    "select",
    "tune",
]
