r"""Fit one regularized model with every applicable solver and compare what each found.

:func:`compare` splits the data into a training and a held-out part, standardizes the features
(fitted on the training part), builds one :class:`~optimlab.objectives.Objective` on the training
part,

.. math::

    \min_{w, b}\ \frac1n \sum_{i=1}^n \ell(y_i, x_i^\top w + b)
        + \alpha\Big(\rho \|w\|_1 + \frac{1-\rho}{2}\|w\|_2^2\Big),

and runs every solver that can minimize it with the same relative tolerance, the same time limit
and the same seed. Each solver is scored on its final objective, its relative suboptimality
against the best objective any solver returned, its optimality certificate and held-out metrics.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, softmax

from optimlab._validation import check_int, check_real
from optimlab.datasets.loaders import check_target, infer_task
from optimlab.exceptions import ConvergenceWarning
from optimlab.objectives import Objective
from optimlab.objectives.penalties import make_penalty
from optimlab.result import Result, Status
from optimlab.solvers import available_solvers, get_solver, solve, solvers_for

__all__ = [
    "DEFAULT_TOL",
    "PENALTIES",
    "SUBOPT_FLOOR",
    "ComparisonResult",
    "ProgressEvent",
    "SolverRun",
    "compare",
]

PENALTIES = ("none", "l2", "l1", "elasticnet")
DEFAULT_TOL = 1e-6
#: Suboptimalities are clipped here so that curves reaching the best objective fit a log scale.
SUBOPT_FLOOR = 1e-16
#: Default alpha for L1 / elastic net, as a fraction of alpha_max: sparse, but not empty.
L1_ALPHA_FRACTION = 0.01
#: Seconds between two "iteration" progress events, so that reporting costs nothing measurable.
_PROGRESS_EVERY = 0.1

_STATUS_NAMES = {
    Status.CONVERGED: "converged",
    Status.MAX_ITER: "max_iter",
    Status.TIME_LIMIT: "time_limit",
    Status.CALLBACK: "stopped",
    Status.NUMERICAL: "numerical",
    Status.NOT_CERTIFIED: "not_certified",
}


@dataclass(frozen=True)
class ProgressEvent:
    """What :func:`compare` reports to its ``progress`` hook.

    ``stage`` is ``"start"`` before a solver runs, ``"iteration"`` while it runs (at most every
    0.1 s) and ``"done"`` after; ``index`` counts solvers from 0 out of ``total``.
    """

    solver: str
    index: int
    total: int
    stage: str
    n_iter: int = 0
    certificate: float = math.nan
    elapsed: float = 0.0


@dataclass
class SolverRun:
    """One solver's entry in a comparison: its Result (None when it raised) and its scores."""

    solver: str
    stochastic: bool
    result: Result | None
    error: str | None = None
    rel_subopt: float = math.nan
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return "error" if self.result is None else _STATUS_NAMES.get(self.result.status, "unknown")

    @property
    def converged(self) -> bool:
        return self.result is not None and bool(self.result.success)


@dataclass
class ComparisonResult:
    """Everything :func:`compare` measured.

    Attributes
    ----------
    runs : list of SolverRun
        In the order the solvers ran (alphabetical); :meth:`ranked` orders them by merit.
    task : {"classification", "regression"}
    datafit : {"squared", "logistic", "multinomial"}
    penalty : {"none", "l2", "l1", "elasticnet"}
    alpha, l1_ratio : float
        The penalty actually used; ``alpha_note`` says how ``alpha`` was chosen.
    tol : float
        Relative tolerance; ``tol_abs = tol * objective.certificate_scale()`` is what every
        solver's certificate was compared with.
    f_best : float
        The lowest objective among the solutions the solvers returned.
    metric_names : tuple of str
        Held-out metrics (empty when ``test_size`` was 0).
    """

    runs: list[SolverRun]
    task: str
    task_note: str
    datafit: str
    penalty: str
    alpha: float
    l1_ratio: float
    alpha_note: str
    tol: float
    tol_abs: float
    time_limit: float | None
    certificate_kind: str
    f_best: float
    n_train: int
    n_test: int
    n_features: int
    classes: list | None
    metric_names: tuple[str, ...]
    random_state: int

    @property
    def best(self) -> str | None:
        """The fastest certified solver, else the one with the lowest objective."""
        done = [r for r in self.runs if r.result is not None]
        certified = [r for r in done if r.converged]
        if certified:
            return min(certified, key=lambda r: r.result.time).solver
        return min(done, key=lambda r: r.result.fun).solver if done else None

    def ranked(self) -> list[SolverRun]:
        """The runs, certified ones first by time, then the others by suboptimality, failures last."""

        def key(run: SolverRun):
            if run.result is None:
                return (2, 0.0)
            return (0, run.result.time) if run.converged else (1, run.rel_subopt)

        return sorted(self.runs, key=key)

    def rows(self) -> list[dict]:
        """One flat dict per solver in :meth:`ranked` order, for a table, CSV or JSON.

        NaN stands where nothing applies (a solver that raised, no held-out data).
        """
        rows = []
        for run in self.ranked():
            res = run.result
            row = {
                "solver": run.solver,
                "stochastic": run.stochastic,
                "time_s": res.time if res else math.nan,
                "n_iter": res.n_iter if res else 0,
                "objective": res.fun if res else math.nan,
                "rel_subopt": run.rel_subopt,
                "certificate": res.certificate if res else math.nan,
                "certificate_kind": self.certificate_kind,
                "converged": run.converged,
                "status": run.status,
            }
            row.update({name: run.metrics.get(name, math.nan) for name in self.metric_names})
            row["message"] = run.error if res is None else res.message
            rows.append(row)
        return rows

    def to_frame(self):
        """The rows as a :class:`pandas.DataFrame`."""
        import pandas as pd

        return pd.DataFrame(self.rows())

    def settings(self) -> dict:
        """The problem and the budget, for reports."""
        return {
            "task": self.task,
            "task_note": self.task_note,
            "datafit": self.datafit,
            "penalty": self.penalty,
            "alpha": self.alpha,
            "l1_ratio": self.l1_ratio,
            "alpha_note": self.alpha_note,
            "tol": self.tol,
            "tol_abs": self.tol_abs,
            "time_limit": self.time_limit,
            "certificate_kind": self.certificate_kind,
            "f_best": self.f_best,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "n_features": self.n_features,
            "classes": None if self.classes is None else [_plain(c) for c in self.classes],
            "random_state": self.random_state,
            "best": self.best,
        }

    def curves(self) -> dict[str, dict[str, np.ndarray]]:
        """Per solver: ``time``, ``iteration`` and relative suboptimality ``subopt`` per iteration.

        ``subopt = (f_k - f_best) / |f_best|``, clipped at :data:`SUBOPT_FLOOR` for log scales.
        """
        out = {}
        for run in self.runs:
            if run.result is None:
                continue
            h = run.result.history
            subopt = (np.asarray(h.fun, dtype=float) - self.f_best) / _denominator(self.f_best)
            out[run.solver] = {
                "time": np.asarray(h.time, dtype=float),
                "iteration": np.asarray(h.iteration, dtype=np.int64),
                "subopt": np.maximum(subopt, SUBOPT_FLOOR),
                "converged": run.converged,
                "stochastic": run.stochastic,
            }
        return out


def compare(
    X,
    y,
    *,
    task: str = "auto",
    penalty: str = "l2",
    alpha: float | None = None,
    l1_ratio: float | None = None,
    solvers=None,
    test_size: float = 0.25,
    time_limit: float | None = None,
    tol: float = DEFAULT_TOL,
    max_iter: int | None = None,
    random_state: int = 0,
    progress: Callable[[ProgressEvent], None] | None = None,
    target_name: str = "target",
) -> ComparisonResult:
    """Fit the same regularized GLM with several solvers and score each.

    Parameters
    ----------
    X : array-like or scipy.sparse matrix, shape (n_samples, n_features)
    y : array-like, shape (n_samples,)
        Real values (regression) or labels of any type (classification).
    task : {"auto", "classification", "regression"}, default "auto"
        ``"auto"`` follows :func:`optimlab.datasets.infer_task`. Classification uses the
        logistic loss for two classes and the multinomial loss for more; regression the squared loss.
    penalty : {"none", "l2", "l1", "elasticnet"}, default "l2"
    alpha : float, optional
        Regularization strength. Default: ``1 / n_train`` for ``"l2"`` (scikit-learn's ``C=1``),
        ``0.01 * alpha_max`` for ``"l1"`` and ``"elasticnet"`` (a sparse but non-empty model).
    l1_ratio : float, optional
        Elastic-net mix in (0, 1), default 0.5; only for ``penalty="elasticnet"``.
    solvers : str or sequence of str, optional
        Solver names (a comma-separated string or a list); default: every solver that can
        minimize the objective (:func:`optimlab.solvers.solvers_for`).
    test_size : float, default 0.25
        Share of the rows held out for the metrics (stratified for classification); 0 keeps
        every row for training and reports no metric.
    time_limit : float, optional
        Seconds per solver.
    tol : float, default 1e-6
        Relative tolerance; each solver stops when its certificate is at most
        ``tol * objective.certificate_scale()``.
    max_iter : int, optional
        Iterations (epochs for stochastic solvers) per solver; default: each solver's own.
    random_state : int, default 0
        Seed of the split and of the stochastic solvers.
    progress : callable, optional
        Called with a :class:`ProgressEvent` before, during and after each solver.
    target_name : str, default "target"
        What messages call ``y`` (the target column's name).

    Returns
    -------
    ComparisonResult

    Notes
    -----
    Features are standardized with statistics of the training part (sparse features are scaled
    but not centred, to stay sparse). Numba-compiled solvers are first run on a tiny slice of the
    data so that the times do not include compilation. A solver that stops before its
    certificate reaches the tolerance is reported as not converged (its ConvergenceWarning is not
    re-emitted); one that raises is reported with the error and no result.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from optimlab.compare import compare
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> result = compare(X, y, solvers="lbfgs,newton", time_limit=5.0)
    >>> sorted(row["solver"] for row in result.rows())
    ['lbfgs', 'newton']
    """
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    penalty = _check_choice(penalty, "penalty", PENALTIES)
    task = _check_choice(task, "task", ("auto", "classification", "regression"))
    test_size = check_real(test_size, "test_size", low=0.0, high=1.0, high_open=True)
    tol = check_real(tol, "tol", low=0.0, low_open=True)
    time_limit = check_real(time_limit, "time_limit", low=0.0, low_open=True, allow_none=True)
    if max_iter is not None:
        max_iter = check_int(max_iter, "max_iter", low=1)
    random_state = check_int(random_state, "random_state", low=0)
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}.")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]} entries; they must match.")

    if task == "auto":
        task, reason = infer_task(y)
        task_note = f"{task} (inferred: {reason})"
    else:
        task_note = f"{task} (as requested)"
    y = check_target(y, task, target=target_name)

    if test_size > 0.0:
        stratify = y if task == "classification" else None
        if stratify is not None:
            labels, counts = np.unique(y, return_counts=True)
            if counts.min() < 2:
                raise ValueError(
                    f"Class {labels[np.argmin(counts)]!r} has a single example, so it cannot be split "
                    "between training and test data; remove it or set test_size to 0."
                )
        try:
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, test_size=test_size, random_state=random_state, stratify=stratify
            )
        except ValueError as exc:
            raise ValueError(
                f"Cannot hold out test_size={test_size:g} of {y.shape[0]} rows: {exc}"
            ) from None
    else:
        X_train, X_test, y_train, y_test = X, X[:0], y, y[:0]

    scaler = StandardScaler(with_mean=not sp.issparse(X_train)).fit(X_train)
    X_train = scaler.transform(X_train)
    if y_test.shape[0]:
        X_test = scaler.transform(X_test)

    if task == "regression":
        datafit = "squared"
    else:
        datafit = "logistic" if np.unique(y_train).size == 2 else "multinomial"
    alpha, l1_ratio, alpha_note = _penalty_strength(penalty, alpha, l1_ratio, X_train, y_train, datafit)
    objective = Objective(X_train, y_train, datafit=datafit, penalty=make_penalty(penalty, alpha, l1_ratio))
    names = _choose_solvers(solvers, objective)
    tol_abs = tol * objective.certificate_scale()

    runs = []
    for index, name in enumerate(names):
        spec = get_solver(name)
        options = {"tol": tol_abs, "time_limit": time_limit}
        if max_iter is not None:
            options["max_iter"] = max_iter
        if spec.stochastic:
            options["random_state"] = random_state
        _warm_up(name, objective, options)
        if progress is not None:
            progress(ProgressEvent(name, index, len(names), "start"))
            options["callback"] = _reporter(progress, name, index, len(names))
        run = SolverRun(name, spec.stochastic, result=None)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                run.result = solve(objective, name, **options)
        except Exception as exc:  # one failing contestant must not end the comparison
            run.error = f"{type(exc).__name__}: {exc}"
        runs.append(run)
        if progress is not None:
            res = run.result
            progress(ProgressEvent(name, index, len(names), "done",
                                   n_iter=res.n_iter if res else 0,
                                   certificate=res.certificate if res else math.nan,
                                   elapsed=res.time if res else 0.0))

    finished = [r.result.fun for r in runs if r.result is not None]
    f_best = min(finished) if finished else math.nan
    metric_names = _metric_names(task) if y_test.shape[0] else ()
    for run in runs:
        if run.result is None:
            continue
        run.rel_subopt = (run.result.fun - f_best) / _denominator(f_best)
        if metric_names:
            run.metrics = _held_out_metrics(objective, run.result.x, X_test, y_test)

    return ComparisonResult(
        runs=runs,
        task=task,
        task_note=task_note,
        datafit=datafit,
        penalty=penalty,
        alpha=alpha,
        l1_ratio=l1_ratio,
        alpha_note=alpha_note,
        tol=tol,
        tol_abs=tol_abs,
        time_limit=time_limit,
        certificate_kind=objective.certificate_kind,
        f_best=f_best,
        n_train=objective.n_samples,
        n_test=int(y_test.shape[0]),
        n_features=objective.n_features,
        classes=None if objective.classes is None else list(objective.classes),
        metric_names=metric_names,
        random_state=random_state,
    )


# -- problem ---------------------------------------------------------------------------------------
def _check_choice(value, name: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value.lower() not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}.")
    return value.lower()


def _penalty_strength(penalty, alpha, l1_ratio, X, y, datafit) -> tuple[float, float, str]:
    """The (alpha, l1_ratio) to use and a sentence saying how alpha was chosen."""
    if penalty != "elasticnet" and l1_ratio is not None:
        raise ValueError(f"l1_ratio applies to penalty='elasticnet' only, got penalty={penalty!r}.")
    if penalty == "none":
        if alpha is not None:
            raise ValueError(f"alpha has no effect with penalty='none' (got alpha={alpha!r}).")
        return 0.0, 0.0, "no penalty"
    ratio = {"l2": 0.0, "l1": 1.0}.get(penalty)
    if ratio is None:
        ratio = 0.5 if l1_ratio is None else check_real(l1_ratio, "l1_ratio", low=0.0, high=1.0,
                                                         low_open=True, high_open=True)
    if alpha is not None:
        return check_real(alpha, "alpha", low=0.0, low_open=True), ratio, "given"
    if penalty == "l2":
        n = X.shape[0]
        return 1.0 / n, ratio, f"default 1/n_train = 1/{n}, as scikit-learn's C=1"
    alpha_max = Objective(X, y, datafit=datafit).alpha_max(ratio)
    return (L1_ALPHA_FRACTION * alpha_max, ratio,
            f"default {L1_ALPHA_FRACTION:g} * alpha_max (alpha_max = {alpha_max:.4g})")


def _choose_solvers(solvers, objective: Objective) -> list[str]:
    able = solvers_for(objective)
    if solvers is None:
        return able
    if isinstance(solvers, str):
        solvers = solvers.split(",")
    wanted = []
    for name in solvers:
        key = str(name).strip().lower()
        if key and key not in wanted:
            wanted.append(key)
    if not wanted:
        raise ValueError(f"solvers is empty; solvers for this problem: {', '.join(able)}.")
    known = available_solvers()
    for key in wanted:
        if key not in known:
            raise ValueError(f"Unknown solver {key!r}; solvers for this problem: {', '.join(able)}.")
        if key not in able:
            why = " and ".join(known[key].missing(objective))
            raise ValueError(
                f"Solver {key!r} cannot solve this problem (it {why}); solvers for this problem: "
                f"{', '.join(able)}."
            )
    return wanted


def _warm_up(name: str, objective: Objective, options: dict) -> None:
    """Run ``name`` for two iterations on a few rows, so that JIT compilation is not timed."""
    rows = _few_rows(objective)
    try:
        small = Objective(objective.X_csr[rows], _labels(objective)[rows], datafit=objective.datafit,
                          penalty=objective.penalty)
        kwargs = {k: v for k, v in options.items() if k in ("tol", "random_state")}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            solve(small, name, max_iter=2, **kwargs)
    except Exception:  # the real run reports any problem; warming up is only an optimization
        return


def _few_rows(objective: Objective) -> np.ndarray:
    if objective.classes is None:
        return np.arange(min(objective.n_samples, 32))
    codes = _codes(objective)
    return np.sort(np.concatenate([np.flatnonzero(codes == k)[:8] for k in range(len(objective.classes))]))


def _codes(objective: Objective) -> np.ndarray:
    """Class index of each training row."""
    y = objective.y
    return np.argmax(y, axis=1) if y.ndim == 2 else (y > 0).astype(int)


def _labels(objective: Objective) -> np.ndarray:
    return objective.y if objective.classes is None else np.asarray(objective.classes)[_codes(objective)]


def _reporter(progress, name: str, index: int, total: int):
    last = [time.perf_counter()]

    def callback(result: Result) -> None:
        now = time.perf_counter()
        if now - last[0] >= _PROGRESS_EVERY:
            last[0] = now
            progress(ProgressEvent(name, index, total, "iteration", n_iter=result.n_iter,
                                   certificate=result.certificate, elapsed=result.time))

    return callback


# -- scores ----------------------------------------------------------------------------------------
def _denominator(f_best: float) -> float:
    return abs(f_best) if f_best != 0.0 and np.isfinite(f_best) else 1.0


def _metric_names(task: str) -> tuple[str, ...]:
    return ("accuracy", "f1", "log_loss") if task == "classification" else ("mse", "r2")


def _held_out_metrics(objective: Objective, x: np.ndarray, X_test, y_test) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score, log_loss, mean_squared_error, r2_score

    coef, intercept = objective.split(x)
    z = np.asarray(X_test @ coef) + intercept
    if objective.classes is None:
        return {"mse": float(mean_squared_error(y_test, z)), "r2": float(r2_score(y_test, z))}
    classes = np.asarray(objective.classes)
    proba = np.column_stack([expit(-z), expit(z)]) if z.ndim == 1 else softmax(z, axis=1)
    predicted = classes[np.argmax(proba, axis=1)]
    if classes.size == 2:
        f1 = f1_score(y_test, predicted, pos_label=classes[1], average="binary")
    else:
        f1 = f1_score(y_test, predicted, average="macro")
    return {
        "accuracy": float(accuracy_score(y_test, predicted)),
        "f1": float(f1),
        "log_loss": float(log_loss(y_test, proba, labels=classes)),
    }


def _plain(value):
    """A NumPy scalar as the Python value JSON understands."""
    return value.item() if isinstance(value, np.generic) else value
