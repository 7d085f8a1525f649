"""``optimlab select``: cross-validate model families on the same folds and choose one, with error bars."""

from __future__ import annotations

import json
import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from optimlab.cli._common import consoles, output_paths
from optimlab.cli.compare import EXIT_BAD_INPUT, Task
from optimlab.datasets import DataError, check_target, infer_task, load_builtin, load_table
from optimlab.models.catalog import MODEL_NAMES, default_models, make_model
from optimlab.report import format_value
from optimlab.tuning import SelectionResult, select
from optimlab.tuning.metrics import get_metric

OUTPUTS = ("selection.csv", "selection.json", "scores.csv")


class Rule(StrEnum):
    best = "best"
    one_se = "one_se"


def main(
    data: Annotated[Path | None, typer.Argument(
        show_default=False,
        help="CSV file with a header, or LIBSVM/svmlight file. Default: scikit-learn's breast-cancer data.",
    )] = None,
    target: Annotated[str | None, typer.Option("--target", "-t", help="Label column of a CSV file.")] = None,
    task: Annotated[Task, typer.Option(help="Default: inferred from the target.")] = Task.auto,
    models: Annotated[str | None, typer.Option(
        help=f"Comma-separated model families among {', '.join(MODEL_NAMES)}. "
             "Default: every penalized family of the task (and linear-ols for regression).",
        show_default=False)] = None,
    cv: Annotated[int, typer.Option(
        help="Folds of the cross-validation (shuffled, stratified for classes).")] = 5,
    scoring: Annotated[str | None, typer.Option(
        help="Comma-separated metrics; the first ranks and chooses. Default: log_loss for classification, "
             "mse for regression.", show_default=False)] = None,
    rule: Annotated[Rule, typer.Option(
        help="best: the best mean; one_se: the simplest model within one standard error of it.")] = Rule.best,
    confidence: Annotated[float, typer.Option(
        help="Level of the confidence intervals and of the test.")] = 0.95,
    nested: Annotated[int, typer.Option(
        help="Outer folds of a nested cross-validation estimating the chosen model's score; 0: none.")] = 0,
    out: Annotated[Path | None, typer.Option(
        help="Folder for the CSV and JSON outputs. Default: nothing is written.", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite outputs already in --out.")] = False,
    seed: Annotated[int, typer.Option(help="Seed of the folds (outer, inner and nested).")] = 0,
) -> None:
    """Compare model families on the same cross-validation folds; choose one with confidence intervals."""
    console, errors = consoles()
    try:
        paths = None if out is None else output_paths(out, OUTPUTS, force=force)
        if nested == 1 or nested < 0:
            raise ValueError(f"--nested must be 0 (none) or at least 2 outer folds, got {nested}.")
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
        if task is Task.auto:
            task_name, reason = infer_task(table.y)
            console.print(f"Task: {task_name} (inferred: {reason}).")
        else:
            task_name = task.value
            console.print(f"Task: {task_name}.")
        y = check_target(table.y, task_name, target=table.target)
        names = _split(models, "--models") if models is not None else list(default_models(task_name))
        candidates = {name: make_model(name, task=task_name, random_state=seed) for name in names}
        metrics = _split(scoring, "--scoring") if scoring is not None else None
        result = select(candidates, table.X, y, cv=cv, scoring=metrics, rule=rule.value,
                        confidence=confidence, nested=nested if nested else False, random_state=seed)
    except (ValueError, TypeError) as exc:  # DataError, unknown names and every check of the options
        errors.print(f"Error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None

    console.print(selection_table(result, title=f"optimlab select: {table.name}"))
    console.print(_choice_text(result))
    if result.nested is not None:
        console.print(_nested_text(result))
    if paths is not None:
        out.mkdir(parents=True, exist_ok=True)
        _save(result, paths, dataset=table.name, settings={
            "task": task_name, "models": names, "cv": cv, "rule": rule.value, "confidence": confidence,
            "nested": nested, "seed": seed,
        })
        console.print(f"Wrote {', '.join(str(p) for p in paths)}.")


def selection_table(result: SelectionResult, *, title: str | None = None) -> Table:
    """The leaderboard as a rich table: mean ± corrected SE and CI per metric, the test against the best."""
    level = f"{result.confidence:.0%}"
    n_folds = len(result.folds)
    table = Table(title=title, caption=_caption(result, level, n_folds), caption_justify="left")
    table.add_column("#", justify="right", no_wrap=True, min_width=1)
    table.add_column("model", no_wrap=True)
    for metric in result.metrics:
        better = "↑" if get_metric(metric).greater_is_better else "↓"
        table.add_column(f"{metric} {better}", justify="right", no_wrap=True)
        table.add_column(f"{level} CI", justify="right", no_wrap=True)
    for name in ("p vs best", "≈ best", "nonzero coefs", "alpha"):
        table.add_column(name, justify="right", no_wrap=True)
    for name, row in result.table.iterrows():
        cells = [str(row["rank"]), f"{name} (chosen)" if row["chosen"] else name]
        for metric in result.metrics:
            mean, se = row[f"{metric}_mean"], row[f"{metric}_se"]
            cells.append(f"{format_value(mean, 'metric')} ± {format_value(se, 'metric')}")
            cells.append(f"[{format_value(row[f'{metric}_ci_low'], 'metric')}, "
                         f"{format_value(row[f'{metric}_ci_high'], 'metric')}]")
        cells.append("best" if name == result.best else _p_text(row["p_value"]))
        cells.append("yes" if row["indistinguishable"] else "[red]no[/red]")
        cells.append("-" if math.isnan(row["complexity"]) else f"{row['complexity']:.1f}")
        cells.append("-" if math.isnan(row["regularization"]) else f"{row['regularization']:.3g}")
        table.add_row(*cells, style="bold" if row["chosen"] else None)
    return table


def _caption(result: SelectionResult, level: str, n_folds: int) -> str:
    return "\n".join([
        f"mean ± standard error over the same {n_folds} folds for every model, corrected for the overlap of "
        "the training sets (Nadeau & Bengio 2003; the naive SE is in the CSV); CI: Student t with "
        f"{n_folds - 1} degrees of freedom.",
        f"p vs best: corrected resampled paired t-test against the best on {result.primary}; "
        f"≈ best: p ≥ {1 - result.confidence:.2g}. ↑/↓: higher/lower is better.",
        "nonzero coefs: mean over the folds; alpha: the penalty strength the model's inner CV chose.",
    ])


def _choice_text(result: SelectionResult) -> str:
    if result.rule == "one_se" and result.chosen != result.best:
        row = result.table.loc[result.chosen]
        why = (f"rule one_se: the simplest model within one standard error of the best ({result.best}); "
               f"{row['complexity']:.1f} nonzero coefficients against "
               f"{result.table.loc[result.best, 'complexity']:.1f}")
    elif result.rule == "one_se":
        why = "rule one_se: no simpler model is within one standard error of it"
    else:
        why = f"rule best: the best mean {result.primary}"
    others = [name for name in result.indistinguishable if name != result.best]
    tied = (f" Indistinguishable from the best at {result.confidence:.0%}: {', '.join(others)}."
            if others else f" Every other model is significantly worse than {result.best}.")
    return f"Chosen: [bold]{result.chosen}[/bold] ({why}).{tied}"


def _nested_text(result: SelectionResult) -> str:
    nested = result.nested
    level = f"{result.confidence:.0%}"
    parts = [
        f"{metric} {format_value(s['mean'], 'metric')} ± {format_value(s['se'], 'metric')} "
        f"({level} CI [{format_value(s['ci_low'], 'metric')}, {format_value(s['ci_high'], 'metric')}])"
        for metric, s in nested.summary.iterrows()
    ]
    return (f"Nested CV ({len(nested.folds)} outer folds), the estimate of the whole selection on new data: "
            f"{'; '.join(parts)}. Chosen per outer fold: {', '.join(nested.folds['chosen'])}.")


def _p_text(p: float) -> str:
    if math.isnan(p):
        return "-"
    return "<0.001" if p < 1e-3 else f"{p:.3f}"


def _split(text: str, option: str) -> list[str]:
    items = [item.strip().lower() for item in text.split(",") if item.strip()]
    if not items:
        raise ValueError(f"{option} is empty; give comma-separated names.")
    repeated = sorted({item for item in items if items.count(item) > 1})
    if repeated:
        raise ValueError(f"{option} lists {', '.join(repeated)} more than once.")
    return items


def _save(result: SelectionResult, paths: list[Path], *, dataset: str, settings: dict) -> None:
    """The leaderboard (CSV), everything with the settings (JSON) and the fold scores (CSV)."""
    table_path, json_path, scores_path = paths
    result.table.to_csv(table_path)
    result.scores.to_csv(scores_path)
    document = {
        "dataset": dataset,
        "settings": {**settings, "scoring": list(result.metrics)},
        "chosen": result.chosen,
        "best": result.best,
        "primary": result.primary,
        "indistinguishable": result.indistinguishable,
        "variance_factor": result.variance_factor,
        "rows": _records(result.table.reset_index()),
        "nested": None if result.nested is None else {
            "folds": _records(result.nested.folds.reset_index()),
            "summary": _records(result.nested.summary.reset_index()),
        },
    }
    with open(json_path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2, allow_nan=False)
        handle.write("\n")


def _records(frame) -> list[dict]:
    """Rows as plain JSON values (NaN and infinities become null)."""
    return json.loads(frame.to_json(orient="records", double_precision=15))
