"""``portfolio``: mean-variance weights from historical returns (QP), and the efficient frontier.

The expected returns ``mu`` are the sample means of the returns table, the covariance ``Sigma`` its
sample covariance (``ddof=1``). With a ``target_return``:

.. math::

    \\min_w w^\\top \\Sigma w \\quad \\text{s.t.} \\quad \\mu^\\top w \\ge r,
    \\quad \\textstyle\\sum_i w_i = B,
    \\quad \\ell \\le w \\le u

with a ``risk_aversion`` ``gamma``: ``min (gamma / 2) w'Sigma w - mu'w`` under the same budget and bounds;
with neither, the minimum-variance portfolio. ``frontier: N`` adds the minimum variance for ``N``
target returns from the minimum-variance portfolio's return to the largest attainable one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimlab.programming import Model

from .._build import Builder, Row, fmt
from .._schema import ProblemError, names, number, table

REQUIRED = ("returns",)
OPTIONAL = ("budget", "assets", "long_only", "target_return", "risk_aversion", "frontier")
DATE_COLUMNS = ("date", "period", "time", "month", "day", "year")


def estimate(returns: pd.DataFrame) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Asset names, mean returns and sample covariance of a returns table (a date column is ignored)."""
    cols = [c for c in returns.columns if c.lower() not in DATE_COLUMNS]
    R = np.empty((len(returns), len(cols)))
    for j, c in enumerate(cols):
        values = pd.to_numeric(returns[c], errors="coerce")
        bad = np.flatnonzero(values.isna().to_numpy())
        if bad.size:
            raise ProblemError(
                f"portfolio.returns[{bad[0]}].{c} must be a number; got {returns[c].iloc[bad[0]]!r}."
            )
        R[:, j] = values.to_numpy(dtype=float)
    if R.shape[0] < 2 or R.shape[1] < 1:
        raise ProblemError(
            f"portfolio.returns needs 2 or more rows and 1 or more asset columns; got {R.shape}."
        )
    cov = np.atleast_2d(np.cov(R, rowvar=False))
    return cols, R.mean(axis=0), cov


def solve(spec: dict, *, base_dir, name: str):
    returns = table(spec["returns"], "portfolio.returns", base_dir, extra=True)
    A, mu, cov = estimate(returns)
    budget = number(spec.get("budget", 1.0), "portfolio.budget", minimum=0.0, strict=True)
    long_only = spec.get("long_only", True)
    if not isinstance(long_only, bool):
        raise ProblemError(f"portfolio.long_only must be true or false; got {long_only!r}.")
    lo = np.full(len(A), 0.0 if long_only else -np.inf)
    hi = np.full(len(A), np.inf)
    lower_names = [f"long_only ({a} >= 0)" for a in A]
    upper_names = [f"assets[{a}].max" for a in A]
    if spec.get("assets") is not None:
        assets = table(
            spec["assets"], "portfolio.assets", base_dir, required=("name",), optional=("min", "max")
        )
        index = {a: j for j, a in enumerate(A)}
        for i, a in enumerate(names(assets, "name", "portfolio.assets")):
            if a not in index:
                from .._schema import suggest

                raise ProblemError(
                    f"portfolio.assets[{i}].name: {a!r} is not a column of portfolio.returns{suggest(a, A)}."
                )
            j = index[a]
            if "min" in assets and pd.notna(assets["min"].iloc[i]):
                lo[j] = number(assets["min"].iloc[i], f"portfolio.assets[{i}].min")
                lower_names[j] = f"assets[{a}].min"
            if "max" in assets and pd.notna(assets["max"].iloc[i]):
                hi[j] = number(assets["max"].iloc[i], f"portfolio.assets[{i}].max")
            if lo[j] > hi[j]:
                raise ProblemError(f"portfolio.assets[{i}]: min {lo[j]:g} is above max {hi[j]:g}.")
    target, gamma = spec.get("target_return"), spec.get("risk_aversion")
    if target is not None and gamma is not None:
        raise ProblemError("portfolio: give target_return or risk_aversion, not both.")
    n_frontier = spec.get("frontier")
    if n_frontier is not None:
        n_frontier = int(number(n_frontier, "portfolio.frontier", minimum=2, integer=True))

    b = Builder("portfolio", name, objective_name="variance")
    w = b.variables(A, lb=lo, ub=hi, name="weight", lower_names=lower_names, upper_names=upper_names)
    b.constrain(w.sum() == budget, [Row("budget", "sum of the weights", "budget")], name="budget")
    if target is not None:
        target = number(target, "portfolio.target_return")
        b.constrain(
            mu @ w >= target,
            [Row("target_return", "expected return of the portfolio", "target return")],
            name="target_return",
        )
    if gamma is not None:
        gamma = number(gamma, "portfolio.risk_aversion", minimum=0.0, strict=True)
        b.objective_name = "risk-adjusted cost (risk_aversion / 2 x variance - expected return)"
        b.model.minimize(0.5 * gamma * (w @ cov @ w) - mu @ w)
    else:
        b.model.minimize(w @ cov @ w)
    sol = b.solve()

    frontier = None
    if n_frontier is not None and sol.x is not None:
        frontier = efficient_frontier(mu, cov, lo, hi, budget, n_frontier, A)

    def plan(sol) -> pd.DataFrame:
        x = sol["weight"]
        x = np.where(np.abs(x) < 1e-8 * budget, 0.0, x)  # an interior-point solver's round-off
        out = pd.DataFrame(
            {
                "asset": A,
                "weight": x,
                "expected_return": mu,
                "volatility": np.sqrt(np.diag(cov)),
                "risk_contribution": x * (cov @ x) / max(float(x @ cov @ x), 1e-300),
            }
        )
        out.attrs["point"] = (float(np.sqrt(max(x @ cov @ x, 0.0))), float(mu @ x))
        return out

    notes = [
        f"Expected returns and covariance estimated from {len(returns)} periods of returns "
        f"of {len(mu)} assets."
    ]
    if sol.x is not None:
        x = sol["weight"]
        notes.insert(
            0, f"Expected return {fmt(mu @ x)} per period, volatility {fmt(np.sqrt(max(x @ cov @ x, 0)))}."
        )
    result = b.finish(sol, plan, sense="minimize", notes=notes, plot_column="weight")
    result.frontier = frontier
    return result


def efficient_frontier(mu, cov, lo, hi, budget, points: int, assets) -> pd.DataFrame:
    """Minimum variance for ``points`` target returns, from the least-variance portfolio to the top return."""
    m = Model("frontier")
    w = m.add_variables(len(mu), lb=lo, ub=hi, name="weight")
    m.add_constraints(w.sum() == budget, name="budget")
    m.maximize(mu @ w)
    top = m.solve(diagnose=False)
    m.minimize(w @ cov @ w)
    bottom = m.solve(diagnose=False)
    if top.x is None or bottom.x is None:
        return pd.DataFrame()
    target = m.add_constraints(mu @ w >= float(mu @ bottom.x), name="target")
    rows = []
    for r in np.linspace(float(mu @ bottom.x), top.objective, points):
        # the top target is exactly attainable; a hair below keeps round-off from making it infeasible
        target.lower = r - 1e-9 * (1 + abs(r))
        sol = m.solve(diagnose=False)
        if sol.x is None:
            continue
        x = sol["weight"]
        rows.append(
            {
                "target_return": r,
                "expected_return": float(mu @ x),
                "volatility": float(np.sqrt(max(x @ cov @ x, 0.0))),
                "variance": float(x @ cov @ x),
                **{f"weight[{a}]": v for a, v in zip(assets, x, strict=True)},
            }
        )
    return pd.DataFrame(rows)


EXAMPLE = """\
# optimlab allocate: a mean-variance portfolio.
# Choose weights for assets from their historical returns: the least variance for a target return
# (or the best trade-off for a risk aversion), within a budget and bounds per asset.
# Solve with:  optimlab allocate portfolio.yaml --out results   (the plot is the efficient frontier)
kind: portfolio
name: four funds
budget: 1.0                  # the weights sum to this
long_only: true              # no short positions (weights >= 0)
target_return: 0.008         # per period; or  risk_aversion: 4  (larger: less risk); or neither: least risk
frontier: 15                 # also trace the efficient frontier with this many points

assets:                      # optional bounds per asset (names are the columns of returns)
  - {name: bonds, max: 0.6}

# Historical returns, one row per period, one column per asset (a "date" column is ignored);
# usually a CSV file name:  returns: returns.csv
returns:
  - {date: 2024-01, stocks:  0.021, bonds: 0.004, gold: -0.010, reits:  0.015}
  - {date: 2024-02, stocks:  0.034, bonds: 0.002, gold:  0.005, reits:  0.020}
  - {date: 2024-03, stocks: -0.012, bonds: 0.006, gold:  0.018, reits: -0.008}
  - {date: 2024-04, stocks:  0.015, bonds: 0.003, gold:  0.002, reits:  0.011}
  - {date: 2024-05, stocks: -0.025, bonds: 0.007, gold:  0.021, reits: -0.015}
  - {date: 2024-06, stocks:  0.030, bonds: 0.001, gold: -0.004, reits:  0.024}
  - {date: 2024-07, stocks:  0.008, bonds: 0.005, gold:  0.009, reits:  0.002}
  - {date: 2024-08, stocks:  0.019, bonds: 0.004, gold:  0.001, reits:  0.013}
  - {date: 2024-09, stocks: -0.006, bonds: 0.006, gold:  0.012, reits: -0.002}
  - {date: 2024-10, stocks:  0.024, bonds: 0.002, gold: -0.006, reits:  0.017}
  - {date: 2024-11, stocks:  0.011, bonds: 0.004, gold:  0.007, reits:  0.006}
  - {date: 2024-12, stocks: -0.018, bonds: 0.008, gold:  0.015, reits: -0.011}
"""
