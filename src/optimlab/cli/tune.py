"""``optimlab tune``: tune a regularized linear model by cross-validation with Optuna; report and plot it."""

from __future__ import annotations

import math
from contextlib import nullcontext
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import numpy as np
import optuna
import scipy.sparse as sp
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from optimlab.cli._common import consoles, output_paths
from optimlab.cli.compare import EXIT_BAD_INPUT
from optimlab.datasets import DataError, check_target, infer_task, load_builtin, load_table
from optimlab.models import LinearRegression, LogisticRegression
from optimlab.models._base import datafit_name
from optimlab.objectives import Objective
from optimlab.objectives.penalties import make_penalty
from optimlab.report.tuning import (
    NothingToPlot,
    alpha_plot,
    best_se,
    format_param,
    history_plot,
    importance_plot,
    leaderboard_table,
    param_importances,
    save_tuning,
)
from optimlab.solvers import get_solver, solvers_for
from optimlab.solvers.schedules import SCHEDULES
from optimlab.tuning import Categorical, Float, Int, tune
from optimlab.tuning._study import FINISHED, counts, open_storage
from optimlab.tuning.metrics import check_metric_task, get_metric
from optimlab.tuning.space import Dimension

OUTPUTS = ("trials.csv", "tuning.json", "history.png", "cv_alpha.png", "importance.png")
DEFAULT_OUT = Path("optimlab-tune")
#: Exit status of a run that failed after its input was accepted (no trial completed, ...).
EXIT_FAILED = 1
#: Exit status after Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130
#: Trials when neither --trials nor --timeout is given.
DEFAULT_TRIALS = 20
PENALTY_NAMES = ("l1", "l2", "elasticnet", "none")
#: The elastic-net mix is kept off 0 and 1, which are the l2 and l1 penalties tuned on their own.
L1_RATIO_RANGE = (0.05, 0.95)
BATCH_SIZES = (16, 32, 64, 128, 256)
#: Values per continuous dimension under --sampler grid (which needs finite dimensions).
GRID_POINTS = 4
L1_RATIO_GRID_STEP = 0.15


class ModelName(StrEnum):
    linear = "linear"
    logistic = "logistic"


class SamplerName(StrEnum):
    tpe = "tpe"
    random = "random"
    grid = "grid"
    cmaes = "cmaes"
    qmc = "qmc"


class PrunerName(StrEnum):
    median = "median"
    halving = "halving"
    hyperband = "hyperband"
    none = "none"


def main(
    data: Annotated[Path | None, typer.Argument(
        show_default=False,
        help="CSV file with a header, or LIBSVM/svmlight file. Default: scikit-learn's breast-cancer data.",
    )] = None,
    target: Annotated[str | None, typer.Option("--target", "-t", help="Label column of a CSV file.")] = None,
    model: Annotated[ModelName | None, typer.Option(
        help="linear (least squares) or logistic regression. Default: from the target (labels: logistic).",
        show_default=False)] = None,
    penalty: Annotated[str, typer.Option(
        help="Penalties to try: l1, l2, elasticnet, none, or a comma-separated list of them; "
             "all = l1,l2,elasticnet.")] = "all",
    alpha_min: Annotated[float, typer.Option(help="Smallest penalty strength (log scale).")] = 1e-5,
    alpha_max: Annotated[float, typer.Option(help="Largest penalty strength.")] = 1.0,
    alpha_grid: Annotated[int, typer.Option(
        help="Alphas of the warm-started path each trial fits (path-aware trials).", min=2)] = 20,
    path_search: Annotated[bool, typer.Option(
        "--path/--no-path", help="Search alpha along a regularization path inside each trial "
                                 "(--no-path: let the sampler draw alpha like any other parameter).")] = True,
    solver: Annotated[str, typer.Option(
        help="Solver, or a comma-separated list for the sampler to choose from; stochastic ones (sgd, adam, "
             "...) also tune learning_rate, max_iter (epochs), batch_size and schedule.")] = "auto",
    learning_rate_min: Annotated[float | None, typer.Option(
        help="Smallest learning rate of stochastic solvers. Default 1e-4.", show_default=False)] = None,
    learning_rate_max: Annotated[float | None, typer.Option(
        help="Largest learning rate of stochastic solvers. Default 0.1.", show_default=False)] = None,
    epochs_max: Annotated[int | None, typer.Option(
        help="Most epochs of stochastic solvers (max_iter, searched from 5 on a log scale). Default 100.",
        show_default=False)] = None,
    tol: Annotated[float, typer.Option(help="Relative tolerance of every fit.")] = 1e-4,
    trials: Annotated[int | None, typer.Option(
        help=f"Finished trials the study should have (a resumed study runs only the missing ones). "
             f"Default: {DEFAULT_TRIALS}, or no limit with --timeout.", show_default=False, min=1)] = None,
    timeout: Annotated[float | None, typer.Option(
        help="Seconds after which no new trial starts.", show_default=False)] = None,
    cv: Annotated[int, typer.Option(help="Folds (shuffled, stratified for classes).", min=2)] = 5,
    scoring: Annotated[str | None, typer.Option(
        help="Metric to optimize (accuracy, roc_auc, f1, log_loss, mse, r2, ... or a scikit-learn scorer "
             "name). Default: log_loss for classification, mse for regression.", show_default=False)] = None,
    sampler: Annotated[SamplerName, typer.Option(help="Optuna sampler.")] = SamplerName.tpe,
    pruner: Annotated[PrunerName, typer.Option(help="Optuna pruner (stops unpromising trials early).")
                      ] = PrunerName.median,
    storage: Annotated[str | None, typer.Option(
        help="Study storage to resume or share: sqlite:///study.db, postgresql://user@host/db, or a "
             "journal file (study.log). Needs --study.", show_default=False)] = None,
    study: Annotated[str | None, typer.Option(
        "--study", help="Study name in the storage; the same name resumes it.", show_default=False)] = None,
    jobs: Annotated[int, typer.Option(help="Worker processes (-1: one per core).", min=-1)] = 1,
    seed: Annotated[int, typer.Option(
        help="Seed of the folds, the sampler and stochastic solvers.", min=0)] = 0,
    standardize: Annotated[bool, typer.Option(
        "--standardize/--no-standardize",
        help="Scale the features to unit variance (and centre dense ones) so that one alpha suits them all.")
    ] = True,
    top: Annotated[int, typer.Option(help="Trials shown in the leaderboard.", min=1)] = 10,
    out: Annotated[Path, typer.Option(help="Folder for the CSV, JSON and PNG outputs.")] = DEFAULT_OUT,
    force: Annotated[bool, typer.Option("--force", help="Overwrite outputs already in --out.")] = False,
) -> None:
    """Tune a regularized linear or logistic regression by cross-validation (Optuna); plot the search."""
    console, errors = consoles()

    def fail(exc: BaseException, code: int) -> typer.Exit:
        errors.print(f"Error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return typer.Exit(code)

    try:
        paths = output_paths(out, OUTPUTS, force=force)
        if storage is not None and study is None:
            raise ValueError(f"--storage needs --study to resume: name the study to create or resume in "
                             f"{_shown_storage(storage)}.")
        if timeout is not None and not timeout > 0:
            raise ValueError(f"--timeout must be a positive number of seconds, got {timeout:g}.")
        if jobs == 0:
            raise ValueError("--jobs must be a number of worker processes (at least 1), or -1 for one per "
                             "core.")
        table = _load(data, target, console)
        model_name, y, task_note = _choose_model(model, table.y, table.target)
        console.print(f"Model: {model_name} regression ({task_note}).")
        X = table.X
        if standardize:
            X = _standardize(X)
            console.print("Features standardized over all rows (--no-standardize to keep them as they are).")
        classifier = model_name == "logistic"
        metric = get_metric(scoring if scoring is not None else ("log_loss" if classifier else "mse"),
                            n_classes=np.unique(y).size if classifier else None)
        check_metric_task(metric, classifier=classifier)
        penalties = _penalties(penalty)
        solvers = _solvers(solver)
        _check_solvers(solvers, penalties, X, y, model_name)
        space = build_space(
            penalties=penalties, solvers=solvers, alpha=(alpha_min, alpha_max), alpha_grid=alpha_grid,
            learning_rate=(learning_rate_min, learning_rate_max), epochs_max=epochs_max,
            n_samples=X.shape[0] - X.shape[0] // cv, griddable=sampler is SamplerName.grid,
        )
        estimator = (LogisticRegression if classifier else LinearRegression)(tol=tol)
        n_trials = DEFAULT_TRIALS if trials is None and timeout is None else trials
        before = _finished_before(storage, study, console, n_trials)
        if study is not None and storage is None:
            console.print(f"Study {study!r} is kept in memory (no --storage): it cannot be resumed.")
        console.print(f"Search space: {describe_space(space, path_search)}.")
        # A live display only on a terminal: logs and pipes get no control characters.
        remaining = None if n_trials is None else max(n_trials - before, 0)
        with _TrialProgress(errors, remaining, metric.name) if errors.is_terminal else nullcontext() as show:
            result = tune(
                estimator, space, X, y, cv=cv, scoring=metric, n_trials=n_trials, timeout=timeout,
                sampler=sampler.value, pruner=pruner.value, storage=storage, study_name=study, n_jobs=jobs,
                random_state=seed, alpha_grid=alpha_grid, path_search=path_search,
                callbacks=() if show is None else (show,),
            )
    except KeyboardInterrupt:
        kept = " The finished trials are in the storage: run the same command to resume." if storage else ""
        raise fail(KeyboardInterrupt(f"interrupted.{kept}"), EXIT_INTERRUPTED) from None
    except (ValueError, TypeError) as exc:  # DataError, unknown names and every check of the options
        raise fail(exc, EXIT_BAD_INPUT) from None
    except (RuntimeError, ImportError) as exc:  # no trial completed; a missing database driver
        raise fail(exc, EXIT_FAILED) from None

    finished = counts(result.study)[0]
    console.print(_run_summary(result, before, finished, n_trials, timeout))
    console.print(leaderboard_table(result, k=top, title=f"optimlab tune: {table.name}"))
    console.print(_best_text(result, (alpha_min, alpha_max)))
    coefficients = _best_model(result.best_estimator, table.feature_names)
    console.print(f"Refitted on all {X.shape[0]} rows: {coefficients['n_nonzero']} of "
                  f"{coefficients['n_coef']} coefficients are nonzero.")

    settings = {
        "model": model_name, "penalty": [format_param(p) for p in penalties], "solver": solvers,
        "alpha_min": alpha_min, "alpha_max": alpha_max, "alpha_grid": alpha_grid, "path_search": path_search,
        "learning_rate_min": learning_rate_min, "learning_rate_max": learning_rate_max,
        "epochs_max": epochs_max, "tol": tol, "trials": n_trials, "timeout": timeout, "cv": cv,
        "scoring": metric.name, "sampler": sampler.value, "pruner": pruner.value,
        "storage": None if storage is None else _shown_storage(storage),
        "study": result.study.study_name, "jobs": jobs, "seed": seed, "standardize": standardize,
        "n_samples": X.shape[0], "n_features": X.shape[1], "target": table.target,
    }
    extra = {"trials_before": before, "trials_run": finished - before, "best_model": coefficients}
    out.mkdir(parents=True, exist_ok=True)
    written = _write_outputs(result, paths, console, dataset=table.name, settings=settings, extra=extra)
    console.print(f"Wrote {', '.join(str(p) for p in written)}.")


# -- inputs ---------------------------------------------------------------------------------------

def _load(data: Path | None, target: str | None, console: Console):
    if data is None:
        if target is not None:
            raise DataError(f"--target {target!r} needs a DATA file; the built-in data has its own.")
        table = load_builtin()
        console.print(f"No DATA given: using the built-in dataset {table.name}.")
    else:
        table = load_table(data, target=target)
        console.print(f"Data: {table.name}.")
    for note in table.notes:
        console.print(note)
    return table


def _choose_model(model: ModelName | None, y, target: str) -> tuple[str, np.ndarray, str]:
    """The model name, the target ready for it, and how the model was chosen (for the user)."""
    task, reason = infer_task(y)
    if model is None:
        name = "logistic" if task == "classification" else "linear"
        return name, check_target(y, task, target=target), f"{task}, inferred: {reason}"
    if model is ModelName.logistic:
        if task == "regression":
            evidence = reason.replace("the target", f"target {target!r}")
            raise ValueError(
                f"--model logistic needs class labels, but {evidence}; use --model linear "
                "(or leave --model out)."
            )
        return "logistic", check_target(y, "classification", target=target), "as requested"
    try:
        values = check_target(y, "regression", target=target)
    except DataError:
        examples = ", ".join(repr(str(v)) for v in np.unique(np.asarray(y).astype(str))[:3])
        raise ValueError(
            f"--model linear needs a numeric target, but {target!r} has labels such as {examples}; "
            "use --model logistic (or leave --model out)."
        ) from None
    if task == "classification":
        return "linear", values, f"as requested; the target looks like class labels ({reason})"
    return "linear", values, "as requested"


def _standardize(X):
    from sklearn.preprocessing import StandardScaler

    # sparse features are scaled but not centred, to stay sparse (as optimlab compare does)
    return StandardScaler(with_mean=not sp.issparse(X)).fit_transform(X)


def _split(text: str, option: str) -> list[str]:
    names = list(dict.fromkeys(s.strip().lower() for s in text.split(",") if s.strip()))
    if not names:
        raise ValueError(f"{option} is empty; give a name or a comma-separated list of names.")
    return names


def _penalties(text: str) -> list[str | None]:
    """The penalties of ``--penalty`` (None for ``none``), in a fixed order."""
    names = _split(text, "--penalty")
    unknown = [n for n in names if n not in (*PENALTY_NAMES, "all")]
    if unknown:
        raise ValueError(
            f"--penalty {text!r}: unknown penalty {unknown[0]!r}; use l1, l2, elasticnet, none or all, "
            "or a comma-separated list of them."
        )
    if "all" in names:
        names = [*names, "l1", "l2", "elasticnet"]
    return [None if n == "none" else n for n in PENALTY_NAMES if n in names]


def _solvers(text: str) -> list[str]:
    names = _split(text, "--solver")
    try:
        return list(dict.fromkeys("auto" if n == "auto" else get_solver(n).name for n in names))
    except ValueError as exc:
        raise ValueError(f"--solver {text!r}: {exc}") from None


def _check_solvers(solvers: list[str], penalties: list, X, y, model: str) -> None:
    """Fail before any trial when a named solver cannot fit one of the penalties."""
    named = [s for s in solvers if s != "auto"]
    if not named:
        return
    if model == "logistic":
        rows = np.unique(y, return_index=True)[1]  # one row of each class: the problem's shape
        datafit = datafit_name(rows.size)
    else:
        rows, datafit = np.arange(min(2, X.shape[0])), "squared"
    for penalty in penalties:
        objective = Objective(X[rows], y[rows], datafit=datafit, penalty=make_penalty(penalty, 1.0, 0.5))
        for name in named:
            reasons = get_solver(name).missing(objective)
            if reasons:
                raise ValueError(
                    f"--solver {name} cannot fit the {format_param(penalty)} penalty of {model} regression: "
                    f"it {' and '.join(reasons)}. Solvers that can: {', '.join(solvers_for(objective))}; "
                    "or leave that penalty out of --penalty."
                )


def _log_values(low: float, high: float, n: int, *, integer: bool = False) -> list:
    values = np.geomspace(low, high, n)
    if integer:
        return sorted({int(v) for v in np.rint(values)})
    return sorted({float(f"{v:.3g}") for v in values})


def build_space(*, penalties: list, solvers: list[str], alpha: tuple[float, float], alpha_grid: int,
                learning_rate: tuple[float | None, float | None], epochs_max: int | None, n_samples: int,
                griddable: bool = False) -> dict:
    """The search space of the command's options (a dict for :func:`optimlab.tuning.tune`).

    ``penalty`` and ``solver`` are categorical when several are given (fixed values otherwise);
    ``alpha`` (log scale) is sampled for the penalized choices, ``l1_ratio`` for the elastic
    net, and ``learning_rate``, ``max_iter`` (epochs), ``batch_size`` and ``schedule`` for the
    stochastic solvers that take them. With ``griddable`` every continuous dimension becomes a
    few values on its scale, as Optuna's grid sampler needs.
    """
    alpha_min, alpha_max = alpha
    if not 0 < alpha_min <= alpha_max:
        raise ValueError(
            f"--alpha-min and --alpha-max need 0 < min <= max, got {alpha_min:g} and {alpha_max:g}."
        )
    space: dict = {"solver": Categorical(solvers) if len(solvers) > 1 else solvers[0]}
    space["penalty"] = Categorical(penalties) if len(penalties) > 1 else penalties[0]
    penalized = [p for p in penalties if p is not None]

    def when(key: str, chosen: list, among: list):
        return None if set(chosen) == set(among) else {key: chosen}

    if penalized:
        kwargs = {"when": when("penalty", penalized, penalties)}
        space["alpha"] = (Categorical(_log_values(alpha_min, alpha_max, alpha_grid), **kwargs) if griddable
                          else Float(alpha_min, alpha_max, log=True, **kwargs))
    if "elasticnet" in penalties:
        low, high = L1_RATIO_RANGE
        space["l1_ratio"] = Float(low, high, step=L1_RATIO_GRID_STEP if griddable else None,
                                  when=when("penalty", ["elasticnet"], penalties))

    stochastic = [s for s in solvers if s != "auto" and get_solver(s).stochastic]
    lr_min, lr_max = learning_rate
    if not stochastic:
        given = [name for name, value in (("--learning-rate-min", lr_min), ("--learning-rate-max", lr_max),
                                          ("--epochs-max", epochs_max)) if value is not None]
        if given:
            raise ValueError(
                f"{', '.join(given)} {'applies' if len(given) == 1 else 'apply'} to stochastic solvers, but "
                f"--solver {','.join(solvers)} has none; add one (sgd, adam, ...) to --solver."
            )
    else:
        lr_min = 1e-4 if lr_min is None else lr_min
        lr_max = max(0.1, lr_min) if lr_max is None else lr_max
        if not 0 < lr_min <= lr_max:
            raise ValueError(
                f"--learning-rate-min and --learning-rate-max need 0 < min <= max, got {lr_min:g} and "
                f"{lr_max:g}."
            )
        epochs_max = 100 if epochs_max is None else epochs_max
        if epochs_max < 1:
            raise ValueError(f"--epochs-max must be at least 1, got {epochs_max}.")

        def takers(option: str) -> list[str]:
            return [s for s in stochastic if option in get_solver(s).options]

        epochs_min = min(5, epochs_max)
        rate_when = when("solver", takers("learning_rate"), solvers)
        space["learning_rate"] = (Categorical(_log_values(lr_min, lr_max, GRID_POINTS), when=rate_when)
                                  if griddable else Float(lr_min, lr_max, log=True, when=rate_when))
        space["max_iter"] = (
            Categorical(_log_values(epochs_min, epochs_max, GRID_POINTS, integer=True),
                        when=when("solver", stochastic, solvers))
            if griddable else Int(epochs_min, epochs_max, log=True, when=when("solver", stochastic, solvers)))
        if takers("batch_size"):
            sizes = [b for b in BATCH_SIZES if b < n_samples] or [max(1, n_samples // 2)]
            space["batch_size"] = Categorical(sizes, when=when("solver", takers("batch_size"), solvers))
        if takers("schedule"):
            space["schedule"] = Categorical(list(SCHEDULES), when=when("solver", takers("schedule"), solvers))
    if not any(isinstance(dim, Dimension) for dim in space.values()):
        raise ValueError(
            f"Nothing to tune: --penalty {format_param(penalties[0])} has no alpha and --solver "
            f"{solvers[0]} no learning rate; add a penalty, or a stochastic solver."
        )
    return space


def describe_space(space: dict, path_search: bool) -> str:
    """One line for the user: each parameter and its range, choices or value."""
    parts = []
    for name, dim in space.items():
        if isinstance(dim, Float):
            text = f"{name} in [{dim.low:g}, {dim.high:g}]" + (" (log)" if dim.log else "")
        elif isinstance(dim, Int):
            text = f"{name} in {dim.low}..{dim.high}" + (" (log)" if dim.log else "")
        elif isinstance(dim, Categorical):
            text = f"{name} in {{{', '.join(format_param(c) for c in dim.choices)}}}"
        else:
            text = f"{name} = {format_param(dim)}"
        if name == "alpha" and path_search:
            text += " along a path in each trial"
        if isinstance(dim, Dimension) and isinstance(dim.when, dict):
            text += " if " + " and ".join(f"{k} in {{{', '.join(map(format_param, v))}}}"
                                          for k, v in dim.when.items())
        parts.append(text)
    return "; ".join(parts)


def _shown_storage(storage: str) -> str:
    """The storage URL with any password hidden (it goes to the terminal and the JSON)."""
    if "://" not in storage or storage.startswith("journal://"):
        return storage
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(storage).render_as_string(hide_password=True)
    except ArgumentError:
        return storage


def _finished_before(storage: str | None, study: str | None, console: Console, n_trials: int | None) -> int:
    """Finished trials the study already has (0 for a new one); tell the user what will run."""
    if storage is None:
        return 0
    from sqlalchemy.exc import SQLAlchemyError

    shown = _shown_storage(storage)
    try:
        existing = optuna.load_study(study_name=study, storage=open_storage(storage))
    except KeyError:
        console.print(f"New study {study!r} in {shown}.")
        return 0
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise ValueError(f"Cannot open --storage {shown}: {detail}.") from None
    finished = counts(existing)[0]
    if n_trials is not None and finished >= n_trials:
        console.print(f"Study {study!r} in {shown} already has {finished} finished trials "
                      f"(--trials {n_trials}): nothing to run; reporting it.")
    else:
        more = ("until the timeout" if n_trials is None
                else f"{n_trials - finished} more (--trials {n_trials})")
        console.print(f"Resuming study {study!r} in {shown}: {finished} finished trials, running {more}.")
    return finished


# -- outputs --------------------------------------------------------------------------------------
def _run_summary(result, before: int, finished: int, n_trials: int | None, timeout: float | None) -> str:
    ran = finished - before
    if before == 0:
        text = f"{finished} trials finished in {result.time:.1f} s."
    else:
        text = (f"Study {result.study.study_name!r}: {finished} finished trials, {ran} run now "
                f"in {result.time:.1f} s.")
    if n_trials is not None and finished < n_trials:
        if timeout is not None:
            text += f" The timeout ({timeout:g} s) stopped it before --trials {n_trials}."
        else:
            text += (f" It stopped before --trials {n_trials}: every distinct configuration of the space was "
                     "tried (alpha is searched inside each trial).")
    return text


def _write_outputs(result, paths: list[Path], console: Console, *, dataset: str, settings: dict,
                   extra: dict) -> list[Path]:
    """Write the CSV, the JSON and the plots that have something to show; return the files written.

    A plot with nothing to show is a note in the terminal and in the JSON (``notes``), and an old
    file of that name, which only ``--force`` let through, is removed: it would contradict this run.
    """
    csv_path, json_path, history_path, alpha_path, importance_path = paths
    written = [history_plot(result, history_path)]
    notes: dict[str, str] = {}

    def skip(path: Path, why: NothingToPlot) -> None:
        notes[path.stem] = str(why)
        path.unlink(missing_ok=True)
        console.print(f"No {path.name}: {why}.")

    try:
        written.append(alpha_plot(result, alpha_path))
    except NothingToPlot as why:
        skip(alpha_path, why)
    importances = None
    try:
        importances = param_importances(result)
        console.print("Parameter importances (PED-ANOVA): "
                      + ", ".join(f"{k} {v:.2f}" for k, v in importances.items()) + ".")
        written.append(importance_plot(result, importance_path, importances=importances))
    except NothingToPlot as why:
        skip(importance_path, why)
    save_tuning(result, csv_path, json_path, dataset=dataset, settings=settings,
                extra={**extra, "importances": importances, "notes": notes})
    return [csv_path, json_path, *written]


def _best_text(result, alpha_range: tuple[float, float]) -> str:
    se = best_se(result)
    leading = [k for k in ("solver", "penalty", "alpha", "l1_ratio") if k in result.best_params]
    names = leading + [k for k in result.best_params if k not in leading]
    params = ", ".join(f"{k}={format_param(result.best_params[k])}" for k in names)
    text = (f"Best {result.metric}: {result.best_score:.4f} ± {se:.4f} (trial {result.best_trial}, "
            f"{len(result.fold_scores)} folds). Best parameters: {params}.")
    alpha = result.best_params.get("alpha")
    if alpha is not None:
        low, high = alpha_range
        # an optimum on the boundary says the range cut the search short, not that alpha is right
        if math.isclose(alpha, high, rel_tol=1e-9):
            text += f"\nThe best alpha is the largest searched: try a larger --alpha-max than {high:g}."
        elif math.isclose(alpha, low, rel_tol=1e-9):
            text += f"\nThe best alpha is the smallest searched: try a smaller --alpha-min than {low:g}."
    return text


def _best_model(estimator, feature_names: list[str]) -> dict:
    """The refitted best model's coefficients (on the standardized features when standardized)."""
    coef = np.atleast_2d(np.asarray(estimator.coef_, dtype=float))
    document = {"n_nonzero": int(np.count_nonzero(coef)), "n_coef": int(coef.size),
                "intercept": np.atleast_1d(np.asarray(estimator.intercept_, dtype=float)).tolist()}
    classes = getattr(estimator, "classes_", None)
    if coef.shape[0] == 1:
        document["coef"] = dict(zip(feature_names, coef[0].tolist(), strict=True))
    else:
        document["coef"] = {str(c): dict(zip(feature_names, row.tolist(), strict=True))
                            for c, row in zip(classes, coef, strict=True)}
    if classes is not None:
        document["classes"] = [str(c) for c in classes]
    return document


class _TrialProgress:
    """A rich progress bar on stderr, fed by Optuna's trial callbacks; vanishes at the end."""

    def __init__(self, console: Console, total: int | None, metric: str) -> None:
        self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                            MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True)
        self.task = self.bar.add_task("trials", total=total)
        self.metric = metric

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc_info):
        return self.bar.__exit__(*exc_info)

    def __call__(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if trial.state not in FINISHED:
            return
        try:
            best = f"best {self.metric} {study.best_value:.4f} (trial {study.best_trial.number})"
        except ValueError:  # no complete trial yet
            best = "no complete trial yet"
        done = "pruned" if trial.state == optuna.trial.TrialState.PRUNED else f"{trial.value:.4f}"
        self.bar.update(self.task, advance=1, description=f"trial {trial.number}: {done}; {best}")
