"""``optimlab compare``: fit one model with every applicable solver and compare them."""

from __future__ import annotations

from contextlib import nullcontext
from enum import StrEnum
from pathlib import Path
from typing import Annotated

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
from optimlab.compare import DEFAULT_TOL, ProgressEvent, compare
from optimlab.datasets import DataError, load_builtin, load_table
from optimlab.report import comparison_table, convergence_plot, save_table

OUTPUTS = ("comparison.csv", "comparison.json", "convergence.png")
DEFAULT_OUT = Path("optimlab-compare")
#: Exit status for bad input (as click's usage errors).
EXIT_BAD_INPUT = 2


class Task(StrEnum):
    auto = "auto"
    classification = "classification"
    regression = "regression"


class PenaltyName(StrEnum):
    none = "none"
    l2 = "l2"
    l1 = "l1"
    elasticnet = "elasticnet"


def main(
    data: Annotated[Path | None, typer.Argument(
        show_default=False,
        help="CSV file with a header, or LIBSVM/svmlight file. Default: scikit-learn's breast-cancer data.",
    )] = None,
    target: Annotated[str | None, typer.Option("--target", "-t", help="Label column of a CSV file.")] = None,
    task: Annotated[Task, typer.Option(help="Default: inferred from the target.")] = Task.auto,
    penalty: Annotated[PenaltyName, typer.Option(help="Regularization.")] = PenaltyName.l2,
    alpha: Annotated[float | None, typer.Option(
        help="Penalty strength. Default: 1/n_train for l2, 0.01 * alpha_max for l1 and elasticnet.",
        show_default=False,
    )] = None,
    l1_ratio: Annotated[float | None, typer.Option(help="Elastic-net mix in (0, 1); default 0.5.",
                                                   show_default=False)] = None,
    solvers: Annotated[str | None, typer.Option(
        help="Comma-separated solvers. Default: every applicable one.", show_default=False)] = None,
    test_size: Annotated[float, typer.Option(help="Share of rows held out for the metrics.")] = 0.25,
    time_limit: Annotated[float, typer.Option(help="Seconds per solver.")] = 10.0,
    tol: Annotated[float, typer.Option(help="Relative tolerance on the certificates.")] = DEFAULT_TOL,
    max_iter: Annotated[int | None, typer.Option(
        help="Iterations (epochs) per solver. Default: the solver's.", show_default=False)] = None,
    out: Annotated[Path, typer.Option(help="Folder for the CSV, JSON and PNG outputs.")] = DEFAULT_OUT,
    force: Annotated[bool, typer.Option("--force", help="Overwrite outputs already in --out.")] = False,
    seed: Annotated[int, typer.Option(help="Seed of the split and of the stochastic solvers.")] = 0,
) -> None:
    """Fit one regularized model with every applicable solver; compare time, objective and metrics."""
    console, errors = consoles()
    try:
        paths = output_paths(out, OUTPUTS, force=force)
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
        # A live display only on a terminal: logs and pipes get no control characters.
        with _SolverProgress(errors) if errors.is_terminal else nullcontext() as report:
            result = compare(
                table.X, table.y, task=task.value, penalty=penalty.value, alpha=alpha, l1_ratio=l1_ratio,
                solvers=solvers, test_size=test_size, time_limit=time_limit, tol=tol, max_iter=max_iter,
                random_state=seed, progress=report, target_name=table.target,
            )
    except ValueError as exc:  # DataError and every check of the options
        errors.print(f"Error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None

    console.print(f"Task: {result.task_note}; {result.datafit} loss.")
    penalty_text = "no penalty" if result.penalty == "none" else (
        f"{result.penalty} penalty, alpha = {result.alpha:.4g} ({result.alpha_note})"
        + (f", l1_ratio = {result.l1_ratio:g}" if result.penalty == "elasticnet" else "")
    )
    console.print(f"Model: {penalty_text}.")
    console.print(comparison_table(result, title=f"optimlab compare: {table.name}"))
    out.mkdir(parents=True, exist_ok=True)
    save_table(result, paths[0], paths[1], dataset=table.name)
    convergence_plot(result, paths[2], dataset=table.name)
    console.print(f"Wrote {', '.join(str(p) for p in paths)}.")


class _SolverProgress:
    """A rich progress bar on stderr fed by :class:`~optimlab.compare.ProgressEvent`; vanishes at the end."""

    def __init__(self, console: Console) -> None:
        self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                            MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True)
        self.task = None

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc_info):
        return self.bar.__exit__(*exc_info)

    def __call__(self, event: ProgressEvent) -> None:
        if self.task is None:
            self.task = self.bar.add_task("solvers", total=event.total)
        label = f"{event.solver} ({event.index + 1}/{event.total})"
        if event.stage == "iteration":
            label += f"  iter {event.n_iter}, certificate {event.certificate:.1e}"
        self.bar.update(self.task, description=label, advance=1 if event.stage == "done" else 0)
