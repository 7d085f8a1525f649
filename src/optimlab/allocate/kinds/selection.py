"""``selection``: choose projects of the largest total value under one or more budgets (knapsack).

.. math::

    \\max \\sum_j v_j y_j \\quad \\text{s.t.} \\quad \\sum_j c_{kj} y_j \\le B_k \\ (k = 1..K),
    \\quad y_j \\in \\{0, 1\\}

One budget with whole-number costs (or costs with a few decimals, scaled to whole numbers) is solved
exactly by dynamic programming (:func:`optimlab.programming.dp.knapsack`); several budgets, mandatory
projects, or costs that do not scale are a MILP on :mod:`optimlab.programming`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimlab.programming import Model
from optimlab.programming.dp import knapsack

from .._build import Builder, Row, fmt
from .._schema import ProblemError, flags, names, numbers, table
from ..result import AllocationResult

REQUIRED = ("projects", "budgets")
OPTIONAL = ()
#: Largest knapsack table (capacity x items) solved by dynamic programming.
MAX_DP_CELLS = 5e7


def _scale(costs: np.ndarray, capacity: float) -> int | None:
    """The power of ten (up to 10^4) that makes the costs and the capacity whole, or None."""
    for digits in range(5):
        s = 10**digits
        values = np.append(costs, capacity) * s
        if np.all(np.abs(values - np.round(values)) <= 1e-9 * np.maximum(1, np.abs(values))):
            return s
    return None


def solve(spec: dict, *, base_dir, name: str):
    budgets = table(spec["budgets"], "selection.budgets", base_dir, required=("name", "amount"))
    B = names(budgets, "name", "selection.budgets")
    amount = numbers(budgets, "amount", "selection.budgets", minimum=0.0)
    for reserved in ("name", "value", "mandatory"):
        if reserved in B:
            raise ProblemError(
                f"selection.budgets: {reserved!r} cannot name a budget (it is a projects column)."
            )
    projects = table(
        spec["projects"],
        "selection.projects",
        base_dir,
        required=("name", "value", *B),
        optional=("mandatory",),
    )
    P = names(projects, "name", "selection.projects")
    value = numbers(projects, "value", "selection.projects")
    cost = np.column_stack([numbers(projects, k, "selection.projects", minimum=0.0) for k in B])
    mandatory = flags(projects, "mandatory", "selection.projects")

    scale = _scale(cost[:, 0], amount[0]) if len(B) == 1 and not mandatory.any() else None
    if scale is not None and (amount[0] * scale + 1) * len(P) <= MAX_DP_CELLS:
        return _by_dp(name, P, value, cost[:, 0], B[0], amount[0], scale)

    b = Builder("selection", name, objective_name="value")
    y = b.variables(
        P,
        integer=True,
        lb=mandatory.astype(float),
        ub=1.0,
        name="choose",
        lower_names=[
            f"projects[{p}].mandatory" if must else f"projects[{p}] >= 0"
            for p, must in zip(P, mandatory, strict=True)
        ],
        upper_names=[f"projects[{p}]" for p in P],
    )
    b.constrain(
        cost.T @ y <= amount,
        [Row(f"budgets[{k}].amount", f"{k} used by the chosen projects", k) for k in B],
        name="budgets",
    )
    b.model.maximize(value @ y)
    sol = b.solve()
    why = (
        "several budgets"
        if len(B) > 1
        else ("mandatory projects" if mandatory.any() else "costs that do not scale to whole numbers")
    )
    notes = [f"Solved as a mixed-integer program ({why}); the answer is optimal within the MIP gap 1e-6."]
    return b.finish(
        sol,
        lambda sol: _plan(P, value, cost, B, sol["choose"] > 0.5),
        sense="maximize",
        notes=notes,
        plot_column="value_chosen",
    )


def _plan(P, value, cost, B, chosen) -> pd.DataFrame:
    out = pd.DataFrame(
        {"project": P, "chosen": chosen, "value": value, **{k: cost[:, i] for i, k in enumerate(B)}}
    )
    out["value_chosen"] = np.where(chosen, value, 0.0)
    return out


def _by_dp(name, P, value, cost, budget, amount, scale) -> AllocationResult:
    weights = np.round(cost * scale).astype(np.int64)
    best = knapsack(value, weights, round(amount * scale))
    chosen = np.zeros(len(P), dtype=bool)
    chosen[best.items] = True
    used = float(cost[chosen].sum())
    # the LP relaxation bounds the optimum from above: a check of the DP's answer
    m = Model("relaxation")
    y = m.add_variables(len(P), ub=1.0, name="y")
    m.add_constraints(cost @ y <= amount, name="budget")
    m.maximize(value @ y)
    relax = m.solve()
    constraints = pd.DataFrame(
        {
            "name": [f"budgets[{budget}].amount"],
            "description": [f"{budget} used by the chosen projects"],
            "activity": [used],
            "sense": ["<="],
            "bound": [amount],
            "slack": [amount - used],
            "binding": [amount - used <= 1e-9 * (1 + amount)],
            "shadow_price": [np.nan],
        }
    )
    lines = [
        f"Optimal value: {best.value:.6g}.",
        f"Chosen: {', '.join(np.asarray(P)[chosen]) or 'nothing'}; "
        f"{fmt(used)} of {fmt(amount)} {budget} used.",
        "Solved exactly by dynamic programming over the budget (knapsack)"
        + (f", with costs scaled by {scale} to whole numbers." if scale > 1 else "."),
        f"The LP relaxation's value {relax.objective:.6g} bounds what any selection could reach; "
        "shadow prices are not defined for yes/no choices.",
    ]
    certificate = {
        "method": "dynamic programming",
        "exact": True,
        "value": float(best.value),
        "lp_relaxation_bound": float(relax.objective),
        "gap_to_lp_bound": float(relax.objective - best.value),
    }
    return AllocationResult(
        kind="selection",
        name=name,
        status="optimal",
        objective=float(best.value),
        sense="maximize",
        objective_name="value",
        plan=_plan(P, value, cost[:, None], [budget], chosen),
        constraints=constraints,
        certificate=certificate,
        explanation=lines,
        method="dynamic programming (knapsack)",
        solution=best,
        plot_column="value_chosen",
    )


EXAMPLE = """\
# optimlab allocate: a project selection (knapsack) problem.
# Choose the projects with the largest total value whose costs fit every budget.
# Solve with:  optimlab allocate selection.yaml --out results
kind: selection
name: project portfolio 2025

budgets:                     # one record per budget: name and amount available
  - {name: capital, amount: 100}
  # - {name: engineers, amount: 12}   # a second budget (then each project needs an engineers column)

# One record per project: value, and its cost in each budget (a column named like the budget).
# mandatory: true forces a project in. Also a CSV file name with the same columns.
projects:
  - {name: new warehouse,   value: 60, capital: 35}
  - {name: ERP upgrade,     value: 45, capital: 30}
  - {name: solar roof,      value: 40, capital: 25}
  - {name: fleet renewal,   value: 38, capital: 28}
  - {name: training,        value: 15, capital: 8}
  - {name: website,         value: 12, capital: 10}
"""
