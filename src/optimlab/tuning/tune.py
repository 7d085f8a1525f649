r"""Hyperparameter tuning by cross-validation on Optuna: path-aware, pruned by the optimizer.

:func:`tune` runs an Optuna study whose trials sample a configuration from a search space
(:mod:`optimlab.tuning.space`) and score it by K-fold cross-validation,

.. math:: \mathrm{CV}(\theta) = \frac1K \sum_{k=1}^K m\big(\hat f_\theta^{(-k)}, D_k\big),

with :math:`\hat f_\theta^{(-k)}` fitted without fold :math:`D_k` and :math:`m` the metric.
What it adds to a plain Optuna loop (see :mod:`optimlab.tuning._evaluate`):

- **path-aware trials**: with ``alpha`` in the space and one of optimlab's linear models, a
  trial fits the whole warm-started regularization path in each fold instead of one alpha;
- **pruning from the optimizer**: stochastic solvers report a held-out score per epoch, paths
  per alpha, and every trial per fold, to Optuna's pruners;
- **studies shared by workers**: with a storage URL, processes on one or many machines started
  with the same ``study_name`` cooperate until ``n_trials`` trials are finished, and a worker
  that dies has its trial failed and re-run (:mod:`optimlab.tuning._study`).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import math
import multiprocessing
import os
import pickle
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import optuna
import pandas as pd
from sklearn.base import clone, is_classifier
from sklearn.model_selection import KFold, StratifiedKFold, check_cv
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_X_y

from optimlab._validation import check_int, check_real
from optimlab.tuning import _study
from optimlab.tuning._evaluate import TrialEvaluator
from optimlab.tuning.metrics import check_metric_task, default_metric, get_metric
from optimlab.tuning.space import check_space, count_configurations, grid_of

__all__ = ["TuningResult", "tune"]


@dataclass
class TuningResult:
    """What :func:`tune` found.

    Attributes
    ----------
    best_params : dict
        The best configuration (for path-aware trials, ``alpha`` is the best alpha of the path).
    best_score : float
        Its mean cross-validation score, in the metric's natural units.
    best_estimator : estimator or None
        A clone of the estimator with ``best_params``, refitted on all the data (None with
        ``refit=False``).
    trials : pandas.DataFrame
        One row per trial (index ``trial``): state, score and its standard error, parameters,
        ``alpha`` of path trials, folds done, solver iterations, fits that did not converge,
        seconds, the worker, ``retry_of`` for the re-run of a failed trial, and ``copy_of`` for
        a trial that repeated an evaluated configuration (its result copied; it does not count
        towards ``n_trials``).
    study : optuna.Study
        The Optuna study (its storage holds every trial).
    metric : str
        The metric's name; ``direction`` is ``"maximize"`` or ``"minimize"``.
    direction : str
    fold_scores : ndarray of shape (n_folds,)
        The best trial's score on each fold.
    cv_path : pandas.DataFrame or None
        For a path-aware best trial: ``alpha``, ``mean`` and ``se`` of the CV score along its path.
    n_iter : int
        Solver iterations summed over every trial of the study (refit excluded).
    time : float
        Wall-clock seconds of this call.
    """

    best_params: dict
    best_score: float
    best_estimator: object
    trials: pd.DataFrame
    study: optuna.Study
    metric: str
    direction: str
    fold_scores: np.ndarray
    cv_path: pd.DataFrame | None
    n_iter: int
    time: float
    best_trial: int = field(default=-1)

    def leaderboard(self, k: int = 10) -> pd.DataFrame:
        """The ``k`` best complete trials, best first."""
        done = self.trials[self.trials["state"] == "complete"]
        return done.sort_values(self.metric, ascending=self.direction == "minimize").head(k)


def tune(estimator, space: dict, X, y, *, cv=5, scoring=None, n_trials: int | None = 20,
         timeout: float | None = None, sampler="tpe", pruner="median", storage=None,
         study_name: str | None = None, n_jobs: int = 1, random_state: int | None = None,
         alpha_grid: int = 20, path_search: bool = True, refit: bool = True,
         callbacks: Sequence[Callable] = (), threads: int | None = None) -> TuningResult:
    r"""Tune hyperparameters by cross-validation with Optuna; return the best and every trial.

    Parameters
    ----------
    estimator : scikit-learn estimator
        Any estimator; optimlab's :class:`~optimlab.models.LinearRegression` and
        :class:`~optimlab.models.LogisticRegression` get path-aware trials and per-epoch pruning.
    space : dict
        Parameter name -> :class:`~optimlab.tuning.Float`, :class:`~optimlab.tuning.Int`,
        :class:`~optimlab.tuning.Categorical` (optionally conditional) or a fixed value.
    X : array-like or sparse matrix of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    cv : int, splitter or iterable of (train, test), default 5
        An int is a shuffled (stratified, for classifiers) K-fold with seed ``random_state``
        (0 when None, so that every worker of a shared study uses the same folds).
    scoring : str, callable or Metric, optional
        A name of :data:`optimlab.tuning.METRICS`, a scikit-learn scorer name or callable;
        default ``"log_loss"`` for classifiers and ``"mse"`` for regressors.
    n_trials : int or None, default 20
        The number of finished (complete or pruned) trials the *study* should have: a resumed
        study runs only the missing ones, and several workers stop together at exactly this
        number. None runs until ``timeout``.
    timeout : float, optional
        Seconds after which no new trial is started.
    sampler : {"tpe", "random", "grid", "cmaes", "qmc"} or optuna sampler, default "tpe"
        ``"tpe"`` is Optuna's multivariate TPE. With an int ``random_state`` each trial's
        sampler is seeded from (random_state, trial number): a sequential run is reproducible.
    pruner : {"median", "halving", "hyperband", "none"} or optuna pruner, default "median"
    storage : None, str or optuna storage
        None keeps the study in memory; ``sqlite:///file.db``, ``postgresql://user@host/db``,
        ``journal:///path/file.log`` (or a path ending in ``.log``) share it between processes.
    study_name : str, optional
        Name of the study in the storage; an existing study of that name is resumed.
    n_jobs : int, default 1
        Worker processes on this machine (-1: one per core). Each pins its BLAS and numba
        threads to ``cores // n_jobs`` so that workers do not fight for the cores. Without a
        storage they share a temporary journal file; the study is then copied into memory.
    random_state : int, optional
        Seed of the folds, the sampler and the estimator's own ``random_state`` when it is None.
    alpha_grid : int, default 20
        Number of alphas of a path-aware trial, spaced on the ``alpha`` dimension's scale
        from its ``high`` down to its ``low``.
    path_search : bool, default True
        Whether to use path-aware trials when possible.
    refit : bool, default True
        Refit the best configuration on all the data.
    callbacks : sequence of callables
        Optuna callbacks ``callback(study, frozen_trial)`` after each trial (progress bars).
    threads : int, optional
        Solver threads of each worker; default all cores for one worker, ``cores // n_jobs``
        for several.

    Returns
    -------
    TuningResult

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import scale
    >>> from optimlab.models import LogisticRegression
    >>> from optimlab.tuning import Categorical, Float, tune
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> space = {"penalty": Categorical(["l1", "l2"]), "alpha": Float(1e-4, 1.0, log=True)}
    >>> res = tune(LogisticRegression(), space, scale(X), y, n_trials=4, random_state=0)
    >>> sorted(res.best_params), res.metric, len(res.trials)
    (['alpha', 'penalty'], 'log_loss', 4)
    """
    start = time.perf_counter()
    if not hasattr(estimator, "get_params") or not hasattr(estimator, "fit"):
        raise TypeError(f"estimator must be a scikit-learn estimator, got {estimator!r}.")
    space = check_space(space, estimator)
    classifier = is_classifier(estimator)
    X, y = check_X_y(X, y, accept_sparse=("csr", "csc"), dtype="numeric", y_numeric=not classifier,
                     ensure_all_finite=True)
    if classifier:
        check_classification_targets(y)
        if np.unique(y).size < 2:
            raise ValueError(
                f"y has one class only ({np.unique(y).tolist()}); a classifier needs at least two."
            )
    n_trials = check_int(n_trials, "n_trials", low=1, allow_none=True)
    timeout = check_real(timeout, "timeout", low=0.0, low_open=True, allow_none=True)
    if n_trials is None and timeout is None:
        raise ValueError(
            "n_trials and timeout are both None: give a number of trials, a time budget, or both."
        )
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    n_jobs = cores if n_jobs == -1 else check_int(n_jobs, "n_jobs", low=1)
    threads = check_int(threads, "threads", low=1, allow_none=True)
    if threads is None and n_jobs > 1:
        threads = max(1, cores // n_jobs)
    alpha_grid = check_int(alpha_grid, "alpha_grid", low=2)
    if random_state is not None:
        random_state = check_int(random_state, "random_state", low=0)
        if estimator.get_params().get("random_state", 0) is None:
            estimator = clone(estimator).set_params(random_state=random_state)

    metric = get_metric(default_metric(estimator) if scoring is None else scoring,
                        n_classes=np.unique(y).size if classifier else None)
    check_metric_task(metric, classifier=classifier)
    folds = _folds(cv, X, y, classifier, 0 if random_state is None else random_state)
    evaluator = TrialEvaluator(estimator, space, X, y, folds, metric, n_trials=n_trials,
                               alpha_grid=alpha_grid, path_search=path_search)
    skip = ("alpha",) if evaluator.grid is not None else ()
    if sampler == "grid" and n_trials is not None:
        n_trials = min(n_trials, math.prod(len(v) for v in grid_of(space, skip=skip).values()))
        evaluator.n_trials = n_trials
    n_configurations = count_configurations(space, skip=skip)
    sampler_obj = _study.make_sampler(sampler, random_state, lambda: grid_of(space, skip=skip))
    pruner_obj = _study.make_pruner(pruner)

    with _quiet_optuna():
        storage_obj = _study.open_storage(storage)
        study = _open_study(storage_obj, study_name, sampler_obj, pruner_obj, metric)
        if n_jobs == 1:
            with _study.pin_threads(threads):
                _study.run_worker(study, evaluator, n_trials=n_trials, timeout=timeout, callbacks=callbacks,
                                  n_configurations=n_configurations)
        else:
            study = _run_processes(study, storage, storage_obj, evaluator, sampler_obj, pruner_obj,
                                   n_jobs=n_jobs, threads=threads, n_trials=n_trials, timeout=timeout,
                                   callbacks=callbacks, n_configurations=n_configurations)
    return _result(study, estimator, space, X, y, metric, refit=refit, threads=threads, start=start)


# -- pieces ---------------------------------------------------------------------------------------
def _folds(cv, X, y, classifier: bool, seed: int) -> list:
    if isinstance(cv, int) and not isinstance(cv, bool):
        cv = check_int(cv, "cv", low=2)
        splitter = (StratifiedKFold if classifier else KFold)(cv, shuffle=True, random_state=seed)
    else:
        splitter = check_cv(cv, y, classifier=classifier)
    folds = [(np.asarray(train), np.asarray(test)) for train, test in splitter.split(X, y)]
    if len(folds) < 2:
        raise ValueError(f"cv must give at least two folds, got {len(folds)}.")
    if classifier:
        classes = np.unique(y)
        for k, (train, _) in enumerate(folds):
            if np.unique(y[train]).size != classes.size:
                raise ValueError(
                    f"cv fold {k} lacks a class in its training part (y has {classes.size} classes); "
                    "use fewer folds or stratified splits."
                )
    return folds


@contextlib.contextmanager
def _quiet_optuna():
    """Optuna's per-trial INFO lines off (optimlab reports progress itself); warnings stay."""
    previous = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(previous)


def _open_study(storage, study_name, sampler, pruner, metric) -> optuna.Study:
    study = optuna.create_study(storage=storage, sampler=sampler, pruner=pruner, study_name=study_name,
                                direction=metric.direction, load_if_exists=True)
    recorded = study.user_attrs.get("metric")
    if recorded is None:
        study.set_user_attr("metric", metric.name)
    elif recorded != metric.name or study.direction.name.lower() != metric.direction:
        raise ValueError(
            f"Study {study.study_name!r} was run with scoring {recorded!r} ({study.direction.name.lower()}); "
            f"resume it with the same scoring, or pick another study name (got {metric.name!r})."
        )
    return study


def _worker_process(storage, study_name, evaluator, sampler, pruner, n_trials, timeout, threads,
                    n_configurations) -> None:
    with _quiet_optuna(), _study.pin_threads(threads):
        study = optuna.load_study(study_name=study_name, storage=_study.open_storage(storage),
                                  sampler=sampler, pruner=pruner)
        _study.run_worker(study, evaluator, n_trials=n_trials, timeout=timeout,
                          n_configurations=n_configurations)


def _run_processes(study, storage, storage_obj, evaluator, sampler, pruner, *, n_jobs, threads, n_trials,
                   timeout, callbacks, n_configurations) -> optuna.Study:
    """Run ``n_jobs`` worker processes on the study; call ``callbacks`` as their trials finish."""
    try:
        pickle.dumps((evaluator, sampler, pruner))
    except Exception as error:
        raise ValueError(
            "n_jobs > 1 runs workers in separate processes, which receive the estimator, the space, the "
            f"data, the sampler and the pruner by pickling, and one of them cannot be pickled ({error}); "
            "write conditions as module-level functions or dicts instead of lambdas."
        ) from error
    tmpdir = None
    shared = storage if isinstance(storage, str) else storage_obj
    if not _study.shareable(storage_obj):
        tmpdir = tempfile.mkdtemp(prefix="optimlab-tune-")
        shared = os.path.join(tmpdir, "study.log")
        optuna.copy_study(from_study_name=study.study_name, from_storage=storage_obj,
                          to_storage=_study.open_storage(shared))
    try:
        context = multiprocessing.get_context("spawn")
        seen: set[int] = set()
        with concurrent.futures.ProcessPoolExecutor(max_workers=n_jobs, mp_context=context) as pool:
            futures = [pool.submit(_worker_process, shared, study.study_name, evaluator, sampler, pruner,
                                   n_trials, timeout, threads, n_configurations) for _ in range(n_jobs)]
            watched = optuna.load_study(study_name=study.study_name, storage=_study.open_storage(shared))
            pending = set(futures)
            while pending:
                _, pending = concurrent.futures.wait(pending, timeout=0.5)
                for trial in watched.get_trials(deepcopy=False, states=_study.FINISHED):
                    if trial.number not in seen:
                        seen.add(trial.number)
                        for callback in callbacks:
                            callback(watched, trial)
            for future in futures:
                future.result()  # a worker's exception is raised here
        if tmpdir is None:
            return study
        memory = optuna.storages.InMemoryStorage()
        optuna.copy_study(from_study_name=study.study_name, from_storage=_study.open_storage(shared),
                          to_storage=memory)
        return optuna.load_study(study_name=study.study_name, storage=memory, sampler=sampler, pruner=pruner)
    finally:
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)


def trials_frame(study: optuna.Study, metric: str) -> pd.DataFrame:
    """The trials of a study as a table (surplus trials, which never ran, left out)."""
    rows = []
    for trial in study.get_trials(deepcopy=False):
        attrs = trial.user_attrs
        if attrs.get("surplus"):
            continue
        row = {"trial": trial.number, "state": trial.state.name.lower(), metric: trial.value,
               f"{metric}_se": attrs.get("se"), **trial.params}
        if "alpha" in attrs and "alpha" not in trial.params:
            row["alpha"] = attrs["alpha"]
        duration = (trial.datetime_complete - trial.datetime_start).total_seconds() \
            if trial.datetime_complete and trial.datetime_start else None
        row.update(kind=attrs.get("kind"), folds=len(attrs.get("fold_scores", ())),
                   n_iter=attrs.get("n_iter"), not_converged=attrs.get("not_converged"), seconds=duration,
                   worker=attrs.get(_study.WORKER_ATTR), retry_of=trial.system_attrs.get("failed_trial"),
                   copy_of=attrs.get(_study.COPY_ATTR))
        rows.append(row)
    return pd.DataFrame(rows).set_index("trial") if rows else pd.DataFrame()


def _result(study, estimator, space, X, y, metric, *, refit, threads, start) -> TuningResult:
    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if not complete:
        raise RuntimeError(
            f"No trial of study {study.study_name!r} completed (all pruned, failed or still running); "
            "see result.study.trials, or raise n_trials/timeout."
        )
    best = study.best_trial
    params = {name: value for name, value in space.items() if not hasattr(value, "suggest")}
    params.update(best.params)
    if "alpha" in best.user_attrs and "alpha" not in best.params:
        params["alpha"] = best.user_attrs["alpha"]
    best_estimator = None
    if refit:
        with _study.pin_threads(threads):
            best_estimator = clone(estimator).set_params(**params).fit(X, y)
    cv_path = None
    if "path_alphas" in best.user_attrs:
        cv_path = pd.DataFrame({"alpha": best.user_attrs["path_alphas"], "mean": best.user_attrs["path_mean"],
                                "se": best.user_attrs["path_se"]})
    n_iter = sum(int(t.user_attrs.get("n_iter", 0)) for t in study.get_trials(deepcopy=False))
    return TuningResult(
        best_params=params, best_score=float(best.value), best_estimator=best_estimator,
        trials=trials_frame(study, metric.name), study=study, metric=metric.name, direction=metric.direction,
        fold_scores=np.asarray(best.user_attrs.get("fold_scores", [])), cv_path=cv_path, n_iter=n_iter,
        time=time.perf_counter() - start, best_trial=best.number,
    )
