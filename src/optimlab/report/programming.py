"""Terminal tables and JSON for mathematical-programming solutions."""

from __future__ import annotations

import math

import numpy as np
from rich.table import Table

from optimlab.programming.problem import Problem
from optimlab.programming.solution import Solution

from .tables import format_value

__all__ = ["problem_line", "solution_json", "solution_table", "values_table"]

_STATUS_STYLE = {
    "optimal": "green",
    "infeasible": "red",
    "unbounded": "red",
    "infeasible-or-unbounded": "red",
    "time-limit": "yellow",
    "iteration-limit": "yellow",
    "numerical-trouble": "red",
}


def problem_line(problem: Problem) -> str:
    """One line describing a problem: kind, sense, sizes."""
    n_int = int(problem.integrality.sum())
    parts = [
        f"{problem.kind.upper()} {problem.name or '(unnamed)'}: {problem.sense}",
        f"{problem.n_vars:,} variables" + (f" ({n_int:,} integer)" if n_int else ""),
        f"{problem.n_rows:,} constraints",
        f"{problem.A.nnz:,} nonzeros",
    ]
    if problem.is_qp:
        parts.append(f"{problem.Q.nnz:,} quadratic nonzeros")
    return ", ".join(parts)


def _sci(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.2e}"


def solution_table(solution: Solution, *, title: str | None = None) -> Table:
    """Status, objective, time and our recomputed certificate, as a two-column rich table."""
    table = Table(title=title, show_header=False)
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value")
    status = solution.status.value
    table.add_row("status", f"[{_STATUS_STYLE.get(status, 'white')}]{status}[/]")
    table.add_row("objective", "-" if math.isnan(solution.objective) else f"{solution.objective:.12g}")
    if solution.bound is not None:
        table.add_row("bound (MIP)", f"{solution.bound:.12g}")
    table.add_row("backend", solution.backend + (
        f" (after: {'; '.join(solution.fallbacks)})" if solution.fallbacks else ""))
    table.add_row("time (s)", format_value(solution.time, "time"))
    table.add_row("iterations", f"{solution.iterations:,}")
    cert = solution.certificate
    if cert is not None:
        table.add_row("primal residual",
                      f"{_sci(cert.primal_residual)} (relative {_sci(cert.rel_primal_residual)})")
        if not math.isnan(cert.dual_residual):
            table.add_row("dual residual",
                          f"{_sci(cert.dual_residual)} (relative {_sci(cert.rel_dual_residual)})")
        label = "MIP gap" if solution.problem.is_mip else "duality gap (relative)"
        table.add_row(label, _sci(cert.gap))
        if solution.problem.is_mip:
            table.add_row("integrality violation", _sci(cert.integrality_violation))
    table.add_row("message", solution.message)
    return table


def _named(problem: Problem, vector: np.ndarray | None, *, rows: bool) -> dict[str, float]:
    if vector is None:
        return {}
    name = problem.row_name if rows else problem.col_name
    return {name(i): float(v) for i, v in enumerate(vector)}


def values_table(solution: Solution, *, limit: int = 20) -> Table:
    """The nonzero variables with the largest magnitude (at most ``limit``)."""
    problem = solution.problem
    x = solution.x if solution.x is not None else np.zeros(0)
    nonzero = np.flatnonzero(np.abs(x) > 1e-9)
    order = nonzero[np.argsort(-np.abs(x[nonzero]), kind="stable")][:limit]
    table = Table(title=f"Variables ({nonzero.size:,} nonzero of {x.size:,}; largest {len(order)})")
    table.add_column("variable", no_wrap=True)
    table.add_column("value", justify="right")
    table.add_column("reduced cost", justify="right")
    for j in order:
        rc = "-" if solution.col_dual is None else f"{solution.col_dual[j]:.6g}"
        table.add_row(problem.col_name(int(j)), f"{x[j]:.10g}", rc)
    return table


def solution_json(solution: Solution, *, file: str | None = None) -> dict:
    """A JSON-ready dict: status (lower-case words), objective, variables and duals by name, certificate."""
    problem = solution.problem
    out = {
        "file": file,
        "problem": {
            "name": problem.name,
            "kind": problem.kind,
            "sense": problem.sense,
            "variables": problem.n_vars,
            "constraints": problem.n_rows,
            "nonzeros": int(problem.A.nnz),
        },
        "status": solution.status.value,
        "message": solution.message,
        "objective": None if math.isnan(solution.objective) else float(solution.objective),
        "bound": solution.bound,
        "backend": solution.backend,
        "fallbacks": solution.fallbacks,
        "time": solution.time,
        "iterations": solution.iterations,
        "certificate": None if solution.certificate is None else solution.certificate.as_dict(),
        "variables": _named(problem, solution.x, rows=False),
        "reduced_costs": _named(problem, solution.col_dual, rows=False),
        "duals": _named(problem, solution.row_dual, rows=True),
    }
    if solution.iis is not None:
        out["iis"] = solution.iis.describe()
    return _finite(out)


def _finite(value):
    """JSON has no NaN or inf: write them as null."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
