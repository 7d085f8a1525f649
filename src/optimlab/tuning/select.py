r"""Choose among candidate models, with standard errors that account for cross-validation.

:func:`select` fits every candidate on the same :math:`J` train/test splits (so that the
comparisons are *paired*) and scores it on each held-out part. For one candidate and one metric,
with fold scores :math:`s_1, \dots, s_J`, training sets of :math:`n_1` rows and test sets of
:math:`n_2` rows (averaged over the folds when they differ):

.. math::

    \bar s = \frac1J \sum_j s_j, \qquad
    \hat\sigma^2 = \frac{1}{J-1} \sum_j (s_j - \bar s)^2, \qquad
    \mathrm{SE} = \sqrt{\Big(\frac1J + \frac{n_2}{n_1}\Big)\hat\sigma^2},

and the confidence interval is :math:`\bar s \pm t_{J-1,\,(1+c)/2}\,\mathrm{SE}` for the
confidence level :math:`c` (clipped to the metric's range: accuracy cannot exceed 1).

**Why not** :math:`\hat\sigma/\sqrt J`? The fold scores are not independent: two training sets
of K-fold cross-validation share a fraction :math:`(K-2)/(K-1)` of their rows, so the scores are
positively correlated and the naive standard error understates the uncertainty of
:math:`\bar s`. Nadeau and Bengio [1]_ model the correlation as :math:`n_2/n_1` and multiply the
variance by :math:`1 + J n_2/n_1` relative to the naive one; for 5-fold CV the corrected SE is
:math:`\sqrt{1 + 5/4} = 1.5` times the naive one. Both are reported (``_se`` and ``_se_naive``);
everything else uses the corrected one. The correction holds for repeated K-fold as well
(:math:`J = K R` splits), where it is the "corrected repeated k-fold cv test" of Bouckaert and
Frank [2]_.

**Paired test against the best.** The best candidate has the best mean on the *primary* metric
(the first of ``scoring``). For another candidate, with per-fold differences
:math:`d_j = \tilde s_{\mathrm{best}, j} - \tilde s_j` (:math:`\tilde s` oriented so that higher
is better), the corrected resampled t statistic [1]_

.. math::

    t = \frac{\bar d}{\sqrt{\big(\frac1J + \frac{n_2}{n_1}\big)\hat\sigma_d^2}}

is compared with Student's t with :math:`J-1` degrees of freedom; ``p_value`` is two-sided.
Candidates with ``p_value >= 1 - confidence`` cannot be told apart from the best
(``indistinguishable``). When :math:`\hat\sigma_d = 0` the test is exact: identical fold scores
give :math:`p = 1`, a constant nonzero difference :math:`p = 0`. The best itself has
:math:`d \equiv 0`, hence :math:`t = 0` and :math:`p = 1`.

**Rules.** ``"best"`` chooses the best candidate. ``"one_se"`` (Breiman et al., 1984; [3]_)
chooses the simplest candidate whose primary mean is within one (corrected) standard error of
the best's: the smallest ``complexity``, then the largest regularization (``alpha_``,
``alpha``, or ``1/C``), then the better mean.

**Nested cross-validation.** The mean score of the chosen candidate is optimistic: it won a
contest on those very folds. With ``nested``, the whole procedure (cross-validation of every
candidate and the rule) runs again inside each outer training part, the chosen candidate is
refitted there and scored on the outer test part, which it has never seen [4]_. The mean of
those scores estimates what the *selection procedure* achieves on new data.

References
----------
.. [1] C. Nadeau and Y. Bengio, "Inference for the generalization error", Machine Learning
   52(3), 239-281, 2003.
.. [2] R. R. Bouckaert and E. Frank, "Evaluating the replicability of significance tests for
   comparing learning algorithms", PAKDD 2004.
.. [3] T. Hastie, R. Tibshirani and J. Friedman, "The Elements of Statistical Learning",
   2nd ed., Springer 2009, section 7.10.
.. [4] G. C. Cawley and N. L. C. Talbot, "On over-fitting in model selection and subsequent
   selection bias in performance evaluation", JMLR 11, 2079-2107, 2010.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy import stats
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import has_fit_parameter

from optimlab._validation import check_finite_array, check_int, check_real, check_sample_weight, check_X
from optimlab.tuning.metrics import Metric, check_metric_task, default_metric, get_metrics

__all__ = ["RULES", "NestedEstimate", "SelectionResult", "select"]

RULES = ("best", "one_se")
#: Outer folds of ``nested=True``.
DEFAULT_NESTED_FOLDS = 5

_STAT_COLUMNS = ("mean", "se", "se_naive", "ci_low", "ci_high")
#: Ranges of the named metrics: confidence intervals are clipped to them (accuracy cannot exceed 1).
_RANGES = {
    **dict.fromkeys(("accuracy", "balanced_accuracy", "f1", "f1_macro", "roc_auc", "roc_auc_ovr"),
                    (0.0, 1.0)),
    **dict.fromkeys(("log_loss", "mse", "rmse", "mae"), (0.0, math.inf)),
    "r2": (-math.inf, 1.0),
}


@dataclass(repr=False)
class NestedEstimate:
    """The nested cross-validation estimate of the selection procedure.

    Attributes
    ----------
    folds : pandas.DataFrame
        One row per outer fold (index ``outer_fold``): ``chosen`` (the candidate the inner
        selection picked), ``n_train``, ``n_test`` and one column per metric (its score on the
        outer test part, natural units).
    summary : pandas.DataFrame
        One row per metric (index ``metric``): ``mean``, ``se`` (corrected, as in the
        leaderboard, with the outer folds' sizes), ``se_naive``, ``ci_low``, ``ci_high``.
    """

    folds: pd.DataFrame
    summary: pd.DataFrame

    def __repr__(self) -> str:
        return f"NestedEstimate({len(self.folds)} outer folds)\n{self.summary.to_string()}"


@dataclass(repr=False)
class SelectionResult:
    """What :func:`select` found. Every field is always present (``nested`` is None without it).

    Attributes
    ----------
    table : pandas.DataFrame
        The leaderboard, one row per candidate (index ``candidate``), sorted by ``rank``.
        Columns: ``rank`` (1 = best primary mean); for every metric ``<metric>_mean``,
        ``<metric>_se`` (corrected), ``<metric>_se_naive``, ``<metric>_ci_low``,
        ``<metric>_ci_high``; then, on the primary metric, ``delta`` (mean minus the best's
        mean, natural units), ``t_stat`` and ``p_value`` (corrected paired t-test against the
        best; the best itself has t = 0, p = 1), ``indistinguishable`` (p >= 1 - confidence),
        ``within_1se``; ``complexity`` (smaller is simpler; NaN when unknown),
        ``regularization`` (NaN when unknown) and ``chosen``.
    chosen : str
        The candidate the rule picked.
    best : str
        The candidate with the best primary mean (``chosen`` under ``rule="best"``).
    rule : {"best", "one_se"}
    primary : str
        The metric that ranks, tests and chooses (the first of ``metrics``).
    metrics : tuple of str
        Metric names, in the order of ``scoring``.
    confidence : float
    indistinguishable : list of str
        The candidates whose test against the best has ``p_value >= 1 - confidence``, best first.
    scores : pandas.DataFrame
        Fold scores in natural units: index ``(candidate, fold)``, one column per metric.
    folds : list of (ndarray, ndarray)
        The (train, test) row indices every candidate was evaluated on.
    variance_factor : float
        :math:`1/J + n_2/n_1`, so that ``se = sqrt(variance_factor * var(fold scores))``.
    best_estimator : estimator
        The chosen candidate refitted on all the data.
    nested : NestedEstimate or None
    """

    table: pd.DataFrame
    chosen: str
    best: str
    rule: str
    primary: str
    metrics: tuple[str, ...]
    confidence: float
    indistinguishable: list[str]
    scores: pd.DataFrame
    folds: list[tuple[np.ndarray, np.ndarray]]
    variance_factor: float
    best_estimator: object
    nested: NestedEstimate | None = None

    def __repr__(self) -> str:
        return (f"SelectionResult(chosen={self.chosen!r}, best={self.best!r}, rule={self.rule!r}, "
                f"primary={self.primary!r}, {len(self.table)} candidates, {len(self.folds)} folds)")


@dataclass(frozen=True)
class _Plan:
    """The checked options every (nested) selection shares."""

    metrics: list[Metric]
    rule: str
    confidence: float
    complexity: Mapping | Callable | None
    classification: bool
    cv: object
    random_state: object
    n_jobs: int | None


def select(
    candidates: Mapping,
    X,
    y,
    *,
    cv=5,
    scoring=None,
    rule: str = "best",
    confidence: float = 0.95,
    complexity=None,
    nested=False,
    groups=None,
    sample_weight=None,
    random_state=None,
    n_jobs: int | None = None,
) -> SelectionResult:
    r"""Cross-validate several candidates on the same folds, test them against the best, choose one.

    See the module documentation for the statistics (corrected standard errors, the corrected
    resampled t-test of Nadeau and Bengio, the one-standard-error rule, nested CV).

    Parameters
    ----------
    candidates : dict of str -> estimator
        Unfitted scikit-learn estimators (pipelines included), cloned for every fit. Model
        families by name: :func:`optimlab.models.catalog.make_model`.
    X : array-like or sparse matrix of shape (n_samples, n_features)
        Finite numbers (a DataFrame is read as its values).
    y : array-like of shape (n_samples,)
        Class labels when the candidates are classifiers, numbers otherwise.
    cv : int, cross-validation splitter or iterable of (train, test), default 5
        An int is :class:`~sklearn.model_selection.StratifiedKFold` (classifiers) or
        :class:`~sklearn.model_selection.KFold` with that many folds, shuffled with
        ``random_state``. A splitter (e.g. ``RepeatedStratifiedKFold``) or explicit index pairs
        are used as given. At least 2 splits.
    scoring : str, callable, Metric or list of them, optional
        Names from :mod:`optimlab.tuning.metrics` (``"accuracy"``, ``"log_loss"``, ``"r2"``,
        ...), any scikit-learn scorer name, or ``scorer(estimator, X, y)``; values are in
        natural units (``log_loss`` positive, lower is better). The first is the *primary*
        metric. Default: ``"log_loss"`` for classifiers, ``"mse"`` otherwise.
    rule : {"best", "one_se"}, default "best"
        ``"best"``: the best primary mean. ``"one_se"``: the simplest candidate within one
        corrected standard error of it.
    confidence : float in (0, 1), default 0.95
        Level of the confidence intervals; the test's significance level is ``1 - confidence``.
    complexity : dict of str -> float or callable, optional
        What "simplest" means for ``rule="one_se"`` (smaller is simpler): a number per
        candidate (every candidate), or ``complexity(fitted_estimator) -> float`` averaged over
        the folds. Default: the mean number of nonzero entries of ``coef_`` (of a pipeline's
        last step); candidates without ``coef_`` then need this argument when they are within
        one standard error.
    nested : bool, int or splitter, default False
        Also run nested cross-validation: True is 5 outer folds, an int that many (shuffled and
        stratified as for ``cv``), or an outer splitter / iterable of (train, test). Needs
        ``cv`` to be an int or a splitter (explicit inner indices would not fit the outer parts).
    groups : array-like of shape (n_samples,), optional
        Group labels for group splitters (``GroupKFold``, ...).
    sample_weight : array-like of shape (n_samples,), optional
        Passed to every fit (for a pipeline, to every step that accepts it) and to the metrics.
    random_state : int, RandomState or None, default None
        Seed of the shuffled folds; the same seed gives the same folds, table and choice.
    n_jobs : int, optional
        Fits run in parallel with joblib (None: one at a time).

    Returns
    -------
    SelectionResult

    Raises
    ------
    TypeError
        ``candidates`` is not a non-empty dict of estimators.
    ValueError
        Non-finite X, a target that does not suit the candidates, a metric for the other task,
        too few folds, or a candidate that fails on a fold (the message names both; the
        original error is chained).

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.dummy import DummyClassifier
    >>> from optimlab.models.catalog import make_model
    >>> from optimlab.tuning import select
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> candidates = {"l2": make_model("logistic-l2"), "prior": DummyClassifier()}
    >>> result = select(candidates, X, y, scoring=["log_loss", "accuracy"], random_state=0)
    >>> result.chosen, bool(result.table.loc["prior", "p_value"] < 0.05)
    ('l2', True)
    >>> list(result.table.columns[:6])
    ['rank', 'log_loss_mean', 'log_loss_se', 'log_loss_se_naive', 'log_loss_ci_low', 'log_loss_ci_high']
    """
    names, estimators = _check_candidates(candidates)
    if rule not in RULES:
        raise ValueError(f"rule must be one of {', '.join(map(repr, RULES))}, got {rule!r}.")
    confidence = check_real(confidence, "confidence", low=0.0, high=1.0, low_open=True, high_open=True)
    X = check_X(X)
    n_samples = X.shape[0]
    classification = _task(names, estimators)
    y, n_classes = _check_target(y, n_samples, classification)
    sw = check_sample_weight(sample_weight, n_samples)
    if groups is not None:
        groups = np.asarray(groups)
        if groups.shape != (n_samples,):
            raise ValueError(f"groups must have shape ({n_samples},) like the rows of X, got {groups.shape}.")
    if scoring is None:
        scoring = default_metric(next((e for e in estimators if is_classifier(e)), estimators[0]))
    metrics = get_metrics(scoring, n_classes=n_classes)
    _check_metrics(metrics, classification, y, names, estimators)
    if sw is not None:
        for name, estimator in zip(names, estimators, strict=True):
            _fit_params(name, estimator, sw)
    plan = _Plan(metrics=metrics, rule=rule, confidence=confidence,
                 complexity=_check_complexity(complexity, names), classification=classification,
                 cv=cv, random_state=random_state, n_jobs=n_jobs)
    if nested is None or nested is False:
        outer = None
    else:
        outer = DEFAULT_NESTED_FOLDS if nested is True else nested
    if outer is not None and not (isinstance(cv, numbers.Integral) or hasattr(cv, "split")):
        raise ValueError(
            "nested cross-validation needs cv to be an int or a splitter (explicit (train, test) indices "
            f"refer to all the rows, not to an outer training part), got {type(cv).__name__}."
        )

    folds = _make_folds(cv, X, y, groups, classification, random_state, "cv")
    result = _select_once(names, estimators, X, y, sw, folds, plan)
    if outer is not None:
        outer_folds = _make_folds(outer, X, y, groups, classification, random_state, "nested")
        result.nested = _nested(names, estimators, X, y, sw, groups, outer_folds, plan)
    return result


# -- one selection ------------------------------------------------------------------------------
def _select_once(names, estimators, X, y, sw, folds, plan: _Plan) -> SelectionResult:
    metrics = plan.metrics
    jobs = Parallel(n_jobs=plan.n_jobs)(
        delayed(_fit_and_score)(name, estimator, j, fold, X, y, sw, metrics, plan.complexity)
        for name, estimator in zip(names, estimators, strict=True)
        for j, fold in enumerate(folds)
    )
    n_cand, n_folds = len(names), len(folds)
    scores = np.array([job[0] for job in jobs]).reshape(n_cand, n_folds, len(metrics))
    fold_complexity = np.array([job[1] for job in jobs]).reshape(n_cand, n_folds)
    regularization = np.array([job[2] for job in jobs]).reshape(n_cand, n_folds).mean(axis=1)
    if isinstance(plan.complexity, Mapping):
        complexity = np.array([float(plan.complexity[name]) for name in names])
    else:
        complexity = fold_complexity.mean(axis=1)

    n_train = np.mean([train.size for train, _ in folds])
    n_test = np.mean([test.size for _, test in folds])
    factor = 1.0 / n_folds + n_test / n_train
    t_quantile = stats.t.ppf(0.5 + plan.confidence / 2.0, n_folds - 1)
    columns: dict[str, np.ndarray] = {}
    for m, metric in enumerate(metrics):
        summary = _summary(scores[:, :, m], metric.name, factor, t_quantile)
        for stat, values in zip(_STAT_COLUMNS, summary, strict=True):
            columns[f"{metric.name}_{stat}"] = values

    primary = metrics[0]
    signed = primary.signed(scores[:, :, 0])
    signed_mean = signed.mean(axis=1)
    if np.all(np.isnan(signed_mean)):
        raise ValueError(
            f"Every candidate has NaN {primary.name} scores on some fold; no candidate can be ranked."
        )
    order = sorted(range(n_cand), key=lambda c: (-_nan_low(signed_mean[c]), c))
    best = order[0]
    tests = [_corrected_ttest(signed[best] - signed[c], factor) for c in range(n_cand)]
    p_value = np.array([p for _, p in tests])
    se_best = columns[f"{primary.name}_se"][best]
    # a relative slack keeps a candidate tied with the threshold (to rounding) inside it
    threshold = signed_mean[best] - se_best - 1e-12 * abs(signed_mean[best])
    within = signed_mean >= threshold
    if plan.rule == "best":
        chosen = best
    else:
        chosen = _simplest(names, within, complexity, regularization, signed_mean)

    columns["delta"] = columns[f"{primary.name}_mean"] - columns[f"{primary.name}_mean"][best]
    columns["t_stat"] = np.array([t for t, _ in tests])
    columns["p_value"] = p_value
    columns["indistinguishable"] = p_value >= 1.0 - plan.confidence
    columns["within_1se"] = within
    columns["complexity"] = complexity
    columns["regularization"] = regularization
    columns["chosen"] = np.arange(n_cand) == chosen
    rank = np.empty(n_cand, dtype=int)
    rank[order] = np.arange(1, n_cand + 1)
    table = pd.DataFrame({"rank": rank, **columns}, index=pd.Index(names, name="candidate")).iloc[order]

    fold_scores = pd.DataFrame(
        scores.reshape(n_cand * n_folds, len(metrics)),
        index=pd.MultiIndex.from_product([names, range(n_folds)], names=["candidate", "fold"]),
        columns=[m.name for m in metrics],
    )
    return SelectionResult(
        table=table,
        chosen=names[chosen],
        best=names[best],
        rule=plan.rule,
        primary=primary.name,
        metrics=tuple(m.name for m in metrics),
        confidence=plan.confidence,
        indistinguishable=[names[c] for c in order if p_value[c] >= 1.0 - plan.confidence],
        scores=fold_scores,
        folds=folds,
        variance_factor=float(factor),
        best_estimator=_refit(names[chosen], estimators[chosen], X, y, sw),
    )


def _fit_and_score(name, estimator, j, fold, X, y, sw, metrics, complexity):
    """Fit a clone on the training part, score it on the test part; (scores, complexity, regularization)."""
    train, test = fold
    fitted = clone(estimator)
    try:
        fitted.fit(X[train], y[train], **_fit_params(name, fitted, None if sw is None else sw[train]))
    except Exception as exc:
        raise ValueError(
            f"Candidate {name!r} failed to fit on fold {j} ({train.size} training rows): "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    sw_test = None if sw is None else sw[test]
    try:
        scores = [metric(fitted, X[test], y[test], sample_weight=sw_test) for metric in metrics]
    except Exception as exc:
        raise ValueError(
            f"Candidate {name!r} could not be scored on fold {j} ({test.size} test rows): "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    if callable(complexity):
        value = check_real(complexity(fitted), f"complexity of candidate {name!r}")
    else:
        value = _n_nonzero(fitted)
    return scores, value, _regularization(fitted)


def _refit(name, estimator, X, y, sw):
    fitted = clone(estimator)
    try:
        return fitted.fit(X, y, **_fit_params(name, fitted, sw))
    except Exception as exc:
        raise ValueError(
            f"Candidate {name!r} failed to fit on all the data: {type(exc).__name__}: {exc}"
        ) from exc


def _summary(scores: np.ndarray, name: str, factor: float, t_quantile: float):
    """Mean, corrected SE, naive SE and CI bounds of each row of ``scores`` (candidates x folds).

    The interval is clipped to the range of metric ``name`` when it has one.
    """
    n_folds = scores.shape[1]
    mean = scores.mean(axis=1)
    var = scores.var(axis=1, ddof=1)
    se = np.sqrt(factor * var)
    low, high = _RANGES.get(name, (-math.inf, math.inf))
    ci_low = np.clip(mean - t_quantile * se, low, high)
    ci_high = np.clip(mean + t_quantile * se, low, high)
    return mean, se, np.sqrt(var / n_folds), ci_low, ci_high


def _corrected_ttest(diff: np.ndarray, factor: float) -> tuple[float, float]:
    """Nadeau and Bengio's corrected resampled t-test of mean(diff) = 0: (t, two-sided p)."""
    mean = float(diff.mean())
    var = float(diff.var(ddof=1))
    if math.isnan(mean) or math.isnan(var):
        return math.nan, math.nan
    if var == 0.0:
        return (0.0, 1.0) if mean == 0.0 else (math.copysign(math.inf, mean), 0.0)
    t = mean / math.sqrt(factor * var)
    return t, float(2.0 * stats.t.sf(abs(t), diff.size - 1))


def _simplest(names, within, complexity, regularization, signed_mean) -> int:
    """The one-SE choice among ``within``: least complex, then most regularized, then best mean."""
    pool = np.flatnonzero(within)
    unknown = [names[c] for c in pool if np.isnan(complexity[c])]
    if unknown:
        raise ValueError(
            f"rule='one_se' needs the complexity of {', '.join(map(repr, unknown))} (within one standard "
            "error of the best), which have no coef_; pass complexity={name: number} or "
            "complexity=callable(fitted_estimator)."
        )
    return min(pool, key=lambda c: (complexity[c], -_nan_low(regularization[c]), -signed_mean[c], c))


def _nan_low(value: float) -> float:
    return -math.inf if math.isnan(value) else float(value)


# -- nested cross-validation -------------------------------------------------------------------
def _nested(names, estimators, X, y, sw, groups, outer_folds, plan: _Plan) -> NestedEstimate:
    rows = []
    for k, (train, test) in enumerate(outer_folds):
        inner_groups = None if groups is None else groups[train]
        inner_folds = _make_folds(plan.cv, X[train], y[train], inner_groups, plan.classification,
                                  plan.random_state, "cv")
        inner = _select_once(names, estimators, X[train], y[train], None if sw is None else sw[train],
                             inner_folds, plan)
        sw_test = None if sw is None else sw[test]
        try:
            scores = {m.name: m(inner.best_estimator, X[test], y[test], sample_weight=sw_test)
                      for m in plan.metrics}
        except Exception as exc:
            raise ValueError(
                f"Candidate {inner.chosen!r} could not be scored on outer fold {k}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        rows.append({"chosen": inner.chosen, "n_train": train.size, "n_test": test.size, **scores})
    folds = pd.DataFrame(rows, index=pd.RangeIndex(len(rows), name="outer_fold"))
    n_outer = len(rows)
    factor = 1.0 / n_outer + folds["n_test"].mean() / folds["n_train"].mean()
    t_quantile = stats.t.ppf(0.5 + plan.confidence / 2.0, n_outer - 1)
    stats_rows = [_summary(folds[[m.name]].to_numpy(dtype=float).T, m.name, factor, t_quantile)
                  for m in plan.metrics]
    summary = pd.DataFrame([[float(v[0]) for v in row] for row in stats_rows], columns=list(_STAT_COLUMNS),
                           index=pd.Index([m.name for m in plan.metrics], name="metric"))
    return NestedEstimate(folds=folds, summary=summary)


# -- checks at the door --------------------------------------------------------------------------
def _check_candidates(candidates) -> tuple[list[str], list]:
    if not isinstance(candidates, Mapping):
        raise TypeError(
            f"candidates must be a dict of name -> estimator, got {type(candidates).__name__}; "
            "e.g. {'l2': make_model('logistic-l2'), 'l1': make_model('logistic-l1')}."
        )
    if len(candidates) == 0:
        raise ValueError("candidates is empty; give at least one name -> estimator.")
    names, estimators = [], []
    for name, estimator in candidates.items():
        if not isinstance(name, str):
            raise TypeError(f"candidates must have str names, got the key {name!r}.")
        if not (hasattr(estimator, "fit") and hasattr(estimator, "get_params")):
            raise TypeError(
                f"candidates[{name!r}] must be a scikit-learn estimator (with fit and get_params), "
                f"got {estimator!r}."
            )
        names.append(name)
        estimators.append(estimator)
    return names, estimators


def _task(names, estimators) -> bool:
    """True when the candidates are classifiers; a mix of classifiers and regressors is an error."""
    classifiers = [n for n, e in zip(names, estimators, strict=True) if is_classifier(e)]
    regressors = [n for n, e in zip(names, estimators, strict=True) if is_regressor(e)]
    if classifiers and regressors:
        raise ValueError(
            f"candidates mix classifiers ({', '.join(classifiers)}) and regressors "
            f"({', '.join(regressors)}); they cannot be scored on the same target."
        )
    return bool(classifiers)


def _check_target(y, n_samples: int, classification: bool):
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}.")
    if y.shape[0] != n_samples:
        raise ValueError(f"y has {y.shape[0]} entries but X has {n_samples} rows; they must match.")
    if classification:
        kind = type_of_target(y)
        if kind not in ("binary", "multiclass"):
            raise ValueError(
                f"The candidates are classifiers but y is a {kind} target "
                f"({np.unique(y).size} distinct values); give class labels, or compare regressors."
            )
        n_classes = np.unique(y).size
        if n_classes < 2:
            raise ValueError(f"y has a single class ({y[0]!r}); a classifier needs at least two.")
        return y, n_classes
    if y.dtype.kind not in "biuf":
        raise ValueError(
            f"y holds labels (dtype {y.dtype}, e.g. {y[0]!r}) but the candidates are not classifiers; "
            "compare classifiers, or give a numeric target."
        )
    return check_finite_array(y, "y", ndim=1), None


def _check_metrics(metrics, classification: bool, y, names, estimators) -> None:
    for metric in metrics:
        check_metric_task(metric, classifier=classification)
        if metric.name == "f1" and classification:
            classes = np.unique(y)
            if classes.size > 2 or 1 not in classes.tolist():
                raise ValueError(
                    f"scoring 'f1' is the F1 of the positive class labelled 1, but y's classes are "
                    f"{classes.tolist()}; use 'f1_macro', or a scorer such as "
                    "sklearn.metrics.make_scorer(f1_score, pos_label=...)."
                )
        if metric.name == "log_loss":
            lacking = [n for n, e in zip(names, estimators, strict=True) if not hasattr(e, "predict_proba")]
            if lacking:
                raise ValueError(
                    f"scoring 'log_loss' needs predicted probabilities, but {', '.join(map(repr, lacking))} "
                    "have no predict_proba; use another metric or other candidates."
                )


def _check_complexity(complexity, names):
    if complexity is None or callable(complexity):
        return complexity
    if isinstance(complexity, Mapping):
        missing = [n for n in names if n not in complexity]
        if missing:
            raise ValueError(f"complexity must give a number for every candidate; missing {missing}.")
        for name in names:
            check_real(complexity[name], f"complexity[{name!r}]")
        return complexity
    raise TypeError(
        "complexity must be None, a dict of name -> number or a callable(fitted_estimator), "
        f"got {complexity!r}."
    )


def _make_folds(cv, X, y, groups, classification: bool, random_state, argument: str):
    """The (train, test) index pairs of ``cv``; ``argument`` names it in errors."""
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        n_splits = check_int(cv, argument, low=2)
        kind = StratifiedKFold if classification else KFold
        cv = kind(n_splits, shuffle=True, random_state=random_state)
    if hasattr(cv, "split"):
        pairs = cv.split(X, y, groups)
    elif isinstance(cv, Iterable) and not isinstance(cv, str | bytes):
        pairs = cv
    else:
        raise TypeError(
            f"{argument} must be an int, a cross-validation splitter or an iterable of (train, test), "
            f"got {cv!r}."
        )
    n_samples = X.shape[0]
    folds = []
    for j, pair in enumerate(pairs):
        try:
            train, test = (np.asarray(part) for part in pair)
        except (TypeError, ValueError):
            raise TypeError(f"{argument}: split {j} is not a (train, test) pair of index arrays.") from None
        for part, what in ((train, "training"), (test, "test")):
            if part.ndim != 1 or part.size == 0 or part.dtype.kind not in "iu":
                raise ValueError(f"{argument}: split {j} has an empty or non-integer {what} index array.")
            if part.min() < 0 or part.max() >= n_samples:
                raise ValueError(f"{argument}: split {j} has {what} indices outside [0, {n_samples}).")
        folds.append((train, test))
    if len(folds) < 2:
        raise ValueError(f"{argument} gives {len(folds)} split(s); standard errors need at least 2.")
    return folds


def _fit_params(name: str, estimator, sw) -> dict:
    """``sample_weight`` for ``estimator.fit``: to every pipeline step that takes it."""
    if sw is None:
        return {}
    if isinstance(estimator, Pipeline):
        steps = [(n, s) for n, s in estimator.steps if s is not None and s != "passthrough"]
        if not has_fit_parameter(steps[-1][1], "sample_weight"):
            raise TypeError(
                f"candidates[{name!r}]: the last step of the pipeline does not take sample_weight."
            )
        return {f"{n}__sample_weight": sw for n, s in steps if has_fit_parameter(s, "sample_weight")}
    if not has_fit_parameter(estimator, "sample_weight"):
        raise TypeError(
            f"candidates[{name!r}] ({type(estimator).__name__}) does not take sample_weight in fit."
        )
    return {"sample_weight": sw}


# -- what a fitted candidate says about itself ----------------------------------------------------
def _final(estimator):
    while isinstance(estimator, Pipeline):
        estimator = estimator[-1]
    return estimator


def _n_nonzero(fitted) -> float:
    coef = getattr(_final(fitted), "coef_", None)
    return math.nan if coef is None else float(np.count_nonzero(np.asarray(coef)))


def _regularization(fitted) -> float:
    """Penalty strength (larger is more regularized): ``alpha_``, ``alpha`` or ``1/C``; NaN when unknown."""
    model = _final(fitted)
    if getattr(model, "penalty", "l2") in (None, "none"):
        return 0.0
    for attribute in ("alpha_", "alpha"):
        value = getattr(model, attribute, None)
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            return float(value)
    for attribute in ("C_", "C"):
        value = getattr(model, attribute, None)
        if value is not None:
            inverse = np.asarray(value, dtype=float)
            if inverse.size and np.all(inverse > 0):
                return float(np.mean(1.0 / inverse))
    return math.nan
