r"""Metrics by name, in their natural units, with the direction that makes them better.

A :class:`Metric` scores a fitted estimator on held-out data. Unlike scikit-learn's scorers,
which negate losses so that "higher is better" everywhere, a metric reports its natural value
(log-loss and MSE are positive) and says which way is better with ``greater_is_better``; tables
and plots then show numbers a user recognizes, and the tuning study gets the matching
``direction``.

=====================  =========================================  ==========
name                   definition                                 better
=====================  =========================================  ==========
``accuracy``           fraction of correct labels                 higher
``balanced_accuracy``  mean recall over classes                   higher
``f1``                 F1 of the positive class (binary)          higher
``f1_macro``           unweighted mean of per-class F1            higher
``roc_auc``            area under the ROC curve (one-vs-rest      higher
                       macro average for more than two classes)
``log_loss``           :math:`-\frac1n\sum_i \log p_{i, y_i}`     lower
``mse``                :math:`\frac1n\sum_i (y_i - \hat y_i)^2`   lower
``rmse``               :math:`\sqrt{\text{mse}}`                  lower
``mae``                :math:`\frac1n\sum_i |y_i - \hat y_i|`     lower
``r2``                 :math:`1 - \text{SSE}/\text{SST}`          higher
=====================  =========================================  ==========

Any other scikit-learn scorer name (``"neg_log_loss"``, ``"precision_macro"``, ...) and any
callable ``scorer(estimator, X, y) -> float`` with higher-is-better also work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sklearn.base import is_classifier
from sklearn.metrics import get_scorer, get_scorer_names

from optimlab.models._scoring import linear_scorer

__all__ = ["METRICS", "Metric", "check_metric_task", "default_metric", "get_metric", "get_metrics"]


@dataclass(frozen=True)
class Metric:
    """A named held-out score.

    Attributes
    ----------
    name : str
        Used in tables and column names (``<name>_mean``, ...).
    scorer : callable
        A scikit-learn scorer ``scorer(estimator, X, y, **kwargs)``, higher is better.
    greater_is_better : bool
        False for losses; :meth:`__call__` then undoes the scorer's sign.
    linear : callable or None
        The same score computed from a linear model's linear predictor
        (:func:`optimlab.models._scoring.linear_scorer`), for the metrics that have one; tuning
        scores path points and epochs with it instead of building an estimator for each.
    """

    name: str
    scorer: Callable
    greater_is_better: bool = True
    linear: Callable | None = field(default=None, compare=False, repr=False)

    def __call__(self, estimator, X, y, sample_weight=None) -> float:
        """The metric of ``estimator`` on ``(X, y)`` in natural units."""
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        value = float(self.scorer(estimator, X, y, **kwargs))
        return value if self.greater_is_better else -value

    def from_linear(self, z, y, classes=None, sample_weight=None) -> float:
        """The metric in natural units from the linear predictor ``z`` (needs ``linear``)."""
        value = float(self.linear(z, y, classes, sample_weight))
        return value if self.greater_is_better else -value

    @property
    def direction(self) -> str:
        """``"maximize"`` or ``"minimize"`` (Optuna's names)."""
        return "maximize" if self.greater_is_better else "minimize"

    def better(self, a: float, b: float) -> bool:
        """Whether value ``a`` is strictly better than ``b``."""
        return a > b if self.greater_is_better else a < b

    def signed(self, value):
        """``value`` turned into higher-is-better (the loss negated)."""
        return value if self.greater_is_better else -value


#: Our names -> (scikit-learn scorer name, greater_is_better of the natural value).
_NAMED = {
    "accuracy": ("accuracy", True),
    "balanced_accuracy": ("balanced_accuracy", True),
    "f1": ("f1", True),
    "f1_macro": ("f1_macro", True),
    "roc_auc": ("roc_auc", True),
    "roc_auc_ovr": ("roc_auc_ovr", True),
    "log_loss": ("neg_log_loss", False),
    "mse": ("neg_mean_squared_error", False),
    "rmse": ("neg_root_mean_squared_error", False),
    "mae": ("neg_mean_absolute_error", False),
    "r2": ("r2", True),
}

#: The metric names this module defines (any scikit-learn scorer name works too).
METRICS = tuple(_NAMED)
_CLASSIFICATION = {"accuracy", "balanced_accuracy", "f1", "f1_macro", "roc_auc", "roc_auc_ovr", "log_loss"}
_REGRESSION = {"mse", "rmse", "mae", "r2"}


def get_metric(spec, *, n_classes: int | None = None) -> Metric:
    """The :class:`Metric` for a name, a scikit-learn scorer name, a callable or a Metric.

    Parameters
    ----------
    spec : str, callable or Metric
        One of :data:`METRICS` (``"f1-macro"`` and ``"F1 Macro"`` spell ``"f1_macro"``), any name
        of :func:`sklearn.metrics.get_scorer_names`, or ``scorer(estimator, X, y)`` (higher is
        better; its name is the function's name).
    n_classes : int, optional
        With more than two classes ``"roc_auc"`` is the one-vs-rest macro average.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the known ones.
    """
    if isinstance(spec, Metric):
        return spec
    if isinstance(spec, str):
        key = spec.strip().lower().replace("-", "_").replace(" ", "_")
        if key in _NAMED:
            scorer_name, greater = _NAMED[key]
            if key == "roc_auc" and n_classes is not None and n_classes > 2:
                scorer_name = "roc_auc_ovr"
            fast = linear_scorer(scorer_name, n_classes=n_classes)
            return Metric(key, get_scorer(scorer_name), greater, fast)
        if spec in get_scorer_names():
            return Metric(spec, get_scorer(spec), True, linear_scorer(spec, n_classes=n_classes))
        raise ValueError(
            f"Unknown metric {spec!r}; use one of {', '.join(METRICS)}, a scikit-learn scorer name "
            "(sklearn.metrics.get_scorer_names()) or a callable scorer(estimator, X, y)."
        )
    if callable(spec):
        return Metric(getattr(spec, "__name__", "score"), spec, True)
    raise TypeError(f"scoring must be a metric name, a callable or a Metric, got {spec!r}.")


def get_metrics(specs, *, n_classes: int | None = None) -> list[Metric]:
    """One or several metrics (a name, a callable, or a sequence of them); names must be unique."""
    if isinstance(specs, str | Metric) or callable(specs):
        specs = [specs]
    if not isinstance(specs, Sequence) or len(specs) == 0:
        raise ValueError(f"scoring must be a metric or a non-empty list of metrics, got {specs!r}.")
    metrics = [get_metric(s, n_classes=n_classes) for s in specs]
    names = [m.name for m in metrics]
    if len(set(names)) != len(names):
        raise ValueError(f"scoring lists a metric twice: {names}.")
    return metrics


def default_metric(estimator) -> str:
    """``"log_loss"`` for classifiers (a proper scoring rule: smooth in alpha, no ties), else ``"mse"``."""
    return "log_loss" if is_classifier(estimator) else "mse"


def check_metric_task(metric: Metric, *, classifier: bool) -> None:
    """Raise a clear error for a classification metric on a regressor, or the other way round."""
    wrong = _REGRESSION if classifier else _CLASSIFICATION
    if metric.name in wrong:
        kind, other = ("a classifier", "regression") if classifier else ("a regressor", "classification")
        raise ValueError(
            f"scoring {metric.name!r} is a {other} metric but the estimator is {kind}; use one of "
            f"{', '.join(sorted(_CLASSIFICATION if classifier else _REGRESSION))}."
        )
