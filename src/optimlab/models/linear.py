r"""Linear and logistic regression estimators, scikit-learn compatible, on any registered solver.

Both minimize DESIGN.md's regularized objective

.. math::

    \min_{w, b}\; \sum_i s_i\, \ell(y_i, x_i^\top w + b)
    + \alpha\Big(\rho\|w\|_1 + \frac{1-\rho}{2}\|w\|_2^2\Big),
    \qquad s_i = \frac{\text{sample\_weight}_i}{\sum_j \text{sample\_weight}_j},

with :math:`\ell(y, z) = \tfrac12 (y - z)^2` (:class:`LinearRegression`), the logistic loss
(:class:`LogisticRegression`, two classes) or the multinomial loss (more classes), and the
intercept :math:`b` unpenalized. ``penalty`` picks :math:`\rho`: ``"l1"`` is 1, ``"l2"`` is 0,
``"elasticnet"`` is ``l1_ratio``; ``None`` drops the penalty.

The fit is one call to :func:`optimlab.solvers.solve`; the whole :class:`~optimlab.Result`
(certificate, history) is kept as ``result_``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, log_softmax
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from optimlab._validation import check_real
from optimlab.models._base import (
    PENALTIES,
    Anything,
    Bool,
    Callable,
    Int,
    Options,
    Real,
    Solver,
    datafit_name,
    fit_objective,
    validate_params,
)
from optimlab.solvers.schedules import SCHEDULES

__all__ = ["LinearRegression", "LogisticRegression", "alpha_from_C", "with_solution"]

_ACCEPT_SPARSE = ("csr", "csc")


def alpha_from_C(C, n_samples) -> float:
    r"""The ``alpha`` of optimlab's scaling equal to scikit-learn's inverse regularization ``C``.

    scikit-learn's :class:`~sklearn.linear_model.LogisticRegression` minimizes
    :math:`C \sum_i \ell_i + \tfrac12\|w\|^2`. Dividing by :math:`C n` gives
    :math:`\tfrac1n \sum_i \ell_i + \tfrac{1}{C n} \cdot \tfrac12\|w\|^2`, which is optimlab's
    objective with

    .. math:: \alpha = \frac{1}{C\, n}.

    The same holds for the L1 and elastic-net penalties (scikit-learn's ``l1_ratio`` is ours).
    With sample weights, ``n_samples`` is their sum. Ridge's ``alpha`` is ``1 / C``, so
    ``Ridge(alpha=a)`` is ``alpha = a / n``.

    Parameters
    ----------
    C : float
        Positive inverse regularization strength.
    n_samples : int or float
        Number of training samples (or the sum of the sample weights).

    Returns
    -------
    float

    Examples
    --------
    >>> from optimlab.models.linear import LogisticRegression, alpha_from_C
    >>> alpha_from_C(1.0, 200)
    0.005
    >>> clf = LogisticRegression(alpha=alpha_from_C(10.0, 200))
    """
    C = check_real(C, "C", low=0.0, low_open=True)
    n = check_real(n_samples, "n_samples", low=0.0, low_open=True)
    return 1.0 / (C * n)


_SHARED_CONSTRAINTS = {
    "penalty": Options(PENALTIES),
    "alpha": Real(low=0.0, allow_none=True),
    "l1_ratio": Real(low=0.0, high=1.0),
    "fit_intercept": Bool(),
    "solver": Solver(),
    "tol": Real(low=0.0),
    "max_iter": Int(low=1, allow_none=True),
    "learning_rate": Anything(),
    "batch_size": Int(low=1, allow_none=True),
    "schedule": Options((None, *SCHEDULES)),
    "random_state": Anything(),
    "warm_start": Bool(),
    "callback": Callable(),
}

_PARAMS_DOC = r"""
    penalty : {None, "l2", "l1", "elasticnet"}, default {penalty_default}
        Regularization; ``alpha`` is ignored when None.
    alpha : float >= 0 or None, default None
        Regularization strength in DESIGN.md's scaling. None means
        :math:`1/\sum_i \text{{sample\_weight}}_i` (``1/n`` without weights): scikit-learn's
        default ``C=1`` for logistic regression and ``Ridge(alpha=1)`` for least squares. See
        :func:`alpha_from_C` for scikit-learn's ``C``.
    l1_ratio : float in [0, 1], default 0.5
        Elastic-net mix, used only with ``penalty="elasticnet"``.
    fit_intercept : bool, default True
        Fit an (unpenalized) intercept.
    solver : str, default "auto"
        Any solver of :func:`optimlab.solvers.available_solvers` that can solve the problem, or
        ``"auto"`` (see :func:`optimlab.models._base.auto_solver` and ``docs/models.md``).
    tol : float, default 1e-4
        Relative tolerance: the fit stops when the optimality certificate (duality gap, or
        subgradient norm) is at most ``tol * objective.certificate_scale()``, i.e. ``tol`` times
        the objective of the null model (gaps) or times the certificate there (gradient norms).
    max_iter : int or None, default None
        Iteration cap; None means the solver's own default.
    learning_rate : float or None, default None
        Step size for the solvers that take one (gd, sgd, adam, saga, ...); None uses the solver's
        default. Setting it for a solver without a learning rate is an error.
    batch_size : int or None, default None
        Mini-batch size for the stochastic solvers; an error for the others when set.
    schedule : {None, "constant", "inverse_scaling", "step", "cosine"}, default None
        Learning-rate schedule over the epochs of the stochastic solvers (sgd, adagrad, rmsprop,
        adam, adamw; see :func:`optimlab.solvers.schedules.make_schedule`); None uses the solver's
        default. An error for the other solvers when set.
    random_state : None, int, numpy Generator or RandomState, default None
        Seed of the stochastic solvers; ignored by deterministic ones.
    warm_start : bool, default False
        Start from the previous fit's coefficients (when their shape still fits).
    callback : callable or None, default None
        ``callback(result_so_far)`` once per solver iteration; raise ``StopIteration`` to stop.
"""

_ATTRS_DOC = """
    result_ : optimlab.Result
        The solver's result: ``certificate``, ``success``, ``history``, ``solver``, ``time``.
    n_iter_ : int
        Solver iterations.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` had string column names.
"""


def with_solution(estimator, coef, intercept, *, n_features: int, classes=None):
    """A fitted copy of ``estimator`` whose coefficients are given (a path point, an epoch's iterate).

    ``coef`` and ``intercept`` are laid out as :meth:`~optimlab.objectives.Objective.split`
    returns them: ``(p,)`` and a float, or ``(p, K)`` and ``(K,)`` for the multinomial loss.
    Nothing is fitted; the copy predicts and scores like an estimator fitted to that solution.
    """
    model = clone(estimator)
    model.n_features_in_ = n_features
    if classes is not None:
        model.classes_ = classes
    model._store(coef, intercept)
    return model


class _LinearModel(BaseEstimator):
    """Hyperparameters and the fit shared by the two estimators."""

    _constraints = _SHARED_CONSTRAINTS

    def __init__(self, *, penalty=None, alpha=None, l1_ratio=0.5, fit_intercept=True, solver="auto",
                 tol=1e-4, max_iter=None, learning_rate=None, batch_size=None, schedule=None,
                 random_state=None, warm_start=False, callback=None):
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.schedule = schedule
        self.random_state = random_state
        self.warm_start = warm_start
        self.callback = callback

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _fit(self, X, y, datafit, sample_weight):
        params = validate_params(self)
        x0 = self._warm_start_point(datafit, X.shape[1]) if params["warm_start"] else None
        objective, result = fit_objective(self, params, X, y, datafit=datafit,
                                          sample_weight=sample_weight, x0=x0)
        self.result_ = result
        self.n_iter_ = int(result.n_iter)
        return objective.split(result.x)

    def _warm_start_point(self, datafit, n_features):
        if not hasattr(self, "coef_"):
            return None
        coef = np.asarray(self.coef_)
        expected = {"squared": (n_features,), "logistic": (1, n_features)}.get(
            datafit, (len(getattr(self, "classes_", ())), n_features))
        if coef.shape != expected:
            return None
        parts = [coef.T.ravel()]
        if self.fit_intercept:
            parts.append(np.atleast_1d(np.asarray(self.intercept_, dtype=float)).ravel())
        return np.concatenate(parts)

    def _decision(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=_ACCEPT_SPARSE, dtype=np.float64, reset=False)
        return safe_sparse_dot(X, np.asarray(self.coef_).T, dense_output=True) + self.intercept_


class LinearRegression(RegressorMixin, _LinearModel):
    __doc__ = r"""Least squares with an optional L2, L1 or elastic-net penalty.

    .. math::

        \min_{w, b}\; \frac12 \sum_i s_i (y_i - x_i^\top w - b)^2
        + \alpha\Big(\rho\|w\|_1 + \frac{1-\rho}{2}\|w\|_2^2\Big)

    ``penalty=None`` is ordinary least squares; ``"l2"`` with ``alpha`` is scikit-learn's
    ``Ridge(alpha=n * alpha)``, ``"l1"`` is ``Lasso(alpha)``, ``"elasticnet"`` is
    ``ElasticNet(alpha, l1_ratio)``.

    Parameters
    ----------""" + _PARAMS_DOC.replace("{penalty_default}", "None") + """
    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
""" + _ATTRS_DOC + """
    Examples
    --------
    >>> import numpy as np
    >>> from optimlab.models.linear import LinearRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 5)); y = X @ [1.0, 0, 0, 2.0, 0] + 3.0
    >>> reg = LinearRegression(penalty="l1", alpha=0.01, tol=1e-8).fit(X, y)
    >>> np.round(reg.coef_, 2), round(reg.intercept_, 2)
    (array([0.98, 0.  , 0.  , 1.99, 0.  ]), 3.0)
    >>> reg.result_.certificate_kind
    'duality_gap'
    """

    def fit(self, X, y, sample_weight=None):
        """Fit the model; ``sample_weight`` scales each sample's loss (normalized to sum 1)."""
        X, y = validate_data(self, X, y, accept_sparse=_ACCEPT_SPARSE, dtype=np.float64, y_numeric=True)
        self._store(*self._fit(X, y, "squared", sample_weight))
        return self

    def _store(self, coef, intercept) -> None:
        self.coef_ = np.array(coef, dtype=float)
        self.intercept_ = float(intercept)

    def predict(self, X):
        """Predicted targets ``X @ coef_ + intercept_``."""
        return self._decision(X)


class LogisticRegression(ClassifierMixin, _LinearModel):
    __doc__ = r"""Logistic regression (binary, or multinomial for more than two classes).

    Two classes use the logistic loss :math:`\log(1 + e^{-y z})` (the larger label is the
    positive class, as in scikit-learn); more classes use the multinomial (softmax) loss with one
    coefficient vector and intercept per class. Labels may be of any type.

    Parameters
    ----------""" + _PARAMS_DOC.replace("{penalty_default}", '"l2"') + """
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) for two classes, (n_classes, n_features) otherwise
    intercept_ : ndarray of shape (1,) or (n_classes,)
""" + _ATTRS_DOC + """
    Examples
    --------
    >>> import numpy as np
    >>> from optimlab.models.linear import LogisticRegression, alpha_from_C
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 3)); y = np.where(X[:, 0] > 0, "yes", "no")
    >>> clf = LogisticRegression(alpha=alpha_from_C(1.0, 200)).fit(X, y)
    >>> clf.classes_.tolist(), clf.coef_.shape, clf.score(X, y) > 0.95
    (['no', 'yes'], (1, 3), True)
    """

    def __init__(self, *, penalty="l2", alpha=None, l1_ratio=0.5, fit_intercept=True, solver="auto",
                 tol=1e-4, max_iter=None, learning_rate=None, batch_size=None, schedule=None,
                 random_state=None, warm_start=False, callback=None):
        super().__init__(penalty=penalty, alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
                         solver=solver, tol=tol, max_iter=max_iter, learning_rate=learning_rate,
                         batch_size=batch_size, schedule=schedule, random_state=random_state,
                         warm_start=warm_start, callback=callback)

    def fit(self, X, y, sample_weight=None):
        """Fit the model; ``sample_weight`` scales each sample's loss (normalized to sum 1)."""
        X, y = validate_data(self, X, y, accept_sparse=_ACCEPT_SPARSE, dtype=np.float64)
        check_classification_targets(y)
        classes = np.unique(y)
        if classes.size < 2:
            raise ValueError(
                f"y has one class only ({classes.tolist()}); LogisticRegression needs at least two classes."
            )
        if self.warm_start and hasattr(self, "classes_") and not np.array_equal(classes, self.classes_):
            # the previous coefficients belong to other classes: start cold
            del self.coef_
        self.classes_ = classes
        self._store(*self._fit(X, y, datafit_name(classes.size), sample_weight))
        return self

    def _store(self, coef, intercept) -> None:
        coef = np.asarray(coef, dtype=float)
        if coef.ndim == 1:  # two classes: one coefficient vector, for the positive class
            self.coef_ = coef.reshape(1, -1).copy()
            self.intercept_ = np.array([float(intercept)])
        else:
            self.coef_ = coef.T.copy()
            self.intercept_ = np.asarray(intercept, dtype=float).copy()

    def decision_function(self, X):
        """Linear predictor: shape (n_samples,) for two classes (positive class), else (n_samples, K)."""
        z = self._decision(X)
        return z.ravel() if z.shape[1] == 1 else z

    def predict_log_proba(self, X):
        """Log-probabilities of each class, shape (n_samples, n_classes)."""
        z = self.decision_function(X)
        if z.ndim == 1:
            z = np.column_stack([np.zeros_like(z), z])
        return log_softmax(z, axis=1)

    def predict_proba(self, X):
        """Probabilities of each class (columns in the order of ``classes_``)."""
        z = self.decision_function(X)
        if z.ndim == 1:
            p = expit(z)
            return np.column_stack([1.0 - p, p])
        return np.exp(log_softmax(z, axis=1))

    def predict(self, X):
        """The most probable class of each sample."""
        z = self.decision_function(X)
        index = (z > 0).astype(int) if z.ndim == 1 else np.argmax(z, axis=1)
        return self.classes_[index]

