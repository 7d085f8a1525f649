"""``optimlab allocate``: solve an allocation problem file; print the plan and its shadow prices."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from optimlab.cli._common import consoles, output_paths
from optimlab.cli.compare import EXIT_BAD_INPUT


def _table(df, title: str, limit: int = 40):
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, title_justify="left")
    for col in df.columns:
        table.add_column(str(col), justify="right" if df[col].dtype.kind in "fiu" else "left")
    for rec in df.head(limit).itertuples(index=False):
        table.add_row(
            *[Text("" if v != v else f"{v:.6g}") if isinstance(v, float) else Text(str(v)) for v in rec]
        )
    if len(df) > limit:
        table.caption = f"{len(df) - limit} more rows in the CSV (--out)"
    return table


def main(
    problem: Annotated[
        Path | None,
        typer.Argument(
            show_default=False,
            help="Problem file (.yaml, .yml or .toml); with --example, the file to write "
            "(default KIND.yaml).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Folder for plan.csv, constraints.csv, result.json and the plot (PNG).", show_default=False
        ),
    ] = None,
    example: Annotated[
        str | None,
        typer.Option(
            "--example",
            metavar="KIND",
            show_default=False,
            help="Write a commented example problem of this kind: budget, assignment, transportation, "
            "production, "
            "portfolio or selection.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing output files.")] = False,
) -> None:
    """Solve a resource-allocation problem described in a file: the optimal plan, what limits it, and what
    one more unit of each resource is worth.

    Exit code 0 whenever the solve ran (the status says what it found); 2 for bad input.
    """
    from optimlab.allocate import example as example_text
    from optimlab.allocate import solve

    console, errors = consoles()
    try:
        if example is not None:
            text = example_text(example)
            target = problem if problem is not None else Path(f"{example}.yaml")
            if target.exists() and not force:
                raise ValueError(f"{target} exists; pass --force to overwrite it or give another file name.")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            console.print(
                f"Wrote {target}. Solve it with: optimlab allocate {target}", markup=False, highlight=False
            )
            return
        if problem is None:
            raise ValueError(
                "Give a problem file (optimlab allocate PROBLEM.yaml), or --example KIND to start one."
            )
        if out is not None:
            output_paths(out, ["plan.csv", "constraints.csv", "result.json", "allocation.png", "frontier.png",
                               "frontier.csv"], force=force)
        result = solve(problem)
    except (OSError, ValueError, ImportError) as exc:  # ProblemError is a ValueError naming the field
        errors.print(f"Error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None

    console.print(
        f"[bold]{result.name}[/bold] ({result.kind}, {result.method}): status {result.status}, "
        f"{result.objective_name} {result.objective:.6g}",
        highlight=False,
    )
    if len(result.plan):
        console.print(_table(result.plan, "Plan"))
    if len(result.constraints):
        cols = [
            c
            for c in ("name", "activity", "sense", "bound", "slack", "shadow_price", "rhs_lower", "rhs_upper")
            if c in result.constraints.columns
        ]
        console.print(_table(result.constraints[cols], "Constraints and shadow prices"))
    for line in result.explanation:
        console.print(line, markup=False, highlight=False)
    if out is not None:
        paths = result.save(out)
        console.print(f"Wrote {', '.join(str(p) for p in paths)}.", markup=False, highlight=False)
