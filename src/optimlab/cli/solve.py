"""``optimlab solve``: read an LP/QP/MILP file, solve it, print the certified answer (and the IIS)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from optimlab.cli._common import consoles
from optimlab.cli.compare import EXIT_BAD_INPUT
from optimlab.programming import SolveOptions, solve_problem
from optimlab.programming.backends import BACKENDS
from optimlab.report.programming import problem_line, solution_json, solution_table, values_table

Backend = StrEnum("Backend", {name: name for name in ("auto", *BACKENDS)})


def main(
    file: Annotated[Path, typer.Argument(
        show_default=False,
        help="Model file: .mps, .mps.gz (free or fixed MPS), .lp, .qps, or a Maros-Meszaros .mat.")],
    backend: Annotated[Backend, typer.Option(
        help="Solver backend; auto picks by problem class and falls back on numerical trouble.")] = "auto",
    time_limit: Annotated[float | None, typer.Option(
        "--time-limit", help="Seconds per backend attempt.", show_default=False)] = None,
    mip_gap: Annotated[float | None, typer.Option(
        "--mip-gap", help="Relative MIP gap at which to stop (default 1e-6).", show_default=False)] = None,
    out: Annotated[Path | None, typer.Option(
        help="Write the solution as JSON (status, objective, variables, duals, certificate, IIS).",
        show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite --out if it exists.")] = False,
    iis: Annotated[bool, typer.Option(
        "--iis/--no-iis",
        help="Diagnose an infeasible LP/MILP with an irreducible infeasible subset.")] = True,
    show: Annotated[int, typer.Option(help="Print at most this many nonzero variables.")] = 20,
    verbose: Annotated[bool, typer.Option("--verbose", help="Show the backend's log.")] = False,
) -> None:
    """Solve a linear, quadratic or mixed-integer program from a file, with a recomputed certificate.

    Exit code 0 whenever the solve ran (the status says what it found); 2 for bad input or options.
    """
    from optimlab.programming.io import read_problem

    console, errors = consoles()
    try:
        if out is not None and out.exists() and not force:
            raise ValueError(f"--out {out} exists; pass --force to overwrite it or choose another path.")
        if time_limit is not None and not time_limit > 0:
            raise ValueError(f"--time-limit must be positive; got {time_limit}.")
        if mip_gap is not None and not mip_gap >= 0:
            raise ValueError(f"--mip-gap must be non-negative; got {mip_gap}.")
        if show < 0:
            raise ValueError(f"--show must be non-negative; got {show}.")
        problem = read_problem(file)
        console.print(problem_line(problem))
        options = SolveOptions(time_limit=time_limit, mip_gap=mip_gap, verbose=verbose)
        solution = solve_problem(problem, backend=backend.value, options=options)
    except (OSError, ValueError, ImportError) as exc:  # ModelFileError is a ValueError with the line
        errors.print(f"Error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None

    if iis and solution.status == "infeasible" and problem.kind in ("lp", "milp"):
        from optimlab.programming.iis import find_iis

        solution.iis = find_iis(problem, time_limit=time_limit)
    console.print(solution_table(solution, title=f"optimlab solve: {file.name}"))
    if solution.iis is not None:
        console.print("[bold]Irreducible infeasible subset[/bold] "
                      "(remove any one member and the rest is feasible):")
        for line in solution.iis.describe():
            console.print(f"  {line}", markup=False, highlight=False)
    if solution.x is not None and show:
        console.print(values_table(solution, limit=show))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(solution_json(solution, file=str(file)), indent=1))
        console.print(f"Wrote {out}.")
