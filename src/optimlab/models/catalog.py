r"""Model families by name, ready for :func:`optimlab.tuning.select`.

A *family* is a model whose penalty strength is not a guess: every penalized name builds a
cross-validated estimator (:class:`~optimlab.models.cv.LogisticRegressionCV`,
:class:`~optimlab.models.cv.LinearRegressionCV`) that picks ``alpha`` along a warm-started path
on its own training data. Comparing ``logistic-l1`` with ``logistic-l2`` in an outer
cross-validation then compares the two *procedures* (penalty + its tuned alpha), which is the
question a user asks, rather than two arbitrary alphas.

=================  ====================================  ===========================================
name               model                                 alpha chosen by inner CV over
=================  ====================================  ===========================================
``logistic-none``  logistic regression, no penalty       (nothing to tune)
``logistic-l2``    logistic regression, ridge penalty    20 alphas, 6 decades (see below)
``logistic-l1``    logistic regression, lasso penalty    20 alphas, 3 decades below alpha_max
``logistic-enet``  logistic regression, elastic net      10 alphas x l1_ratio in (0.2, 0.5, 0.8)
``linear-ols``     least squares, no penalty             (nothing to tune)
``linear-l2``      ridge regression                      as ``logistic-l2``
``linear-l1``      lasso                                 as ``logistic-l1``
``linear-enet``    elastic net                           as ``logistic-enet``
=================  ====================================  ===========================================

Every model standardizes its features first (:class:`Standardize`, fitted on the training part
only, so nothing leaks from the held-out part): a penalty on coefficients means nothing when
the features have different units. Dense features are centred and scaled, sparse ones only
scaled; with an unpenalized intercept, centring changes the intercept but not the coefficients,
so both give the same model.

The ridge grid starts at glmnet's :math:`\alpha_{\max}(\rho = 10^{-3}) = 10^3\,\alpha_{\max}(1)`
(:mod:`optimlab.models.cv`), so it spans :math:`10^{-6}` of that to end where the lasso grid
ends, at :math:`10^{-3}\,\alpha_{\max}(1)`. The elastic net has 10 alphas per ``l1_ratio``: 30
path points, the cost of the one-ratio families' 20.
"""

from __future__ import annotations

import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from optimlab._validation import check_int
from optimlab.models.cv import LinearRegressionCV, LogisticRegressionCV
from optimlab.models.linear import LinearRegression, LogisticRegression

__all__ = ["MODEL_NAMES", "Standardize", "default_models", "make_model"]

N_ALPHAS = 20
ENET_L1_RATIOS = (0.2, 0.5, 0.8)
ENET_N_ALPHAS = 10
#: alpha_min_ratio of the ridge grid: its top is 1e3 times the lasso's alpha_max (see the module doc).
RIDGE_ALPHA_MIN_RATIO = 1e-6
LASSO_ALPHA_MIN_RATIO = 1e-3

#: name -> (task, penalty); penalty None is the unpenalized model.
_FAMILIES = {
    "logistic-none": ("classification", None),
    "logistic-l2": ("classification", "l2"),
    "logistic-l1": ("classification", "l1"),
    "logistic-enet": ("classification", "enet"),
    "linear-ols": ("regression", None),
    "linear-l2": ("regression", "l2"),
    "linear-l1": ("regression", "l1"),
    "linear-enet": ("regression", "enet"),
}

#: Every name :func:`make_model` knows.
MODEL_NAMES = tuple(_FAMILIES)

#: What :func:`default_models` proposes: the penalized families (an unpenalized logistic
#: regression diverges on separable data, and least squares is in the regression list as the baseline).
_DEFAULTS = {
    "classification": ("logistic-l2", "logistic-l1", "logistic-enet"),
    "regression": ("linear-ols", "linear-l2", "linear-l1", "linear-enet"),
}


class Standardize(TransformerMixin, BaseEstimator):
    """Zero mean and unit variance per feature for dense X; unit variance only for sparse X.

    scikit-learn's :class:`~sklearn.preprocessing.StandardScaler` must be told in advance
    whether it may centre; this transformer decides from the data it is fitted on, so one
    catalog model serves dense and sparse inputs. Constant features are left unscaled.

    Attributes
    ----------
    scaler_ : sklearn.preprocessing.StandardScaler
        The fitted scaler (``with_mean`` False for sparse input).
    """

    def fit(self, X, y=None, sample_weight=None):
        """Learn the means (dense X) and the standard deviations of the features."""
        self.scaler_ = StandardScaler(with_mean=not sp.issparse(X)).fit(X, sample_weight=sample_weight)
        self.n_features_in_ = self.scaler_.n_features_in_
        return self

    def transform(self, X):
        """The standardized features (sparse stays sparse)."""
        check_is_fitted(self)
        return self.scaler_.transform(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def make_model(name: str, *, task: str | None = None, cv=5, random_state=None) -> Pipeline:
    """The estimator called ``name`` in :data:`MODEL_NAMES`: standardization, then the model.

    Parameters
    ----------
    name : str
        One of :data:`MODEL_NAMES` (case and surrounding spaces are ignored).
    task : {"classification", "regression"}, optional
        The task of the data; a model of the other task is an error. None skips the check.
    cv : int, default 5
        Folds of the inner cross-validation that picks ``alpha`` (penalized names only).
    random_state : int, RandomState or None, default None
        With a seed, the inner folds are shuffled with it (stratified for classification), so
        the same seed gives the same alpha; None keeps scikit-learn's unshuffled folds.

    Returns
    -------
    sklearn.pipeline.Pipeline
        ``[("standardize", Standardize()), (name, model)]``. After fitting, the model's
        ``alpha_`` (penalized names) and ``coef_`` are on ``pipeline[-1]``.

    Raises
    ------
    ValueError
        An unknown name (the message lists the known ones), a model for the other task, or a
        ``cv`` below 2.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from optimlab.models.catalog import make_model
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = make_model("logistic-l1", task="classification", random_state=0).fit(X, y)
    >>> bool(model[-1].alpha_ > 0), bool(model.score(X, y) > 0.95)
    (True, True)
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a model name (str), got {name!r}.")
    key = name.strip().lower()
    if key not in _FAMILIES:
        raise ValueError(f"Unknown model {name!r}; choose among {', '.join(MODEL_NAMES)}.")
    family_task, penalty = _FAMILIES[key]
    if task is not None:
        if task not in _DEFAULTS:
            raise ValueError(f"task must be 'classification', 'regression' or None, got {task!r}.")
        if task != family_task:
            prefix = "logistic" if task == "classification" else "linear"
            raise ValueError(
                f"Model {key!r} is for {family_task} but the target is a {task} target; "
                f"use the {prefix}-* models ({', '.join(n for n in MODEL_NAMES if n.startswith(prefix))})."
            )
    n_folds = check_int(cv, "cv", low=2)
    classifier = family_task == "classification"
    if penalty is None:
        model = LogisticRegression(penalty=None) if classifier else LinearRegression(penalty=None)
    else:
        splitter = _inner_folds(n_folds, classifier, random_state)
        grid = {
            "l2": {"l1_ratio": 0.0, "n_alphas": N_ALPHAS, "alpha_min_ratio": RIDGE_ALPHA_MIN_RATIO},
            "l1": {"l1_ratio": 1.0, "n_alphas": N_ALPHAS, "alpha_min_ratio": LASSO_ALPHA_MIN_RATIO},
            "enet": {"l1_ratio": list(ENET_L1_RATIOS), "n_alphas": ENET_N_ALPHAS,
                     "alpha_min_ratio": LASSO_ALPHA_MIN_RATIO},
        }[penalty]
        model = (LogisticRegressionCV if classifier else LinearRegressionCV)(cv=splitter, **grid)
    return Pipeline([("standardize", Standardize()), (key, model)])


def default_models(task: str) -> tuple[str, ...]:
    """The names compared when none are given: every penalized family of ``task`` (and OLS)."""
    if task not in _DEFAULTS:
        raise ValueError(f"task must be 'classification' or 'regression', got {task!r}.")
    return _DEFAULTS[task]


def _inner_folds(n_folds: int, classifier: bool, random_state):
    if random_state is None:
        return n_folds
    kind = StratifiedKFold if classifier else KFold
    return kind(n_folds, shuffle=True, random_state=random_state)
