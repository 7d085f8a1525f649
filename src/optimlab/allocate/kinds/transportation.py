"""``transportation``: ship goods from sources to destinations at the least cost (LP).

.. math::

    \\min \\sum_{(s,d)} c_{sd} x_{sd} \\quad \\text{s.t.} \\quad \\sum_d x_{sd} \\le \\text{supply}_s,
    \\quad \\sum_s x_{sd} \\ge \\text{demand}_d, \\quad x \\ge 0

only over the routes that have a cost. Unbalanced problems (more supply than demand) leave the
surplus at the sources; less supply than demand is infeasible, and the explanation names the
supplies and demands that cannot be met together.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._build import Builder, Row, plural
from .._schema import ProblemError, names, numbers, pairs, table, text

REQUIRED = ("sources", "destinations", "costs")
OPTIONAL = ("unit",)


def solve(spec: dict, *, base_dir, name: str):
    sources = table(spec["sources"], "transportation.sources", base_dir, required=("name", "supply"))
    dests = table(spec["destinations"], "transportation.destinations", base_dir, required=("name", "demand"))
    S = names(sources, "name", "transportation.sources")
    D = names(dests, "name", "transportation.destinations")
    supply = numbers(sources, "supply", "transportation.sources", minimum=0.0)
    demand = numbers(dests, "demand", "transportation.destinations", minimum=0.0)
    unit = text(spec.get("unit", "unit"), "transportation.unit")
    cost = pairs(
        table(spec["costs"], "transportation.costs", base_dir, extra=True),
        "transportation.costs",
        row_key="source",
        col_key="destination",
        value_key="cost",
        row_names=S,
        col_names=D,
    )
    si, di = np.nonzero(np.isfinite(cost))
    if si.size == 0:
        raise ProblemError("transportation.costs gives no route: add rows source, destination, cost.")
    for j in np.setdiff1d(np.arange(len(D)), di):
        if demand[j] > 0:
            raise ProblemError(
                f"transportation.destinations[{j}] ({D[j]!r}) has demand {demand[j]:g} but "
                "no route reaches it in transportation.costs."
            )

    b = Builder("transportation", name, objective_name="cost")
    x = b.variables([f"{S[i]} -> {D[j]}" for i, j in zip(si, di, strict=True)], name="ship")
    n = si.size
    out_of = sp.csr_matrix((np.ones(n), (si, np.arange(n))), shape=(len(S), n))
    into = sp.csr_matrix((np.ones(n), (di, np.arange(n))), shape=(len(D), n))
    units = plural(unit)
    b.constrain(
        out_of @ x <= supply,
        [Row(f"sources[{s}].supply", f"{units} shipped from {s}", f"supply at {s}", unit) for s in S],
        name="supply",
    )
    b.constrain(
        into @ x >= demand,
        [Row(f"destinations[{d}].demand", f"{units} delivered to {d}", f"demand at {d}", unit) for d in D],
        name="demand",
    )
    c = cost[si, di]
    b.model.minimize(c @ x)
    sol = b.solve()
    notes = []
    if supply.sum() < demand.sum():
        notes.append(f"Total supply {supply.sum():g} is below total demand {demand.sum():g}.")

    def plan(sol) -> pd.DataFrame:
        q = sol["ship"]
        keep = q > 1e-9
        return pd.DataFrame(
            {
                "source": np.asarray(S)[si[keep]],
                "destination": np.asarray(D)[di[keep]],
                "quantity": q[keep],
                "unit_cost": c[keep],
                "cost": (c * q)[keep],
            }
        )

    return b.finish(sol, plan, sense="minimize", notes=notes, plot_column="quantity")


EXAMPLE = """\
# optimlab allocate: a transportation problem.
# Ship from plants to markets so that every market gets its demand, no plant ships more than it has,
# and the total shipping cost is as small as possible. Solve with:  optimlab allocate transportation.yaml
kind: transportation
name: canneries to markets
unit: case                   # what is shipped (used in the explanations)

sources:                     # name and supply (or a CSV file name with columns name, supply)
  - {name: Seattle,   supply: 350}
  - {name: San Diego, supply: 600}

destinations:                # name and demand
  - {name: New York, demand: 325}
  - {name: Chicago,  demand: 300}
  - {name: Topeka,   demand: 275}

# Cost per unit shipped: one row per source, one column per destination (or long form: columns
# source, destination, cost). A missing entry means there is no such route.
costs:
  - {source: Seattle,   New York: 2.5, Chicago: 1.7, Topeka: 1.8}
  - {source: San Diego, New York: 2.5, Chicago: 1.8, Topeka: 1.4}
"""
