"""``production``: product mix and production planning (LP, or MILP with integrality and minimum lots).

.. math::

    \\max \\sum_p \\text{profit}_p\\, \\text{make}_p \\quad \\text{s.t.} \\quad
    \\sum_p \\text{usage}_{pr}\\, \\text{make}_p \\le \\text{capacity}_r, \\quad
    \\min_p \\le \\text{make}_p \\le \\max_p

Over several periods, products are made, sold (up to the demand) and stored from one period to the
next: ``inventory[t] = inventory[t-1] + make[t] - sell[t]``, with a holding cost per unit and period.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._build import Builder, Row, fmt, plural
from .._schema import ProblemError, flags, names, numbers, pairs, table, text

REQUIRED = ("products", "resources", "usage")
OPTIONAL = ("integer", "periods", "demand", "unit")
PRODUCT_COLUMNS = (
    ("name", "profit"),
    ("min", "max", "integer", "min_lot", "holding_cost", "initial_inventory"),
)


def solve(spec: dict, *, base_dir, name: str):
    products = table(
        spec["products"],
        "production.products",
        base_dir,
        required=PRODUCT_COLUMNS[0],
        optional=PRODUCT_COLUMNS[1],
    )
    resources = table(
        spec["resources"], "production.resources", base_dir, required=("name", "capacity"), optional=("unit",)
    )
    P = names(products, "name", "production.products")
    R = names(resources, "name", "production.resources")
    unit = text(spec.get("unit", "unit"), "production.unit")
    profit = numbers(products, "profit", "production.products")
    lo = numbers(products, "min", "production.products", default=0.0, minimum=0.0)
    hi = numbers(products, "max", "production.products", default=np.inf, minimum=0.0, allow_inf=True)
    for i in np.flatnonzero(lo > hi):
        raise ProblemError(f"production.products[{i}]: min {fmt(lo[i])} is above max {fmt(hi[i])}.")
    lot = numbers(products, "min_lot", "production.products", default=0.0, minimum=0.0)
    all_integer = spec.get("integer", False)
    if not isinstance(all_integer, bool):
        raise ProblemError(f"production.integer must be true or false; got {all_integer!r}.")
    integer = flags(products, "integer", "production.products", default=all_integer)
    capacity = numbers(resources, "capacity", "production.resources", minimum=0.0)
    runits = [
        str(u) if isinstance(u, str) and u.strip() else "unit"
        for u in (resources["unit"] if "unit" in resources else ["unit"] * len(R))
    ]
    usage = pairs(
        table(spec["usage"], "production.usage", base_dir, extra=True),
        "production.usage",
        row_key="product",
        col_key="resource",
        value_key="amount",
        row_names=P,
        col_names=R,
        default=0.0,
        minimum=0.0,
    )

    periods = spec.get("periods")
    if periods is not None:
        if not isinstance(periods, list) or not periods:
            raise ProblemError(f"production.periods must be a list of period names; got {periods!r}.")
        T = [text(t, f"production.periods[{i}]") for i, t in enumerate(periods)]
        if spec.get("demand") is None:
            raise ProblemError(
                "production.demand is missing: with periods, give the demand per product and "
                "period (columns product, period, amount)."
            )
        demand = pairs(
            table(spec["demand"], "production.demand", base_dir, extra=True),
            "production.demand",
            row_key="product",
            col_key="period",
            value_key="amount",
            row_names=P,
            col_names=T,
            default=0.0,
            minimum=0.0,
        )
    elif spec.get("demand") is not None:
        raise ProblemError(
            "production.demand needs production.periods (the demand is given per period); "
            "for one period, use the products' max."
        )
    else:
        T, demand = None, None

    b = Builder("production", name, objective_name="profit")
    nT = 1 if T is None else len(T)
    label = [f"{p}" if T is None else f"{p} ({t})" for p in P for t in (T or [None])]
    where = [f"products[{p}]" for p in P for _ in range(nT)]
    make = b.variables(
        label,
        lb=np.repeat(lo, nT),
        ub=np.repeat(hi, nT),
        integer=bool(integer.all()),
        name="make",
        lower_names=[f"{w}.min" for w in where],
        upper_names=[f"{w}.max" for w in where],
    )
    whole = np.flatnonzero(np.repeat(integer, nT))
    if whole.size and not integer.all():  # some products only: tie them to integer copies
        copies = b.variables([label[k] for k in whole], integer=True, name="whole", decision=False)
        b.constrain(
            make[whole] - copies == 0,
            [
                Row(
                    f"products[{P[k // nT]}].integer",
                    f"{P[k // nT]} in whole {plural(unit)}",
                    P[k // nT],
                    unit,
                    shown=False,
                )
                for k in whole
            ],
            name="integer",
        )
    # capacity of each resource in each period: kron(usage', I_T) @ make, rows r * T + t
    cap_matrix = sp.kron(sp.csr_matrix(usage.T), sp.eye(nT), format="csr")
    cap_rows = [
        Row(
            f"resources[{r}].capacity" + ("" if T is None else f"[{t}]"),
            f"{plural(u)} of {r} used" + ("" if T is None else f" in {t}"),
            r if T is None else f"{r} in {t}",
            u,
        )
        for r, u in zip(R, runits, strict=True)
        for t in (T or [None])
    ]
    b.constrain(cap_matrix @ make <= np.repeat(capacity, nT), cap_rows, name="capacity")

    if T is None:
        b.model.maximize(profit @ make)
    else:
        hold = numbers(products, "holding_cost", "production.products", default=0.0, minimum=0.0)
        init = numbers(products, "initial_inventory", "production.products", default=0.0, minimum=0.0)
        sell = b.variables([f"sell {lab}" for lab in label], name="sell")
        inv = b.variables([f"stock {lab}" for lab in label], name="inventory")
        shift = sp.kron(sp.eye(len(P)), sp.eye(nT) - sp.eye(nT, k=-1), format="csr")
        rhs = np.zeros(len(P) * nT)
        rhs[::nT] = init
        b.constrain(
            shift @ inv - make + sell == rhs,
            [
                Row(
                    f"products[{p}].inventory[{t}]",
                    f"stock of {p} at the end of {t}",
                    f"stock of {p} in {t}",
                    unit,
                    shown=False,
                )
                for p in P
                for t in T
            ],
            name="balance",
        )
        b.constrain(
            sell <= demand.ravel(),
            [
                Row(f"demand[{p}, {t}]", f"{plural(unit)} of {p} sold in {t}", f"demand for {p} in {t}", unit)
                for p in P
                for t in T
            ],
            name="demand",
        )
        b.model.maximize(np.repeat(profit, nT) @ sell - np.repeat(hold, nT) @ inv)

    big = np.where(
        np.isfinite(hi),
        hi,
        np.min(np.where(usage > 0, capacity[None, :] / np.where(usage > 0, usage, 1.0), np.inf), axis=1),
    )
    lots = np.flatnonzero(lot > 0)
    notes = []
    if lots.size:
        for i in lots:
            if not np.isfinite(big[i]):
                raise ProblemError(
                    f"production.products[{i}].min_lot needs a finite max for {P[i]!r} "
                    "(or a resource it uses)."
                )
        idx = np.array([i * nT + t for i in lots for t in range(nT)])
        lot_labels = [label[k] for k in idx]
        run = b.variables([f"run {lab}" for lab in lot_labels], binary=True, name="run", decision=False)
        sub = make[idx]
        b.constrain(
            sub - np.repeat(lot[lots], nT) * run >= 0,
            [
                Row(
                    f"products[{P[k // nT]}].min_lot",
                    f"{P[k // nT]} made when made at all",
                    f"minimum lot of {P[k // nT]}",
                    unit,
                )
                for k in idx
            ],
            name="min_lot",
        )
        b.constrain(
            sub - np.repeat(big[lots], nT) * run <= 0,
            [
                Row(
                    f"products[{P[k // nT]}].min_lot",
                    f"{P[k // nT]} made only when run",
                    f"run of {P[k // nT]}",
                    unit,
                    shown=False,
                )
                for k in idx
            ],
            name="run_link",
        )
        notes.append(
            "Products with a minimum lot are made either not at all or at least the lot size "
            "(a mixed-integer program)."
        )

    sol = b.solve()

    def plan(sol) -> pd.DataFrame:
        x = sol["make"].reshape(len(P), nT)
        if T is None:
            return pd.DataFrame(
                {"product": P, "make": x[:, 0], "profit_per_unit": profit, "profit": profit * x[:, 0]}
            )
        s, v = sol["sell"].reshape(len(P), nT), sol["inventory"].reshape(len(P), nT)
        return pd.DataFrame(
            {
                "product": np.repeat(P, nT),
                "period": T * len(P),
                "make": x.ravel(),
                "sell": s.ravel(),
                "inventory": v.ravel(),
                "profit": (profit[:, None] * s).ravel(),
            }
        )

    return b.finish(sol, plan, sense="maximize", notes=notes, plot_column="make")


EXAMPLE = """\
# optimlab allocate: a production (product-mix) problem.
# Decide how many of each product to make so that profit is as large as possible without using more
# of any resource than is available. Solve it with:  optimlab allocate production.yaml --out results
kind: production
name: furniture workshop
unit: piece                 # what a product is counted in (used in the explanations)

# One record per product: profit per unit made; optional min/max (units), integer (whole units
# only), min_lot (make either none or at least this many). A table may also be a CSV file name,
# e.g.  products: products.csv  (relative to this file), with the same columns.
products:
  - {name: chairs, profit: 45, max: 100}
  - {name: tables, profit: 80, max: 40}
  - {name: desks,  profit: 60, min: 5}

# One record per resource: how much is available, and its unit.
resources:
  - {name: machine A, capacity: 120, unit: hour}
  - {name: machine B, capacity: 100, unit: hour}
  - {name: wood,      capacity: 700, unit: plank}

# Usage per unit made: one row per product, one column per resource (or long form: columns
# product, resource, amount). Missing entries are 0.
usage:
  - {product: chairs, machine A: 1.0, machine B: 0.5, wood: 5}
  - {product: tables, machine A: 2.0, machine B: 1.5, wood: 12}
  - {product: desks,  machine A: 1.5, machine B: 2.0, wood: 9}

# Optional: integer: true makes every product whole units. Several periods with inventory:
# periods: [Jan, Feb]   and   demand: [{product: chairs, period: Jan, amount: 30}, ...]
# (products may then have holding_cost and initial_inventory).
"""
