"""Convergence plots (matplotlib, rendered with Agg: no display needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from optimlab.compare import SUBOPT_FLOOR, ComparisonResult

__all__ = ["convergence_plot"]


def convergence_plot(result: ComparisonResult, path, *, dataset: str = "data") -> Path:
    """Save relative suboptimality vs time and vs iterations, one line per solver, as a PNG.

    Both axes are logarithmic: the solvers of a comparison span decades in time and in iterations.
    Stochastic solvers are dashed; a circle marks a certified end point and a cross one that is not.
    Points at the best objective found (suboptimality 0) are drawn on the dotted line at the bottom.

    Parameters
    ----------
    result : ComparisonResult
    path : str or Path
        Where to write the PNG.
    dataset : str
        Name of the data, for the title.

    Returns
    -------
    Path
    """
    # A bare Figure renders with Agg and leaves pyplot's global backend and state alone.
    import matplotlib
    from matplotlib.figure import Figure

    curves = result.curves()
    fig = Figure(figsize=(12, 5), layout="constrained")
    ax_time, ax_iter = fig.subplots(1, 2, sharey=True)
    tab20 = matplotlib.colormaps["tab20"].colors
    # The ten dark colours first, then their light twins.
    colors = [tab20[i] for i in (*range(0, 20, 2), *range(1, 20, 2))]
    positive = [c["subopt"][c["subopt"] > SUBOPT_FLOOR] for c in curves.values()]
    positive = np.concatenate(positive) if positive else np.array([])
    bottom = max(SUBOPT_FLOOR, float(positive.min()) / 10.0) if positive.size else SUBOPT_FLOOR

    for k, (solver, curve) in enumerate(curves.items()):
        subopt = np.maximum(curve["subopt"], bottom)
        style = {"color": colors[k % len(colors)], "linestyle": "--" if curve["stochastic"] else "-",
                 "linewidth": 1.5}
        marker = "o" if curve["converged"] else "x"
        # Entry 0 is the starting point: drawn at the first iteration / a tiny time for log axes.
        times = np.maximum(curve["time"], 1e-6)
        iters = np.maximum(curve["iteration"], 1)
        label = solver + ("*" if curve["stochastic"] else "")
        for ax, xs in ((ax_time, times), (ax_iter, iters)):
            ax.plot(xs, subopt, label=label, **style)
            ax.plot(xs[-1:], subopt[-1:], marker=marker, color=style["color"], markersize=6,
                    linestyle="none")

    for ax, xlabel in ((ax_time, "time (s)"), (ax_iter, "iteration (epoch for * stochastic)")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.grid(True, which="major", alpha=0.3)
        ax.axhline(bottom, color="0.5", linestyle=":", linewidth=1)
    ax_time.set_ylim(bottom=bottom / 3)
    ax_time.set_ylabel("relative suboptimality  (f - f_best) / |f_best|")
    ax_time.annotate("dotted line: reached f_best", (0.01, 0.01), xycoords="axes fraction",
                     fontsize="small", color="0.4")
    ax_time.set_title("suboptimality vs time")
    ax_iter.set_title("suboptimality vs iterations")
    ax_iter.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize="small",
                   title="o certified, x not", title_fontsize="small")
    fig.suptitle(_title(result, dataset))
    path = Path(path)
    fig.savefig(path, dpi=120)
    return path


def _title(result: ComparisonResult, dataset: str) -> str:
    if result.penalty == "none":
        penalty = "no penalty"
    elif result.penalty == "elasticnet":
        penalty = f"elastic net, alpha={result.alpha:.3g}, l1_ratio={result.l1_ratio:g}"
    else:
        penalty = f"{result.penalty.upper()}, alpha={result.alpha:.3g}"
    return (f"{dataset}: {result.task} ({result.datafit} loss), {penalty}; "
            f"n_train={result.n_train}, tol={result.tol:g}")
