"""Tables of solver comparisons: rich for the terminal, CSV and JSON for files."""

from __future__ import annotations

import json
import math

import numpy as np
from rich.table import Table

from optimlab.compare import ComparisonResult

__all__ = ["comparison_table", "format_value", "save_table"]

_STATUS_TEXT = {
    "converged": "[green]yes[/green]",
    "max_iter": "[yellow]no[/yellow] (max_iter)",
    "time_limit": "[yellow]no[/yellow] (time limit)",
    "stopped": "[yellow]no[/yellow] (stopped)",
    "numerical": "[red]no[/red] (numerical)",
    "not_certified": "[yellow]no[/yellow] (stalled)",
    "error": "[red]error[/red]",
}
#: Held-out metrics: column title and whether larger is better.
_METRICS = {
    "accuracy": ("accuracy", True),
    "f1": ("F1", True),
    "log_loss": ("log-loss", False),
    "mse": ("MSE", False),
    "r2": ("R2", True),
}


def format_value(value, kind: str = "g") -> str:
    """Compact text for a number: ``"-"`` for NaN, scientific for tiny and huge values."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if kind == "time":
        return f"{value:.3f}" if value < 100 else f"{value:.0f}"
    if kind == "metric":
        return f"{value:.4f}" if abs(value) < 1e4 else f"{value:.4g}"
    if kind == "e":
        return "0" if value == 0 else f"{value:.1e}"
    return f"{value:.6g}"


def comparison_table(result: ComparisonResult, *, title: str | None = None) -> Table:
    """The comparison as a rich table: one row per solver, best values in bold.

    Columns: solver, time (s), iterations (epochs for stochastic solvers), final objective,
    relative suboptimality against the best objective found, certificate, converged, and the
    held-out metrics.
    """
    table = Table(title=title, caption=_caption(result), caption_justify="left")
    table.add_column("solver", no_wrap=True)
    for name in ("time (s)", "iter", "objective", "rel. subopt", "certificate"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("converged", no_wrap=True)
    for metric in result.metric_names:
        table.add_column(_METRICS[metric][0], justify="right", no_wrap=True)

    rows = result.rows()
    best_metric = {name: _best(rows, name, _METRICS[name][1]) for name in result.metric_names}
    best_solver = result.best
    for row in rows:
        name = f"[bold]{row['solver']}[/bold]" if row["solver"] == best_solver else row["solver"]
        if row["stochastic"]:
            name += "*"
        cells = [
            name,
            format_value(row["time_s"], "time"),
            str(row["n_iter"]) if row["status"] != "error" else "-",
            format_value(row["objective"], "g"),
            format_value(row["rel_subopt"], "e"),
            format_value(row["certificate"], "e"),
            _STATUS_TEXT.get(row["status"], row["status"]),
        ]
        for metric in result.metric_names:
            text = format_value(row[metric], "metric")
            cells.append(f"[bold]{text}[/bold]" if row[metric] == best_metric[metric] else text)
        table.add_row(*cells)
    return table


def _best(rows, name: str, larger_is_better: bool) -> float:
    values = [row[name] for row in rows if not math.isnan(row[name])]
    if len(set(values)) < 2:  # nothing to single out when every solver scores the same
        return math.nan
    return max(values) if larger_is_better else min(values)


def _caption(result: ComparisonResult) -> str:
    kind = result.certificate_kind.replace("_", " ")
    lines = [
        f"rel. subopt = (objective - best) / |best|, best = {result.f_best:.10g}; "
        f"certificate: {kind}, tol = {result.tol:g} relative ({result.tol_abs:.2e} absolute).",
        f"Metrics on {result.n_test} held-out rows; the model was fitted on {result.n_train}."
        if result.metric_names else "No held-out rows (test_size=0): no metric.",
        "* stochastic (iterations are epochs). Bold: the best metric, and "
        + ("the fastest certified solver." if any(r.converged for r in result.runs)
           else "the lowest objective (no solver reached the tolerance)."),
    ]
    return "\n".join(lines)


def save_table(result: ComparisonResult, csv_path, json_path, *, dataset: str) -> None:
    """Write the comparison rows as CSV, and as JSON together with the settings.

    The JSON holds ``{"dataset", "settings", "rows"}``; missing numbers are ``null``.
    """
    result.to_frame().to_csv(csv_path, index=False)
    document = {"dataset": dataset, "settings": result.settings(), "rows": result.rows()}
    with open(json_path, "w", encoding="utf-8") as handle:
        json.dump(_json_ready(document), handle, indent=2, allow_nan=False)
        handle.write("\n")


def _json_ready(value):
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
