r"""One trial: sample a configuration, cross-validate it, report to the pruner as work finishes.

A trial is evaluated in one of three ways, chosen per trial from the sampled configuration:

``path``
    The estimator is one of optimlab's linear models with a penalty, ``alpha`` is in the space,
    and the solver is deterministic. ``alpha`` is then *not* sampled: in every fold the whole
    decreasing grid of alphas (``alpha_grid`` values spanning the space's range) is fitted as one
    warm-started regularization path (:func:`optimlab.models.path.path`), and each fit is scored
    on the held-out part. The trial's value is the best mean score over the grid, its ``alpha``
    the argmax (the largest alpha among ties). A path costs a few single fits, so a trial
    explores twenty alphas for the price of two or three.
``stochastic``
    A stochastic solver (sgd, adam, ...): the held-out score is computed after every epoch, from
    the solver's own iterate, and reported, so a bad learning rate is pruned after a few epochs.
``plain``
    Anything else (any scikit-learn estimator): one fit per fold, reported as each fold ends.

The intermediate value reported at each step is the running cross-validation estimate: with
folds :math:`1..k` seen and :math:`s_j` their scores, :math:`\frac1k \sum_{j \le k} s_j`
(for a path, the best over the alphas fitted so far of that mean). Steps count folds, then
alphas or epochs within a fold, so trials of one kind are compared at equal work. Path trials
report after every alpha but are only pruned at the end of a fold's path: the CV curve along the
path is U-shaped, and its large-alpha end predicts nothing about the rest.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import optuna
from sklearn.base import clone, is_classifier

from optimlab.exceptions import ConvergenceWarning
from optimlab.models._base import datafit_name
from optimlab.models._scoring import linear_predictor
from optimlab.models.linear import _LinearModel, with_solution
from optimlab.models.path import path
from optimlab.solvers._registry import get_solver
from optimlab.tuning._study import (
    COPY_ATTR,
    WORKER_ATTR,
    check_surplus,
    config_key,
    finished_trials,
    worker_id,
)
from optimlab.tuning.metrics import Metric
from optimlab.tuning.space import Categorical, Dimension, Float, sample_space

__all__ = ["TrialEvaluator", "alpha_grid_of"]

#: Epochs assumed per fold (to number pruning steps) when neither the space nor the estimator caps them.
_DEFAULT_EPOCHS = 1000


def alpha_grid_of(dimension, n_points: int) -> np.ndarray | None:
    """The decreasing grid a path trial fits for the space's ``alpha`` dimension (None: no path)."""
    if isinstance(dimension, Float):
        if dimension.step is not None:
            values = np.asarray(dimension.grid(), dtype=float)
        elif dimension.log:
            values = np.geomspace(dimension.high, dimension.low, n_points)
        else:
            values = np.linspace(dimension.high, dimension.low, n_points)
    elif isinstance(dimension, Categorical) and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in dimension.choices):
        values = np.asarray(dimension.choices, dtype=float)
    else:
        return None
    values = np.unique(values)[::-1]
    return values if values.size and values[-1] > 0 else None


def _split(x: np.ndarray, n_features: int, fit_intercept: bool):
    """Coefficients and intercept(s) of a solver's ``x`` (the layout of ``Objective.split``)."""
    n_outputs = x.size // (n_features + int(fit_intercept))
    coef = x[: n_features * n_outputs]
    if n_outputs > 1:
        coef = coef.reshape(n_features, n_outputs)
        intercept = x[n_features * n_outputs:].copy() if fit_intercept else np.zeros(n_outputs)
    else:
        intercept = float(x[n_features]) if fit_intercept else 0.0
    return coef, intercept


class TrialEvaluator:
    """The Optuna objective of :func:`optimlab.tuning.tune` (picklable, for worker processes)."""

    def __init__(self, estimator, space: dict, X, y, folds, metric: Metric, *, n_trials: int | None,
                 alpha_grid: int, path_search: bool):
        self.estimator = estimator
        self.space = space
        self.X, self.y = X, y
        self.folds = folds
        self.metric = metric
        self.n_trials = n_trials
        self.classes = np.unique(y) if is_classifier(estimator) else None
        alpha_dim = space.get("alpha")
        pathable = path_search and isinstance(estimator, _LinearModel) and isinstance(alpha_dim, Dimension)
        self.grid = alpha_grid_of(alpha_dim, alpha_grid) if pathable else None
        epochs = space.get("max_iter")
        self.max_epochs = (epochs.high if hasattr(epochs, "high") else
                           epochs if isinstance(epochs, int) else estimator.get_params().get("max_iter"))
        self.max_epochs = int(self.max_epochs or _DEFAULT_EPOCHS)

    # -- the objective ---------------------------------------------------------------------------
    def __call__(self, trial: optuna.Trial) -> float:
        trial.set_user_attr(WORKER_ATTR, worker_id())  # first: a trial whose worker dies must have an owner
        check_surplus(trial.study, trial, self.n_trials)
        start = time.perf_counter()
        params = sample_space(trial, self.space, skip=("alpha",) if self.grid is not None else ())
        model = clone(self.estimator).set_params(**params)
        kind = self._kind(model, params)
        if kind != "path" and self.grid is not None and self.space["alpha"].active(params):
            params["alpha"] = self.space["alpha"].suggest(trial, "alpha")
            model.set_params(alpha=params["alpha"])
        trial.set_user_attr("kind", kind)
        copied = self._copy_duplicate(trial)
        if copied is not None:
            return copied
        evaluate = {"path": self._path, "stochastic": self._stochastic, "plain": self._plain}[kind]
        try:
            with warnings.catch_warnings():
                # counted per fit in the user attribute "not_converged" instead of one warning each
                warnings.simplefilter("ignore", ConvergenceWarning)
                return evaluate(trial, model)
        finally:
            trial.set_user_attr("fit_time", time.perf_counter() - start)

    def _copy_duplicate(self, trial) -> float | None:
        """The value of an earlier complete trial with the same parameters, copied (no refit)."""
        config = config_key(trial.params)
        for number, record in sorted(finished_trials(trial.study).items()):
            if number != trial.number and record.value is not None and record.key == config:
                other = trial.study._storage.get_trial(record.trial_id)
                for key, value in other.user_attrs.items():
                    if key not in (WORKER_ATTR, "fit_time"):
                        trial.set_user_attr(key, value)
                trial.set_user_attr("n_iter", 0)
                trial.set_user_attr(COPY_ATTR, number)
                return float(record.value)
        return None

    def _kind(self, model, params) -> str:
        if not isinstance(model, _LinearModel):
            return "plain"
        solver = model.solver
        stochastic = solver != "auto" and get_solver(solver).stochastic
        if stochastic:
            return "stochastic"
        if self.grid is not None and model.penalty is not None and self.space["alpha"].active(params):
            return "path"
        return "plain"

    def _fold_parts(self, k: int):
        train, test = self.folds[k]
        return self.X[train], self.y[train], self.X[test], self.y[test]

    def _score_at(self, model, x: np.ndarray, X_test, y_test) -> float:
        """The held-out metric of ``model`` with the solver's solution ``x`` (a path point, an epoch)."""
        coef, intercept = _split(x, self.X.shape[1], model.fit_intercept)
        if self.metric.linear is not None:
            return self.metric.from_linear(linear_predictor(X_test, coef, intercept), y_test, self.classes)
        current = with_solution(model, coef, intercept, n_features=self.X.shape[1], classes=self.classes)
        return self.metric(current, X_test, y_test)

    def _running(self, done: list[float], current: float) -> float:
        return (sum(done) + current) / (len(done) + 1)

    def _finish(self, trial, fold_scores, n_iter: int) -> float:
        scores = np.asarray(fold_scores, dtype=float)
        se = float(scores.std(ddof=1) / np.sqrt(scores.size)) if scores.size > 1 else 0.0
        trial.set_user_attr("fold_scores", scores.tolist())
        trial.set_user_attr("se", se)
        trial.set_user_attr("n_iter", int(n_iter))
        return float(scores.mean())

    def _prune(self, trial, fold_scores, n_iter):
        self._finish(trial, fold_scores, n_iter)
        raise optuna.TrialPruned()

    # -- the three kinds ---------------------------------------------------------------------------
    def _plain(self, trial, model) -> float:
        scores, n_iter, not_converged = [], 0, 0
        for k in range(len(self.folds)):
            X_train, y_train, X_test, y_test = self._fold_parts(k)
            fitted = clone(model).fit(X_train, y_train)
            n_iter += int(np.sum(getattr(fitted, "n_iter_", None) or 0))
            not_converged += not getattr(getattr(fitted, "result_", None), "success", True)
            trial.set_user_attr("not_converged", not_converged)
            scores.append(self.metric(fitted, X_test, y_test))
            trial.report(float(np.mean(scores)), k)
            if k + 1 < len(self.folds) and trial.should_prune():
                self._prune(trial, scores, n_iter)
        return self._finish(trial, scores, n_iter)

    def _stochastic(self, trial, model) -> float:
        scores, n_iter, not_converged = [], 0, 0
        user_callback = model.callback
        for k in range(len(self.folds)):
            X_train, y_train, X_test, y_test = self._fold_parts(k)
            pruned = False

            def report(result, k=k, X_test=X_test, y_test=y_test):
                nonlocal pruned
                if user_callback is not None:
                    user_callback(result)
                score = self._score_at(model, result.x, X_test, y_test)
                trial.report(self._running(scores, score), k * self.max_epochs + int(result.n_iter) - 1)
                if trial.should_prune():
                    pruned = True
                    raise StopIteration

            fitted = clone(model).set_params(callback=report).fit(X_train, y_train)
            n_iter += int(fitted.n_iter_)
            if pruned:
                self._prune(trial, [*scores, self.metric(fitted, X_test, y_test)], n_iter)
            not_converged += not fitted.result_.success
            trial.set_user_attr("not_converged", not_converged)
            scores.append(self.metric(fitted, X_test, y_test))
        return self._finish(trial, scores, n_iter)

    def _path(self, trial, model) -> float:
        grid, n_alphas = self.grid, self.grid.size
        sign = 1.0 if self.metric.greater_is_better else -1.0
        fold_scores = np.full((len(self.folds), n_alphas), np.nan)
        l1_ratio = {"l1": 1.0, "l2": 0.0}.get(model.penalty, model.l1_ratio)
        datafit = datafit_name(self.classes.size) if self.classes is not None else "squared"
        n_iter, not_converged = 0, 0
        for k in range(len(self.folds)):
            X_train, y_train, X_test, y_test = self._fold_parts(k)
            pruned = False

            def score_alpha(a, alpha, result, k=k, X_test=X_test, y_test=y_test):
                nonlocal pruned
                fold_scores[k, a] = self._score_at(model.set_params(alpha=alpha), result.x, X_test, y_test)
                running = sign * fold_scores[: k + 1, : a + 1].mean(axis=0)
                trial.report(float(sign * running.max()), k * n_alphas + a)
                # CV curves along the path are U-shaped: the best so far at a large alpha says
                # nothing of the smaller ones, so a trial may only be pruned once a fold's path is done.
                if a == n_alphas - 1 and k + 1 < len(self.folds) and trial.should_prune():
                    pruned = True
                    raise StopIteration

            fitted = path(X_train, y_train, datafit=datafit, l1_ratio=l1_ratio, alphas=grid,
                          fit_intercept=model.fit_intercept, tol=model.tol, max_iter=model.max_iter,
                          solver=model.solver, callback=score_alpha)
            if self.classes is not None and not np.array_equal(fitted.classes, self.classes):
                raise ValueError(
                    f"cv fold {k} has classes {fitted.classes.tolist()} in its training part but y has "
                    f"{self.classes.tolist()}; use fewer folds or stratified splits."
                )
            n_iter += sum(int(r.n_iter) for r in fitted.results)
            not_converged += sum(not r.success for r in fitted.results)
            if pruned:
                trial.set_user_attr("not_converged", not_converged)
                seen = fold_scores[: k + 1, : len(fitted.results)]  # fold k stopped at its last alpha
                best = int(np.argmax(sign * seen.mean(axis=0)))
                self._prune(trial, seen[:, best], n_iter)
        mean = fold_scores.mean(axis=0)
        se = fold_scores.std(axis=0, ddof=1) / np.sqrt(len(self.folds)) if len(self.folds) > 1 else 0 * mean
        best = int(np.argmax(sign * mean))  # the grid is decreasing: ties go to the largest alpha
        trial.set_user_attr("alpha", float(grid[best]))
        trial.set_user_attr("path_alphas", grid.tolist())
        trial.set_user_attr("path_mean", mean.tolist())
        trial.set_user_attr("path_se", np.asarray(se).tolist())
        trial.set_user_attr("not_converged", not_converged)
        return self._finish(trial, fold_scores[:, best], n_iter)
