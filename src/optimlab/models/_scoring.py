r"""Held-out scores of a linear model computed from its linear predictor, without an estimator.

Cross-validating a path scores every (fold, alpha) pair: 100 scores for 20 alphas and 5 folds.
Building a fitted estimator for each and going through a scikit-learn scorer (input validation,
``predict_proba``, label checks) costs about 3 ms per score, more than a warm-started fit. The
functions here take the linear predictor :math:`z = Xw + b` (shape ``(n,)``, or ``(n, K)``
for the multinomial loss) and return the same number as scikit-learn's scorer of that name, in
its sign convention (higher is better: losses negated), up to rounding:

==============================  ===============================================================
scorer name                     value
==============================  ===============================================================
``neg_log_loss``                :math:`-\sum_i s_i \ell_i / \sum_i s_i`, with
                                :math:`\ell_i = -\log p_{i, y_i}` and :math:`p` clipped to
                                :math:`[\epsilon, 1 - \epsilon]` as scikit-learn does
``accuracy``                    weighted fraction of correct labels (``z > 0`` is the
                                positive class; ``argmax`` for several classes)
``roc_auc``                     area under the ROC curve of ``z`` (two classes)
``neg_mean_squared_error``      :math:`-\sum_i s_i (y_i - z_i)^2 / \sum_i s_i`
``neg_root_mean_squared_error`` the square root of the MSE, negated
``neg_mean_absolute_error``     :math:`-\sum_i s_i |y_i - z_i| / \sum_i s_i`
``r2``                          :math:`1 - \mathrm{SSE}/\mathrm{SST}` (1 for a perfect fit of
                                a constant target, 0 for an imperfect one, as scikit-learn)
==============================  ===============================================================

Any other scorer has no fast form (:func:`linear_scorer` returns None) and is computed through
an estimator.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from scipy.special import logsumexp
from sklearn.metrics import roc_auc_score

__all__ = ["linear_predictor", "linear_scorer"]

#: scikit-learn clips probabilities to [eps, 1 - eps] in log_loss.
_EPS = np.finfo(np.float64).eps
_MAX_LOSS = -np.log(_EPS)
_MIN_LOSS = -np.log1p(-_EPS)


def linear_predictor(X, coef: np.ndarray, intercept) -> np.ndarray:
    """``X @ coef + intercept``, dense, with ``coef`` of shape ``(p,)`` or ``(p, K)``."""
    z = X @ coef
    if sp.issparse(z):
        z = z.toarray()
    return np.asarray(z) + intercept


def _mean(values: np.ndarray, weight) -> float:
    return float(np.average(values, weights=weight))


def _binary(y, classes) -> np.ndarray:
    return np.asarray(y) == classes[1]


def _log_loss(z, y, classes=None, weight=None) -> float:
    if z.ndim == 1:
        # -log p(y_i) = log(1 + exp(-z)) for the positive class, log(1 + exp(z)) otherwise
        losses = np.logaddexp(0.0, np.where(_binary(y, classes), -z, z))
    else:
        index = np.searchsorted(classes, y)
        losses = logsumexp(z, axis=1) - z[np.arange(z.shape[0]), index]
    return -_mean(np.clip(losses, _MIN_LOSS, _MAX_LOSS), weight)


def _accuracy(z, y, classes=None, weight=None) -> float:
    index = (z > 0).astype(int) if z.ndim == 1 else np.argmax(z, axis=1)
    return _mean(classes[index] == np.asarray(y), weight)


def _roc_auc(z, y, classes=None, weight=None) -> float:
    return float(roc_auc_score(_binary(y, classes), z, sample_weight=weight))


def _mse(z, y, classes=None, weight=None) -> float:
    return -_mean((np.asarray(y, dtype=float) - z) ** 2, weight)


def _rmse(z, y, classes=None, weight=None) -> float:
    return -np.sqrt(-_mse(z, y, classes, weight))


def _mae(z, y, classes=None, weight=None) -> float:
    return -_mean(np.abs(np.asarray(y, dtype=float) - z), weight)


def _r2(z, y, classes=None, weight=None) -> float:
    y = np.asarray(y, dtype=float)
    w = np.ones_like(y) if weight is None else np.asarray(weight, dtype=float)
    sse = float(w @ (y - z) ** 2)
    sst = float(w @ (y - np.average(y, weights=w)) ** 2)
    if sst == 0.0:
        return 1.0 if sse == 0.0 else 0.0
    return 1.0 - sse / sst


_FAST = {
    "neg_log_loss": _log_loss,
    "accuracy": _accuracy,
    "roc_auc": _roc_auc,
    "neg_mean_squared_error": _mse,
    "neg_root_mean_squared_error": _rmse,
    "neg_mean_absolute_error": _mae,
    "r2": _r2,
}


def linear_scorer(name, *, n_classes: int | None = None) -> Callable | None:
    """The fast form of scikit-learn's scorer ``name``, or None when there is none.

    Returns ``score(z, y, classes, sample_weight=None) -> float`` with ``classes`` the sorted
    labels (None for regression). ``roc_auc`` is fast for two classes only.
    """
    if not isinstance(name, str):
        return None
    if name == "roc_auc" and n_classes is not None and n_classes > 2:
        return None
    return _FAST.get(name)
