"""Reports of a tuning study: the leaderboard, three plots, and the JSON/CSV files.

Everything here reads a :class:`~optimlab.tuning.TuningResult`:

- :func:`leaderboard_table`: the best trials as a rich table;
- :func:`history_plot`: the score of every trial and the best so far (pruned trials marked);
- :func:`alpha_plot`: the cross-validation score against ``alpha`` with one-standard-error bars;
- :func:`param_importances` and :func:`importance_plot`: Optuna's PED-ANOVA importances;
- :func:`save_tuning`: the trials as CSV, and the best configuration with the settings as JSON.

A plot that has nothing to show (no trial with an ``alpha``, too few trials for importances)
raises :class:`NothingToPlot`, whose message says why, so that a front-end prints a note
instead of an empty figure. Figures are bare matplotlib ``Figure`` objects rendered with Agg.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
from optuna.trial import TrialState
from rich.table import Table

from optimlab.report.tables import _json_ready, format_value
from optimlab.tuning import TuningResult
from optimlab.tuning.metrics import get_metric

__all__ = [
    "MIN_IMPORTANCE_TRIALS",
    "NothingToPlot",
    "alpha_plot",
    "best_se",
    "format_param",
    "history_plot",
    "importance_plot",
    "leaderboard_table",
    "param_columns",
    "param_importances",
    "save_tuning",
]

#: Complete trials below which importances are not computed: PED-ANOVA compares the top 10 % of
#: the trials with the rest, which needs a handful of trials on each side.
MIN_IMPORTANCE_TRIALS = 10
#: Columns of :attr:`TuningResult.trials` that are not hyperparameters.
_LEADING = ("solver", "penalty", "alpha", "l1_ratio")
_BOOKKEEPING = {"state", "kind", "folds", "n_iter", "not_converged", "seconds", "worker", "retry_of",
                "copy_of"}


class NothingToPlot(Exception):
    """A plot or a statistic has nothing to show; the message says why (for a note)."""


# -- the terminal table ----------------------------------------------------------------------------
def param_columns(result: TuningResult) -> list[str]:
    """The hyperparameter columns of ``result.trials``, in the order of the table."""
    metric = result.metric
    scores = {metric, f"{metric}_se"}
    columns = [c for c in result.trials.columns if c not in _BOOKKEEPING and c not in scores]
    # the model's own choices first; a path trial's alpha joins the frame after the sampled ones
    first = [c for c in _LEADING if c in columns]
    return first + [c for c in columns if c not in first]


def format_param(value) -> str:
    """A parameter value for a table: ``"-"`` when the trial did not sample it, ``"none"`` for None."""
    if value is None:
        return "none"
    if isinstance(value, float | np.floating):
        return "-" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def leaderboard_table(result: TuningResult, *, k: int = 10, title: str | None = None) -> Table:
    """The ``k`` best complete trials as a rich table, best first (in bold), repeats left out.

    Columns: rank, trial number, mean CV score ± its standard error over the folds, every
    hyperparameter (``-`` where a conditional one was not sampled), the kind of trial (``path``
    trials searched ``alpha`` along a warm-started path), solver iterations and seconds. A trial
    whose parameters repeat an earlier trial's (its result copied from it) is not listed.
    """
    metric = get_metric(result.metric)
    arrow = "↑" if metric.greater_is_better else "↓"
    params = param_columns(result)
    states = result.trials["state"].value_counts() if len(result.trials) else pd.Series(dtype=int)
    caption = (
        f"{result.metric}: mean ± standard error over {len(result.fold_scores)} folds; "
        f"{arrow}: {'higher' if metric.greater_is_better else 'lower'} is better. "
        f"{int(states.get('complete', 0))} complete, {int(states.get('pruned', 0))} pruned, "
        f"{int(states.get('fail', 0))} failed trials in the study."
    )
    if "path" in set(result.trials.get("kind", ())):
        caption += "\npath: alpha is the best point of the warm-started path fitted in that trial."
    table = Table(title=title, caption_justify="left")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("trial", justify="right", no_wrap=True)
    table.add_column(f"{result.metric} {arrow}", justify="right", no_wrap=True)
    for name in params:
        table.add_column(name, justify="right", no_wrap=True)
    for name in ("kind", "iter", "time (s)"):
        table.add_column(name, justify="right", no_wrap=True)
    finished = {t.number: t for t in _finished_trials(result)}
    copies = {n for n, t in finished.items() if "duplicate_of" in t.user_attrs}
    if copies:
        caption += (f"\n{len(copies)} trial{'s' if len(copies) > 1 else ''} repeated the parameters of an "
                    "earlier one (result copied, not refitted): not listed; the CSV has every trial.")
    board = result.leaderboard(len(result.trials))
    board = board[~board.index.isin(copies)].head(k)
    for rank, (number, row) in enumerate(board.iterrows(), start=1):
        mean, se = row[result.metric], row[f"{result.metric}_se"]
        score = f"{format_value(mean, 'metric')} ± {format_value(se, 'metric')}"
        # the trial's own params tell a sampled None (penalty "none") from a parameter not sampled
        sampled = finished[number].params
        cells = [str(rank), str(number), score,
                 *(format_param(sampled[name] if name in sampled else row[name]) for name in params),
                 format_param(row.get("kind")), _count(row.get("n_iter")),
                 format_value(row.get("seconds"), "time")]
        table.add_row(*cells, style="bold" if number == result.best_trial else None)
    table.caption = caption
    return table


def _count(value) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else str(int(value))


# -- plots -------------------------------------------------------------------------------------------
def _figure(size):
    # A bare Figure renders with Agg and leaves pyplot's global backend and state alone.
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout="constrained")


def _finished_trials(result: TuningResult):
    """The study's trials that belong to the table (surplus trials, which never ran, left out)."""
    return [t for t in result.study.get_trials(deepcopy=False) if t.number in result.trials.index]


def history_plot(result: TuningResult, path, *, title: str | None = None) -> Path:
    """Save the optimization history as a PNG: each trial's CV score and the best so far.

    Complete trials are dots, the best-so-far a step line; a pruned trial is a cross at the last
    running score it reported (the running mean over the folds it finished), which is what the
    pruner compared. The score axis is logarithmic when the scores are positive and span more
    than two decades (a loss that exploded for some trials).
    """
    metric = get_metric(result.metric)
    fig = _figure((8, 4.5))
    ax = fig.subplots()
    done = [(t.number, t.value) for t in _finished_trials(result) if t.state == TrialState.COMPLETE]
    pruned = [(t.number, t.intermediate_values[max(t.intermediate_values)])
              for t in _finished_trials(result)
              if t.state == TrialState.PRUNED and t.intermediate_values]
    numbers = np.array([n for n, _ in done])
    values = np.array([v for _, v in done], dtype=float)
    ax.plot(numbers, values, "o", color="tab:blue", markersize=5, label="complete trial")
    if pruned:
        ax.plot([n for n, _ in pruned], [v for _, v in pruned], "x", color="tab:red", markersize=6,
                label="pruned (last running score)")
    best = np.maximum.accumulate(values) if metric.greater_is_better else np.minimum.accumulate(values)
    ax.step(numbers, best, where="post", color="tab:orange", linewidth=2, label="best so far")
    ax.plot([result.best_trial], [result.best_score], "*", color="tab:orange", markersize=14,
            markeredgecolor="black", label=f"best: trial {result.best_trial}")
    shown = np.concatenate([values, [v for _, v in pruned]]) if pruned else values
    shown = shown[np.isfinite(shown)]
    if shown.size and shown.min() > 0 and shown.max() / shown.min() > 100:
        ax.set_yscale("log")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("trial")
    ax.set_ylabel(f"CV {result.metric} ({'higher' if metric.greater_is_better else 'lower'} is better)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    name = result.study.study_name
    # Optuna names an unnamed in-memory study "no-name-<uuid>", which says nothing
    ax.set_title(title or "Optimization history"
                 + ("" if name.startswith("no-name-") else f" of study {name!r}"))
    path = Path(path)
    fig.savefig(path, dpi=120)
    return path


def _path_curves(result: TuningResult) -> dict[str, dict]:
    """The best complete path trial of each penalty (and the best overall): alphas, mean, se."""
    sign = 1.0 if get_metric(result.metric).greater_is_better else -1.0
    curves: dict[str, dict] = {}
    for trial in _finished_trials(result):
        attrs = trial.user_attrs
        if trial.state != TrialState.COMPLETE or "path_alphas" not in attrs:
            continue
        label = ", ".join(f"{k}={format_param(v)}" for k, v in trial.params.items()) or "path"
        key = format_param(trial.params.get("penalty", label))
        if key not in curves or sign * trial.value > sign * curves[key]["value"]:
            curves[key] = {"value": trial.value, "number": trial.number, "label": label,
                           "alpha": np.asarray(attrs["path_alphas"]), "mean": np.asarray(attrs["path_mean"]),
                           "se": np.asarray(attrs["path_se"])}
    return curves


def alpha_plot(result: TuningResult, path, *, title: str | None = None) -> Path:
    """Save the CV score against ``alpha`` (log scale) with one-standard-error bars as a PNG.

    For path-aware trials, the path of the best trial of each penalty is drawn (mean ± SE over
    the folds at every alpha of the path; the best trial's path in bold, its best alpha starred).
    Trials that sampled ``alpha`` (stochastic solvers, ``path_search=False``) are points with
    their own error bars, coloured by penalty.

    Raises
    ------
    NothingToPlot
        When no complete trial has an ``alpha`` (no penalty was tuned).
    """
    metric = get_metric(result.metric)
    curves = _path_curves(result)
    trials = result.trials
    done = trials[(trials["state"] == "complete")] if len(trials) else trials
    sampled = done[done["kind"] != "path"] if "kind" in done else done
    if "alpha" in sampled:
        sampled = sampled[sampled["alpha"].notna()]
    else:
        sampled = sampled.iloc[:0]
    if not curves and sampled.empty:
        raise NothingToPlot(
            "no complete trial has an alpha (no penalty was tuned), so there is no CV-vs-alpha plot"
        )

    fig = _figure((8, 4.5))
    ax = fig.subplots()
    for curve in sorted(curves.values(), key=lambda c: c["number"] != result.best_trial):
        best = curve["number"] == result.best_trial
        ax.errorbar(curve["alpha"], curve["mean"], yerr=curve["se"], marker="o", markersize=3, capsize=2,
                    linewidth=2.2 if best else 1.0, alpha=1.0 if best else 0.7, zorder=3 if best else 2,
                    label=f"trial {curve['number']}: {curve['label']}" + (" (best)" if best else ""))
    if not sampled.empty:
        groups = (sampled.groupby(sampled["penalty"].map(format_param)) if "penalty" in sampled
                  else [("", sampled)])
        for key, group in groups:
            ax.errorbar(group["alpha"], group[result.metric], yerr=group[f"{result.metric}_se"].fillna(0.0),
                        fmt="s", markersize=4, capsize=2, alpha=0.8,
                        label=f"sampled alpha{', penalty=' + key if key else ''}")
    best_alpha = result.best_params.get("alpha")
    if best_alpha is not None:
        ax.plot([best_alpha], [result.best_score], "*", color="black", markersize=14, zorder=5,
                label=f"best: alpha={best_alpha:.3g}")
    ax.set_xscale("log")
    ax.set_xlabel("alpha (regularization strength)")
    ax.set_ylabel(f"CV {result.metric} ({'higher' if metric.greater_is_better else 'lower'} is better)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize="small")
    ax.set_title(title or f"CV {result.metric} vs alpha: mean ± 1 SE over {len(result.fold_scores)} folds")
    path = Path(path)
    fig.savefig(path, dpi=120)
    return path


def param_importances(result: TuningResult, *, min_trials: int = MIN_IMPORTANCE_TRIALS) -> dict[str, float]:
    """Optuna's PED-ANOVA importances of the sampled parameters (normalized to sum to 1).

    Conditional parameters count on the trials that sampled them. ``alpha`` of path-aware
    trials is chosen inside each trial, so it is not one of the sampled parameters.

    Raises
    ------
    NothingToPlot
        With fewer than ``min_trials`` complete trials, fewer than two parameters that vary,
        or when Optuna cannot compute them.
    """
    complete = [t for t in _finished_trials(result) if t.state == TrialState.COMPLETE]
    if len(complete) < min_trials:
        raise NothingToPlot(
            f"parameter importances need at least {min_trials} complete trials, the study has {len(complete)}"
        )
    seen: dict[str, set] = {}
    for trial in complete:
        for name, value in trial.params.items():
            seen.setdefault(name, set()).add(value)
    varying = [name for name, values in seen.items() if len(values) > 1]
    if len(varying) < 2:
        only = f" (only {varying[0]})" if varying else ""
        raise NothingToPlot(
            f"parameter importances need at least two sampled parameters that vary, the study has "
            f"{len(varying)}{only}"
        )
    try:
        with warnings.catch_warnings():
            # small studies make PED-ANOVA warn about its quantiles; the minimum above is the answer
            warnings.simplefilter("ignore")
            importances = optuna.importance.get_param_importances(
                result.study, evaluator=optuna.importance.PedAnovaImportanceEvaluator(), params=varying)
    except (ValueError, RuntimeError, ZeroDivisionError) as exc:
        raise NothingToPlot(f"Optuna could not compute parameter importances ({exc})") from None
    importances = {name: float(value) for name, value in importances.items() if math.isfinite(value)}
    if len(importances) < 2:
        raise NothingToPlot("Optuna returned importances for fewer than two parameters")
    return importances


def importance_plot(result: TuningResult, path, *, importances: dict[str, float] | None = None,
                    title: str | None = None) -> Path:
    """Save the parameter importances as a horizontal bar chart (PNG), most important on top.

    ``importances`` defaults to :func:`param_importances` (which raises :class:`NothingToPlot`).
    """
    if importances is None:
        importances = param_importances(result)
    names = list(importances)[::-1]
    fig = _figure((7, 0.5 * len(names) + 1.8))
    ax = fig.subplots()
    ax.barh(names, [importances[n] for n in names], color="tab:blue")
    for y, name in enumerate(names):
        ax.annotate(f"{importances[name]:.2f}", (importances[name], y), xytext=(3, 0),
                    textcoords="offset points", va="center", fontsize="small")
    ax.set_xlim(0, max(importances.values()) * 1.15 or 1.0)
    ax.set_xlabel(f"importance for the CV {result.metric} (PED-ANOVA, sums to 1)")
    ax.grid(True, axis="x", alpha=0.3)
    n = int((result.trials["state"] == "complete").sum())
    ax.set_title(title or f"Parameter importances over {n} complete trials")
    if "path" in set(result.trials.get("kind", ())):
        ax.set_title("alpha is searched along the path inside each trial: not rated here",
                     loc="right", fontsize="small", color="0.4", pad=-12, y=-0.001)
    path = Path(path)
    fig.savefig(path, dpi=120)
    return path


# -- files ---------------------------------------------------------------------------------------------
def best_se(result: TuningResult) -> float:
    """The standard error of the best score over the folds (NaN with one fold)."""
    scores = np.asarray(result.fold_scores, dtype=float)
    return float(scores.std(ddof=1) / np.sqrt(scores.size)) if scores.size > 1 else math.nan


def save_tuning(result: TuningResult, csv_path, json_path, *, dataset: str, settings: dict,
                extra: dict | None = None) -> None:
    """Write the trials table as CSV and the best configuration with the settings as JSON.

    The CSV is :attr:`TuningResult.trials` (one row per trial, index ``trial``). The JSON holds
    ``dataset``, ``study``, ``metric``, ``direction``, ``best_trial``, ``best_score``,
    ``best_se``, ``best_params``, ``fold_scores``, ``cv_path`` (None unless the best trial was
    path-aware), the trial counts, ``time_s``, then ``extra`` and ``settings``; missing numbers
    are ``null``.
    """
    result.trials.to_csv(csv_path)
    states = result.trials["state"].value_counts()
    document = {
        "dataset": dataset,
        "study": result.study.study_name,
        "metric": result.metric,
        "direction": result.direction,
        "best_trial": result.best_trial,
        "best_score": result.best_score,
        "best_se": best_se(result),
        "best_params": result.best_params,
        "fold_scores": np.asarray(result.fold_scores).tolist(),
        "cv_path": None if result.cv_path is None else result.cv_path.to_dict(orient="list"),
        "trials": {state: int(states.get(state, 0)) for state in ("complete", "pruned", "fail")},
        "time_s": result.time,
        **(extra or {}),
        "settings": settings,
    }
    with open(json_path, "w", encoding="utf-8") as handle:
        json.dump(_json_ready(document), handle, indent=2, allow_nan=False)
        handle.write("\n")
