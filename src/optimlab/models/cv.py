r"""Cross-validated linear and logistic regression: alpha (and l1_ratio) chosen along the path.

For each fold :math:`k = 1..K` and each ``l1_ratio`` :math:`\rho`, one regularization path
(:func:`optimlab.models.path.path`) is fitted on the training part over a grid of ``alpha``
shared by every fold, and each fit is scored on the held-out part. For every grid point the
mean score and its standard error

.. math:: \bar s = \frac1K \sum_k s_k, \qquad
          \mathrm{SE} = \frac{\operatorname{sd}(s_1, \dots, s_K)}{\sqrt K}

(sample standard deviation, ``ddof=1``) are reported. ``alpha_`` maximizes the mean score;
``alpha_1se_`` is the *largest* alpha (the simplest model) whose mean score is within one standard
error of the best, the "one-standard-error rule" of Breiman et al. (1984) and glmnet [1]_.
``selection`` says which of the two refits the final model on all the data.

References
----------
.. [1] J. Friedman, T. Hastie and R. Tibshirani, "Regularization paths for generalized linear
   models via coordinate descent", Journal of Statistical Software 33(1), 2010.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.metrics import get_scorer
from sklearn.model_selection import check_cv
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from optimlab._validation import check_finite_array, check_sample_weight
from optimlab.models._base import Anything, Bool, Int, Options, Real, Solver, datafit_name, validate_params
from optimlab.models._scoring import linear_predictor, linear_scorer
from optimlab.models.linear import _ACCEPT_SPARSE, LinearRegression, LogisticRegression, with_solution
from optimlab.models.path import path
from optimlab.objectives.objective import Objective
from optimlab.objectives.penalties import ElasticNet

__all__ = ["LinearRegressionCV", "LogisticRegressionCV"]

#: glmnet's grid for ridge (l1_ratio = 0, where alpha_max is infinite): that of l1_ratio = 1e-3.
_RIDGE_GRID_L1_RATIO = 1e-3

_CV_CONSTRAINTS = {
    "l1_ratio": Anything(),
    "alphas": Anything(),
    "n_alphas": Int(low=1),
    "alpha_min_ratio": Real(low=0.0, high=1.0, low_open=True),
    "cv": Anything(),
    "scoring": Anything(),
    "selection": Options(("best", "one_se")),
    "fit_intercept": Bool(),
    "solver": Solver(),
    "tol": Real(low=0.0),
    "max_iter": Int(low=1, allow_none=True),
}

_CV_PARAMS_DOC = """
    l1_ratio : float in [0, 1] or sequence of them, default {l1_default}
        Elastic-net mix(es) :math:`\\rho` (1: lasso, 0: ridge). With a sequence, the best pair
        ``(alpha, l1_ratio)`` is chosen.
    alphas : array-like of positive floats, optional
        The grid (sorted decreasing). By default ``n_alphas`` values on a log scale from the
        full data's :math:`\\alpha_{{\\max}}(\\rho)` down to ``alpha_min_ratio`` times it (for
        :math:`\\rho = 0`, glmnet's convention: the grid of :math:`\\rho = 10^{{-3}}`); the same grid
        serves every fold.
    n_alphas : int, default {n_alphas}
    alpha_min_ratio : float in (0, 1], default 1e-3
    cv : int, cross-validation splitter or iterable of (train, test), default 5
        An int is :class:`~sklearn.model_selection.{folds}` with that many folds (no shuffling).
    scoring : str, callable or None, default None
        A scikit-learn scorer name or ``scorer(estimator, X, y)``; higher is better. None means
        ``"{score_default}"``.
    selection : {{"best", "one_se"}}, default "best"
        Which alpha refits the final model: the best mean score (``alpha_``) or the largest alpha
        within one standard error of it (``alpha_1se_``).
    fit_intercept : bool, default True
    solver : str, default "auto"
        Solver of each path fit and of the final refit (``"auto"``: see ``docs/models.md``).
    tol : float, default 1e-4
        Relative tolerance of every fit (see :class:`~optimlab.models.linear.{base}`).
    max_iter : int or None, default None
        Iteration cap of every fit; None means the solver's default.
"""

_CV_ATTRS_DOC = """
    alpha_ : float
        The alpha with the best mean score.
    alpha_1se_ : float
        The largest alpha whose mean score is at least ``best mean - its standard error``
        (on the best ``l1_ratio``). Always ``>= alpha_``.
    l1_ratio_ : float
        The chosen l1_ratio.
    alphas_ : ndarray of shape (n_alphas,), or (n_l1_ratios, n_alphas) for a sequence of l1_ratio
    l1_ratios_ : ndarray of shape (n_l1_ratios,)
        Only when ``l1_ratio`` is a sequence.
    scores_ : ndarray of shape (n_folds, n_alphas), or (n_folds, n_l1_ratios, n_alphas)
        The score of every fold and grid point.
    mean_score_, se_score_ : ndarray shaped like ``alphas_``
        Mean score across folds and its standard error (sample sd / sqrt(n_folds)).
    coef_, intercept_, result_, n_iter_
        Of the final model, refitted on all the data with the selected alpha.
"""


class _PathCV:
    """The cross-validation loop shared by the two CV estimators."""

    _constraints = _CV_CONSTRAINTS
    _classifier = False

    def _l1_ratios(self, value) -> tuple[np.ndarray, bool]:
        many = not isinstance(value, numbers.Real)
        ratios = check_finite_array(value, "l1_ratio", ndim=1 if many else 0).reshape(-1)
        if ratios.size == 0 or np.any((ratios < 0.0) | (ratios > 1.0)):
            raise ValueError(f"l1_ratio must be in [0, 1] (or a non-empty sequence of such), got {value!r}.")
        return ratios, many

    def _grid(self, base: Objective, params: dict, l1_ratio: float) -> np.ndarray:
        if params["alphas"] is not None:
            grid = check_finite_array(params["alphas"], "alphas", ndim=1)
            if grid.size == 0 or np.any(grid <= 0.0):
                raise ValueError(f"alphas must be a non-empty array of positive values, got {grid!r}.")
            return np.sort(grid)[::-1].copy()
        alpha_max = base.alpha_max(max(l1_ratio, _RIDGE_GRID_L1_RATIO))
        if not alpha_max > 0.0:
            raise ValueError(
                "alpha_max is 0 (y is constant, or X is orthogonal to it); pass alphas explicitly."
            )
        return alpha_max * np.geomspace(1.0, params["alpha_min_ratio"], params["n_alphas"])

    def _scorer_name(self, scoring) -> str | None:
        if scoring is None:
            return "neg_log_loss" if self._classifier else "neg_mean_squared_error"
        return scoring if isinstance(scoring, str) else None

    def _scorer(self, scoring):
        if scoring is None or isinstance(scoring, str):
            return get_scorer(self._scorer_name(scoring))
        if callable(scoring):
            return scoring
        raise TypeError(f"scoring must be None, a scorer name or a callable, got {scoring!r}.")

    def _fit_cv(self, X, y, sample_weight, datafit: str):
        params = validate_params(self)
        ratios, many = self._l1_ratios(params["l1_ratio"])
        sw = check_sample_weight(sample_weight, X.shape[0])
        base = Objective(X, y, datafit=datafit, penalty=ElasticNet(1.0, 1.0),
                         fit_intercept=params["fit_intercept"], sample_weight=sw)
        splitter = check_cv(params["cv"], y, classifier=self._classifier)
        folds = list(splitter.split(X, y))
        grids = np.array([self._grid(base, params, r) for r in ratios])
        scorer = self._scorer(params["scoring"])
        fast = linear_scorer(self._scorer_name(params["scoring"]),
                             n_classes=self.classes_.size if self._classifier else None)
        scores = np.empty((len(folds), ratios.size, grids.shape[1]))
        template = self._final_class(fit_intercept=params["fit_intercept"])
        for f, (train, test) in enumerate(folds):
            sw_train = None if sw is None else sw[train]
            sw_test = None if sw is None else sw[test]
            for r, ratio in enumerate(ratios):
                fitted = path(X[train], y[train], datafit=datafit, l1_ratio=float(ratio), alphas=grids[r],
                              fit_intercept=params["fit_intercept"], sample_weight=sw_train,
                              tol=params["tol"], max_iter=params["max_iter"], solver=params["solver"])
                if self._classifier and not np.array_equal(fitted.classes, self.classes_):
                    raise ValueError(
                        f"cv fold {f} has classes {fitted.classes.tolist()} in its training part but y has "
                        f"{self.classes_.tolist()}; use fewer folds or stratified splits."
                    )
                X_test, y_test = X[test], y[test]
                for a in range(grids.shape[1]):
                    if fast is not None:  # from the linear predictor: no estimator, no validation
                        z = linear_predictor(X_test, fitted.coefs[a], fitted.intercepts[a])
                        scores[f, r, a] = fast(z, y_test, fitted.classes, sw_test)
                        continue
                    model = with_solution(template, fitted.coefs[a], fitted.intercepts[a],
                                          n_features=X.shape[1], classes=fitted.classes)
                    kwargs = {} if sw_test is None else {"sample_weight": sw_test}
                    scores[f, r, a] = scorer(model, X_test, y_test, **kwargs)

        mean = scores.mean(axis=0)
        se = scores.std(axis=0, ddof=1) / np.sqrt(len(folds)) if len(folds) > 1 else np.zeros_like(mean)
        r_best, a_best = np.unravel_index(np.nanargmax(mean), mean.shape)
        within = mean[r_best] >= mean[r_best, a_best] - se[r_best, a_best]
        a_1se = int(np.argmax(within))  # grids are decreasing: the first hit is the largest alpha
        self.alpha_ = float(grids[r_best, a_best])
        self.alpha_1se_ = float(grids[r_best, a_1se])
        self.l1_ratio_ = float(ratios[r_best])
        squeeze = (lambda a: a) if many else (lambda a: a[..., 0, :])
        self.alphas_ = squeeze(grids)
        if many:
            self.l1_ratios_ = ratios
        self.scores_ = squeeze(scores)
        self.mean_score_ = squeeze(mean)
        self.se_score_ = squeeze(se)
        self.n_splits_ = len(folds)
        chosen = self.alpha_ if params["selection"] == "best" else self.alpha_1se_
        return self._refit(X, y, sw, params, chosen)

    def _refit(self, X, y, sw, params, alpha):
        ratio = self.l1_ratio_
        penalty = "l1" if ratio == 1.0 else ("l2" if ratio == 0.0 else "elasticnet")
        final = self._final_class(penalty=penalty, alpha=alpha, l1_ratio=ratio,
                                  fit_intercept=params["fit_intercept"], solver=params["solver"],
                                  tol=params["tol"], max_iter=params["max_iter"])
        final.fit(X, y, sample_weight=sw)
        for name in ("coef_", "intercept_", "result_", "n_iter_"):
            setattr(self, name, getattr(final, name))
        return self


class LinearRegressionCV(_PathCV, LinearRegression):
    __doc__ = """Least squares with an elastic-net penalty whose alpha (and l1_ratio) K-fold CV picks.

    The lasso (``l1_ratio=1``, the default) is scikit-learn's ``LassoCV``; a sequence of
    ``l1_ratio`` is ``ElasticNetCV``. Predictions are those of
    :class:`~optimlab.models.linear.LinearRegression` refitted with the selected alpha.

    Parameters
    ----------""" + _CV_PARAMS_DOC.format(
        l1_default="1.0", n_alphas="100", folds="KFold", score_default="neg_mean_squared_error",
        base="LinearRegression") + """
    Attributes
    ----------""" + _CV_ATTRS_DOC + """
    Examples
    --------
    >>> import numpy as np
    >>> from optimlab.models.cv import LinearRegressionCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 20)); y = X[:, 0] - X[:, 1] + 0.5 * rng.standard_normal(100)
    >>> reg = LinearRegressionCV(n_alphas=30).fit(X, y)
    >>> bool(reg.alpha_1se_ >= reg.alpha_), reg.mean_score_.shape
    (True, (30,))
    """

    _final_class = LinearRegression

    def __init__(self, *, l1_ratio=1.0, alphas=None, n_alphas=100, alpha_min_ratio=1e-3, cv=5, scoring=None,
                 selection="best", fit_intercept=True, solver="auto", tol=1e-4, max_iter=None):
        self.l1_ratio = l1_ratio
        self.alphas = alphas
        self.n_alphas = n_alphas
        self.alpha_min_ratio = alpha_min_ratio
        self.cv = cv
        self.scoring = scoring
        self.selection = selection
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, X, y, sample_weight=None):
        """Cross-validate the grid, then refit on all the data with the selected alpha."""
        X, y = validate_data(self, X, y, accept_sparse=_ACCEPT_SPARSE, dtype=np.float64, y_numeric=True)
        return self._fit_cv(X, y, sample_weight, "squared")



class LogisticRegressionCV(_PathCV, LogisticRegression):
    __doc__ = """Logistic regression (binary or multinomial) whose alpha (and l1_ratio) K-fold CV picks.

    Folds are stratified for an int ``cv``. Predictions are those of
    :class:`~optimlab.models.linear.LogisticRegression` refitted with the selected alpha. The
    default grid has 30 alphas (each logistic fit costs more than a least-squares one;
    scikit-learn's ``LogisticRegressionCV`` uses 10).

    Parameters
    ----------""" + _CV_PARAMS_DOC.format(
        l1_default="1.0", n_alphas="30", folds="StratifiedKFold", score_default="neg_log_loss",
        base="LogisticRegression") + """
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)""" + _CV_ATTRS_DOC + """
    Examples
    --------
    >>> import numpy as np
    >>> from optimlab.models.cv import LogisticRegressionCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 10)); y = (X[:, 0] + 0.5 * rng.standard_normal(200) > 0).astype(int)
    >>> clf = LogisticRegressionCV(n_alphas=10).fit(X, y)
    >>> clf.coef_.shape, bool(clf.se_score_.min() > 0)
    ((1, 10), True)
    """

    _classifier = True
    _final_class = LogisticRegression

    def __init__(self, *, l1_ratio=1.0, alphas=None, n_alphas=30, alpha_min_ratio=1e-3, cv=5, scoring=None,
                 selection="best", fit_intercept=True, solver="auto", tol=1e-4, max_iter=None):
        self.l1_ratio = l1_ratio
        self.alphas = alphas
        self.n_alphas = n_alphas
        self.alpha_min_ratio = alpha_min_ratio
        self.cv = cv
        self.scoring = scoring
        self.selection = selection
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, X, y, sample_weight=None):
        """Cross-validate the grid, then refit on all the data with the selected alpha."""
        X, y = validate_data(self, X, y, accept_sparse=_ACCEPT_SPARSE, dtype=np.float64)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if self.classes_.size < 2:
            raise ValueError(
                f"y has one class only ({self.classes_.tolist()}); LogisticRegressionCV needs at least two "
                "classes."
            )
        return self._fit_cv(X, y, sample_weight, datafit_name(self.classes_.size))

