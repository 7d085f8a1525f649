"""From a checked description to a :class:`~optimlab.programming.Model` and back to the user's names.

Each kind builds its model through a :class:`Builder`, which remembers for every constraint row and
variable bound the name it has in the file (``resources[machine A].capacity``) and its meaning in words.
:meth:`Builder.finish` turns the programming layer's :class:`~optimlab.programming.Solution` into an
:class:`~optimlab.allocate.AllocationResult`: the constraint table with shadow prices, slacks and
ranging, plain sentences, and an infeasibility explained by the irreducible infeasible subset (IIS).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from optimlab.programming import Model, Solution
from optimlab.programming.iis import find_iis

from .result import AllocationResult

__all__ = ["Builder", "Row", "fmt", "plural"]

#: Relative slack under which a constraint counts as binding.
BINDING_TOL = 1e-7


def _clean(values: np.ndarray) -> np.ndarray:
    """Round-off (under 1e-9 relative to the largest entry) to exact zeros."""
    values = np.asarray(values, dtype=float) + 0.0
    scale = max(1.0, float(np.max(np.abs(values)))) if values.size else 1.0
    return np.where(np.abs(values) <= 1e-9 * scale, 0.0, values)


def effect(price: float, sense: str, objective_name: str) -> str:
    """``"is worth 12.5"`` (a gain when maximizing) or ``"would raise the cost by 3"``."""
    if sense == "maximize" and price > 0:
        return f"is worth {price:.4g}"
    return f"would {'raise' if price > 0 else 'lower'} the {objective_name} by {abs(price):.4g}"


def fmt(value: float) -> str:
    return f"{value + 0.0:.6g}" if np.isfinite(value) else str(value)


def plural(unit: str, amount: float = 2.0) -> str:
    if abs(amount) == 1 or unit.endswith("s") or not unit:
        return unit
    return unit[:-1] + "ies" if unit.endswith("y") and unit[-2:-1] not in "aeiou" else unit + "s"


@dataclass(frozen=True)
class Row:
    """One constraint row as the user sees it.

    ``name`` is its name in the file; ``words`` describes the limited quantity (``"hours of machine A
    used"``); ``what`` and ``unit`` make the shadow-price sentence ("one more *hour* of *machine A*").
    ``shown=False`` marks rows of our own making (linking variables), left out of the table.
    """

    name: str
    words: str
    what: str
    unit: str = "unit"
    shown: bool = True
    prep: str = "of"


class Builder:
    """A :class:`Model` whose rows and bounds carry the names of the file."""

    def __init__(self, kind: str, name: str, *, objective_name: str) -> None:
        self.kind, self.name, self.objective_name = kind, name, objective_name
        self.model = Model(name or kind)
        self.rows: list[Row] = []
        self.lower_names: list[str] = []
        self.upper_names: list[str] = []
        self.labels: list[str | None] = []

    def variables(
        self, labels: list[str], *, lower_names=None, upper_names=None, decision: bool = True, **kwargs
    ):
        """A vector of variables named ``labels`` (bounds named ``lower_names``/``upper_names`` in an IIS)."""
        n = len(labels)
        var = self.model.add_variables(n, **kwargs)
        lb, ub = np.broadcast_to(var.lb, n), np.broadcast_to(var.ub, n)
        self.lower_names += (
            list(lower_names)
            if lower_names is not None
            else [f"{lab} >= {fmt(lo)}" for lab, lo in zip(labels, lb, strict=True)]
        )
        self.upper_names += (
            list(upper_names)
            if upper_names is not None
            else [f"{lab} <= {fmt(hi)}" for lab, hi in zip(labels, ub, strict=True)]
        )
        self.labels += list(labels) if decision else [None] * n
        return var

    def constrain(self, constraint, rows: list[Row], *, name: str):
        block = self.model.add_constraints(constraint, name=name)
        if block.flat_index.size != len(rows):
            raise AssertionError(f"{name}: {block.flat_index.size} rows but {len(rows)} descriptions")
        self.rows += rows
        return block

    # ------------------------------------------------------------------ solve and explain
    def solve(self, **kwargs) -> Solution:
        sol = self.model.solve(**kwargs)
        if sol.status == "infeasible" and sol.iis is None:
            # a QP's objective does not change feasibility: diagnose its constraints as an LP
            problem = replace(sol.problem, Q=None)
            problem.integrality = problem.integrality.copy()
            sol.iis = find_iis(problem)
        return sol

    def iis_names(self, sol: Solution) -> list[str] | None:
        if sol.iis is None:
            return None
        out = [self.rows[m.index].name for m in sol.iis.rows]
        for m in sol.iis.bounds:
            if m.side in ("lower", "both", "equality"):
                out.append(self.lower_names[m.index])
            if m.side in ("upper", "both") or (
                m.side == "equality" and self.upper_names[m.index] != self.lower_names[m.index]
            ):
                out.append(self.upper_names[m.index])
        return list(dict.fromkeys(out))

    def iis_lines(self, sol: Solution) -> list[str]:
        """The IIS with what each member says: ``resources[wood].capacity: planks of wood used <= 700``."""
        p, out = sol.problem, []
        for m in sol.iis.rows:
            row = self.rows[m.index]
            limit = {
                "equality": f"= {fmt(m.lower)}",
                "lower": f">= {fmt(m.lower)}",
                "upper": f"<= {fmt(m.upper)}",
            }.get(m.side, f"in [{fmt(m.lower)}, {fmt(m.upper)}]")
            out.append(f"{row.name}: {row.words} {limit}")
        for m in sol.iis.bounds:
            if m.side in ("lower", "both", "equality"):
                out.append(f"{self.lower_names[m.index]}: at least {fmt(p.lb[m.index])}")
            if m.side in ("upper", "both"):
                out.append(f"{self.upper_names[m.index]}: at most {fmt(p.ub[m.index])}")
        return list(dict.fromkeys(out))

    def constraint_table(self, sol: Solution) -> pd.DataFrame:
        p = sol.problem
        shown = [i for i, r in enumerate(self.rows) if r.shown]
        lo, hi = p.row_lower[shown], p.row_upper[shown]
        sense = np.where(lo == hi, "=", np.where(np.isfinite(hi), "<=", ">="))
        bound = np.where(np.isfinite(hi), hi, lo)
        table = pd.DataFrame(
            {
                "name": [self.rows[i].name for i in shown],
                "description": [self.rows[i].words for i in shown],
                "activity": np.nan,
                "sense": sense,
                "bound": bound,
                "slack": np.nan,
                "binding": False,
                "shadow_price": np.nan,
            }
        )
        if sol.x is not None:
            activity = (p.A @ sol.x)[shown]
            slack = np.where(sense == "<=", hi - activity, np.where(sense == ">=", activity - lo, 0.0))
            slack = np.where(np.abs(slack) < 1e-9 * (1 + np.abs(bound)), 0.0, slack)
            table["activity"] = activity
            table["slack"] = slack
            table["binding"] = (sense == "=") | (np.abs(slack) <= BINDING_TOL * (1 + np.abs(bound)))
        if sol.row_dual is not None:
            table["shadow_price"] = _clean(sol.row_dual[shown])
            ranging = sol.ranging
            if ranging is not None:  # the range of a bound that does not bind says little: left out
                table["rhs_lower"] = np.where(table["binding"], ranging.rhs_lower[shown], np.nan)
                table["rhs_upper"] = np.where(table["binding"], ranging.rhs_upper[shown], np.nan)
        return table

    def reduced_cost_table(self, sol: Solution) -> pd.DataFrame | None:
        if sol.col_dual is None:
            return None
        cols = [j for j, lab in enumerate(self.labels) if lab is not None]
        table = pd.DataFrame(
            {
                "decision": [self.labels[j] for j in cols],
                "value": sol.x[cols],
                "reduced_cost": _clean(sol.col_dual[cols]),
            }
        )
        ranging = sol.ranging
        if ranging is not None:
            table["cost_lower"] = ranging.cost_lower[cols]
            table["cost_upper"] = ranging.cost_upper[cols]
        return table

    def sentences(self, table: pd.DataFrame, sense: str) -> list[str]:
        """What the binding constraints are worth, and which ones have room to spare."""
        out, spare = [], []
        ranged = "rhs_lower" in table.columns
        for k, rec in enumerate(table.to_dict("records")):
            row = [r for r in self.rows if r.shown][k]
            price = rec["shadow_price"]
            if rec["binding"] and np.isfinite(price) and abs(price) > 1e-9:
                line = (
                    f"One more {row.unit} {row.prep} {row.what} {effect(price, sense, self.objective_name)}"
                )
                if ranged and np.isfinite(rec["rhs_lower"]) and np.isfinite(rec["rhs_upper"]):
                    line += (
                        f" (while the limit {fmt(rec['bound'])} stays between {fmt(rec['rhs_lower'])} "
                        f"and {fmt(rec['rhs_upper'])})"
                    )
                out.append(line + ".")
            elif not rec["binding"] and np.isfinite(rec["slack"]) and rec["sense"] == "<=":
                spare.append(f"{row.what} ({rec['slack']:.4g} {plural(row.unit, rec['slack'])} to spare)")
        if spare:
            out.append("Not limiting: " + ", ".join(spare) + ".")
        return out

    def bound_sentences(self, sol: Solution, sense: str) -> list[str]:
        """What moving a decision's limit (its min or max in the file) by one is worth."""
        if sol.col_dual is None:
            return []
        out = []
        rc = _clean(sol.col_dual)
        lb, ub = sol.problem.lb, sol.problem.ub
        for j, lab in enumerate(self.labels):
            if lab is None or rc[j] == 0:
                continue
            at_upper = np.isfinite(ub[j]) and abs(sol.x[j] - ub[j]) <= 1e-7 * (1 + abs(ub[j]))
            at_lower = np.isfinite(lb[j]) and abs(sol.x[j] - lb[j]) <= 1e-7 * (1 + abs(lb[j]))
            if at_upper and (rc[j] > 0) == (sense == "maximize"):
                out.append(
                    f"Raising {self.upper_names[j]} ({fmt(ub[j])}) by one "
                    f"{effect(rc[j], sense, self.objective_name)}."
                )
            elif at_lower and lb[j] != 0 and (rc[j] < 0) == (sense == "maximize"):
                out.append(
                    f"Raising {self.lower_names[j]} ({fmt(lb[j])}) by one "
                    f"{effect(rc[j], sense, self.objective_name)}."
                )
        return out

    def finish(
        self,
        sol: Solution,
        plan: Callable[[Solution], pd.DataFrame],
        *,
        sense: str,
        notes: list[str] = (),
        plot_column: str | None = None,
    ) -> AllocationResult:
        """The result in the file's names: plan, constraint table, sentences, IIS."""
        constraints = self.constraint_table(sol)
        status = str(sol.status.value)
        lines: list[str] = []
        iis = None
        if sol.x is not None and status == "optimal":
            lines.append(f"Optimal {self.objective_name}: {sol.objective:.6g}.")
            lines += self.sentences(constraints, sense)
            lines += self.bound_sentences(sol, sense)
            if sol.row_dual is None and sol.problem.is_mip:
                lines.append(
                    "Shadow prices are not defined for a problem with whole-number decisions "
                    "(the activities and slacks are)."
                )
        elif status == "infeasible":
            iis = self.iis_names(sol)
            lines.append(
                "No plan meets every constraint. These cannot hold together "
                "(loosen any one of them and the others can be met):"
            )
            lines += [f"  - {line}" for line in self.iis_lines(sol)]
        else:
            lines.append(f"No optimal plan: the solver stopped with status {status!r} ({sol.message}).")
        plan_df = plan(sol) if sol.x is not None else pd.DataFrame()
        certificate = None
        if sol.certificate is not None:
            certificate = {"backend": sol.backend, **sol.certificate.as_dict()}
        return AllocationResult(
            kind=self.kind,
            name=self.name,
            status=status,
            objective=float(sol.objective),
            sense=sense,
            objective_name=self.objective_name,
            plan=plan_df,
            constraints=constraints,
            reduced_costs=self.reduced_cost_table(sol) if sol.x is not None else None,
            certificate=certificate,
            iis=iis,
            explanation=lines + list(notes),
            method=f"{sol.problem.kind.upper()} ({sol.backend})",
            solution=sol,
            plot_column=plot_column,
        )
