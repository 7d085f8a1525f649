"""``AllocationResult``: the plan in the user's names, what limits it, and what each resource is worth."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["OUTPUT_FILES", "AllocationResult"]

#: The files :meth:`AllocationResult.save` writes (the plot is ``frontier.png`` for a portfolio frontier).
OUTPUT_FILES = ("plan.csv", "constraints.csv", "result.json", "allocation.png")


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def _records(df: pd.DataFrame | None):
    if df is None:
        return None
    return _jsonable(df.astype(object).where(df.notna(), None).to_dict("records"))


@dataclass
class AllocationResult:
    """The answer to an allocation problem.

    Attributes
    ----------
    kind : str
        ``"budget"``, ``"assignment"``, ``"transportation"``, ``"production"``, ``"portfolio"`` or
        ``"selection"``.
    name : str
        The problem's name (from the file, or the file's stem).
    status : str
        As :class:`optimlab.programming.SolutionStatus`: ``"optimal"``, ``"infeasible"``, ...
    objective : float
        The objective in the problem's sense (NaN without a plan).
    sense : {"minimize", "maximize"}
    objective_name : str
        What the objective measures, in words (``"profit"``, ``"cost"``, ``"variance"``).
    plan : DataFrame
        The plan, one row per decision, in the file's names (empty without a plan).
    constraints : DataFrame
        One row per constraint: ``name`` (as in the file), ``description`` (plain words), ``activity``,
        ``sense``, ``bound``, ``slack``, ``binding``, ``shadow_price`` (derivative of the objective with
        respect to the bound; NaN for integer problems), and for LPs ``rhs_lower``/``rhs_upper`` (the
        range of the bound over which the shadow price holds).
    reduced_costs : DataFrame or None
        LP and QP: per decision, its value and reduced cost; for LPs also the cost ranging
        (``cost_lower``, ``cost_upper``).
    certificate : dict or None
        Residuals and gap recomputed from the solver's answer (or the exactness of a dynamic program).
    iis : list of str or None
        When infeasible: constraints and limits, named as in the file, that cannot hold together
        (an irreducible infeasible subset: drop any one and the rest can).
    explanation : list of str
        Plain sentences: the result, what limits it and what one more unit is worth, approximations.
    frontier : DataFrame or None
        Portfolios with ``frontier``: target return, expected return, volatility and weights per point.
    method : str
        How it was solved (``"LP (highs)"``, ``"dynamic programming"``, ...).
    solution : object
        The underlying :class:`optimlab.programming.Solution` (or knapsack result), for inspection.
    """

    kind: str
    name: str
    status: str
    objective: float
    sense: str
    objective_name: str
    plan: pd.DataFrame
    constraints: pd.DataFrame
    reduced_costs: pd.DataFrame | None = None
    certificate: dict | None = None
    iis: list[str] | None = None
    explanation: list[str] = field(default_factory=list)
    frontier: pd.DataFrame | None = None
    method: str = ""
    solution: object = field(default=None, repr=False)
    plot_column: str | None = field(default=None, repr=False)

    @property
    def success(self) -> bool:
        return self.status == "optimal"

    def to_dict(self) -> dict:
        """A JSON-ready dict of every field but ``solution``."""
        return _jsonable(
            {
                "kind": self.kind,
                "name": self.name,
                "status": self.status,
                "sense": self.sense,
                "objective_name": self.objective_name,
                "objective": None if math.isnan(self.objective) else float(self.objective),
                "method": self.method,
                "plan": _records(self.plan),
                "constraints": _records(self.constraints),
                "reduced_costs": _records(self.reduced_costs),
                "certificate": self.certificate,
                "iis": self.iis,
                "explanation": list(self.explanation),
                "frontier": _records(self.frontier),
            }
        )

    def to_json(self, **kwargs) -> str:
        """The result as JSON text (``kwargs`` go to :func:`json.dumps`, ``indent=1`` by default)."""
        kwargs.setdefault("indent", 1)
        return json.dumps(self.to_dict(), **kwargs)

    def plot(self):
        """A matplotlib Figure (Agg): the allocation as bars, or the efficient frontier for a portfolio."""
        from matplotlib.figure import Figure

        fig = Figure(figsize=(7.5, 4.5), layout="constrained")
        ax = fig.add_subplot()
        if self.frontier is not None and len(self.frontier):
            ax.plot(
                self.frontier["volatility"],
                self.frontier["expected_return"],
                "o-",
                ms=3,
                label="efficient frontier",
            )
            if self.success:
                chosen = self.plan.attrs.get("point")
                if chosen:
                    ax.plot([chosen[0]], [chosen[1]], "r*", ms=12, label="chosen portfolio")
            ax.set_xlabel("volatility (standard deviation per period)")
            ax.set_ylabel("expected return per period")
            ax.legend()
        elif self.success and self.plot_column and len(self.plan):
            labels = [str(v) for v in self.plan.iloc[:, 0]]
            heights = self.plan[self.plot_column].to_numpy(dtype=float)
            ax.barh(labels, heights, color="tab:blue")
            ax.invert_yaxis()
            ax.set_xlabel(self.plot_column)
        else:
            ax.text(0.5, 0.5, f"no plan: {self.status}", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
        ax.set_title(f"{self.name} ({self.kind}): {self.objective_name} {self.objective:.6g}")
        return fig

    @property
    def plot_name(self) -> str:
        return "frontier.png" if self.frontier is not None else "allocation.png"

    def save(self, out_dir) -> list[Path]:
        """Write ``plan.csv``, ``constraints.csv``, ``result.json`` and the plot PNG into ``out_dir``."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / "plan.csv", out / "constraints.csv", out / "result.json", out / self.plot_name]
        self.plan.to_csv(paths[0], index=False)
        self.constraints.to_csv(paths[1], index=False)
        paths[2].write_text(self.to_json())
        self.plot().savefig(paths[3], dpi=110)
        if self.frontier is not None:
            paths.append(out / "frontier.csv")
            self.frontier.to_csv(paths[-1], index=False)
        return paths
