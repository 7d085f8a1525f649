"""``budget``: split a total budget across items whose response to spend is linear or concave (LP).

.. math::

    \\max \\sum_i f_i(s_i) \\quad \\text{s.t.} \\quad \\sum_i s_i \\le B \\ (\\text{or} = B), \\quad
    \\min_i \\le s_i \\le \\max_i

with each response ``f_i`` linear (``rate * s``), concave piecewise linear (given breakpoints, or
fitted to historical (spend, outcome) points by a concave least-squares fit, a QP), or logarithmic
(``a * log(1 + s / b)``, given or fitted: ``b`` by a one-dimensional search, ``a`` by an optimlab
:class:`~optimlab.models.LinearRegression` on the feature ``log(1 + s / b)``). A concave piecewise-linear
``f_i`` is an LP exactly: spend fills the segments in order of decreasing slope. A log response is
replaced by its chords on a grid of breakpoints; the plan's outcome is then recomputed on the curve,
and the explanation states how far from the true optimum it can be.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from .._build import Builder, Row, plural
from .._schema import ProblemError, check_keys, choice, names, number, numbers, table, text

REQUIRED = ("total", "items")
OPTIONAL = ("history", "spend_all", "unit", "segments")
RESPONSES = ("linear", "piecewise", "log")
ITEM_COLUMNS = ("name",), ("response", "rate", "min", "max", "a", "b", "breakpoints")


class Response:
    """A concave response ``f(s)`` as chords: ``f(0) = base``, slopes over consecutive segments."""

    def __init__(self, kind: str, *, rate=0.0, knots=None, outcomes=None, a=None, b=None) -> None:
        self.kind, self.rate, self.a, self.b = kind, rate, a, b
        self.knots = None if knots is None else np.asarray(knots, dtype=float)
        self.outcomes = None if outcomes is None else np.asarray(outcomes, dtype=float)

    def __call__(self, s):
        s = np.asarray(s, dtype=float)
        if self.kind == "linear":
            return self.rate * s
        if self.kind == "log":
            return self.a * np.log1p(s / self.b)
        slopes = np.diff(self.outcomes) / np.diff(self.knots)
        last = slopes[-1] if slopes.size else 0.0
        inside = np.interp(s, self.knots, self.outcomes)
        return np.where(s > self.knots[-1], self.outcomes[-1] + last * (s - self.knots[-1]), inside)

    def marginal(self, s: float) -> float:
        """The slope just after ``s`` (what one more unit of spend brings)."""
        if self.kind == "linear":
            return self.rate
        if self.kind == "log":
            return self.a / (self.b + s)
        slopes = np.diff(self.outcomes) / np.diff(self.knots)
        k = int(np.searchsorted(self.knots, s + 1e-9 * (1 + s), side="right")) - 1
        return float(slopes[min(max(k, 0), slopes.size - 1)]) if slopes.size else 0.0

    def segments(self, upper: float, pieces: int) -> tuple[float, np.ndarray, np.ndarray, float]:
        """``(f(0), lengths, slopes, error)``: chords on ``[0, upper]``; ``error`` bounds ``f - chord``."""
        if self.kind == "linear":
            return 0.0, np.array([upper]), np.array([self.rate]), 0.0
        if self.kind == "log":
            knots = self.b * ((1.0 + upper / self.b) ** (np.arange(pieces + 1) / pieces) - 1.0)
            fine = np.linspace(0.0, 1.0, 33)[None, :]
            pts = knots[:-1, None] + fine * np.diff(knots)[:, None]
            chord = self(knots[:-1, None]) + fine * (self(knots[1:]) - self(knots[:-1]))[:, None]
            error = float(np.max(self(pts) - chord)) if upper > 0 else 0.0
            values = self(knots)
        else:
            knots = self.knots[self.knots < upper]
            knots = np.append(knots, upper) if upper > knots[-1] else knots
            values, error = self(knots), 0.0
        lengths = np.diff(knots)
        slopes = np.diff(values) / np.where(lengths > 0, lengths, 1.0)
        return float(values[0]), lengths, slopes, error


def _fit_log(spend: np.ndarray, outcome: np.ndarray) -> tuple[float, float]:
    """``a, b`` of ``outcome = a * log(1 + spend / b)`` by least squares (``b`` searched, ``a`` regressed)."""
    from scipy.optimize import minimize_scalar

    from optimlab.models import LinearRegression

    scale = float(np.max(spend))

    def loss(log_b):
        f = np.log1p(spend / np.exp(log_b))
        a = float(f @ outcome / (f @ f))
        return float(np.sum((a * f - outcome) ** 2))

    res = minimize_scalar(loss, bounds=(np.log(scale * 1e-3), np.log(scale * 1e3)), method="bounded")
    b = float(np.exp(res.x))
    reg = LinearRegression(fit_intercept=False).fit(np.log1p(spend / b)[:, None], outcome)
    return float(reg.coef_[0]), b


def _fit_piecewise(spend: np.ndarray, outcome: np.ndarray, pieces: int) -> tuple[np.ndarray, np.ndarray]:
    """Concave piecewise-linear least squares with knots at the spend quantiles (a QP on optimlab)."""
    from optimlab.programming import Model, sum_squares

    knots = np.unique(np.quantile(np.append(spend, 0.0), np.linspace(0, 1, pieces + 1)))
    X = np.column_stack(
        [np.ones_like(spend)]
        + [np.clip(spend - lo, 0.0, hi - lo) for lo, hi in itertools.pairwise(knots)]
    )
    m = Model("concave fit")
    theta = m.add_variables(X.shape[1], lb=-np.inf, name="theta")
    k = X.shape[1] - 1
    if k > 1:
        diff = np.eye(k - 1, k) - np.eye(k - 1, k, 1)  # slope_j - slope_{j+1} >= 0: concave
        m.add_constraints(diff @ theta[1:] >= 0, name="concave")
    m.add_constraints(theta[k] >= 0, name="increasing")
    m.minimize(sum_squares(X @ theta - outcome))
    sol = m.solve()
    if sol.x is None:
        raise ProblemError(f"The concave fit of the history failed ({sol.status}).")
    t = sol["theta"]
    return knots, t[0] + np.concatenate([[0.0], np.cumsum(t[1:] * np.diff(knots))])


def _response(
    rec: dict, i: int, hist: dict[str, tuple[np.ndarray, np.ndarray]], notes: list[str]
) -> Response:
    path = f"budget.items[{i}]"
    item = rec["name"]
    kind = choice(
        rec["response"] if _present(rec.get("response")) else "linear", f"{path}.response", RESPONSES
    )
    given = {k for k in ("rate", "a", "b", "breakpoints") if _present(rec.get(k))}
    allowed = {"linear": {"rate"}, "log": {"a", "b"}, "piecewise": {"breakpoints"}}[kind]
    for k in sorted(given - allowed):
        raise ProblemError(
            f"{path}.{k} does not apply to a {kind} response (it uses {', '.join(sorted(allowed))})."
        )
    history = hist.get(item)
    if not given and history is None:
        raise ProblemError(
            f"{path} ({item!r}): a {kind} response needs {' and '.join(sorted(allowed))}, "
            f"or history rows for {item!r} in budget.history."
        )
    if kind == "linear":
        if "rate" in given:
            return Response("linear", rate=number(rec["rate"], f"{path}.rate"))
        from optimlab.models import LinearRegression

        reg = LinearRegression(fit_intercept=False).fit(history[0][:, None], history[1])
        notes.append(
            f"{item}: outcome = {reg.coef_[0]:.4g} x spend, fitted to {history[0].size} past points."
        )
        return Response("linear", rate=float(reg.coef_[0]))
    if kind == "log":
        if given:
            if given != allowed:
                raise ProblemError(
                    f"{path}: a log response needs both a and b (outcome = a * log(1 + spend / b))."
                )
            return Response(
                "log",
                a=number(rec["a"], f"{path}.a", minimum=0.0),
                b=number(rec["b"], f"{path}.b", minimum=0.0, strict=True),
            )
        if history[0].size < 2 or np.max(history[0]) <= 0:
            raise ProblemError(
                f"budget.history: fitting the log response of {item!r} needs 2 or more points "
                "with positive spend."
            )
        a, b = _fit_log(*history)
        notes.append(
            f"{item}: outcome = {a:.4g} x log(1 + spend / {b:.4g}), fitted to {history[0].size} past points."
        )
        return Response("log", a=max(a, 0.0), b=b)
    if given:
        bps = rec["breakpoints"]
        if not isinstance(bps, list) or len(bps) < 2:
            raise ProblemError(f"{path}.breakpoints must be a list of 2 or more {{spend, outcome}} points.")
        for j, bp in enumerate(bps):
            check_keys(bp, f"{path}.breakpoints[{j}]", required=("spend", "outcome"))
        knots = np.array(
            [number(bp["spend"], f"{path}.breakpoints[{j}].spend", minimum=0.0) for j, bp in enumerate(bps)]
        )
        values = np.array(
            [number(bp["outcome"], f"{path}.breakpoints[{j}].outcome") for j, bp in enumerate(bps)]
        )
        if knots[0] != 0 or np.any(np.diff(knots) <= 0):
            raise ProblemError(
                f"{path}.breakpoints: the spends must start at 0 and increase; got {knots.tolist()}."
            )
        slopes = np.diff(values) / np.diff(knots)
        if np.any(np.diff(slopes) > 1e-12 * (1 + np.abs(slopes[1:]))):
            j = int(np.flatnonzero(np.diff(slopes) > 0)[0]) + 1
            raise ProblemError(
                f"{path}.breakpoints: the response must be concave (slopes not increasing), but "
                f"the slope rises from {slopes[j - 1]:.4g} to {slopes[j]:.4g} after spend "
                f"{knots[j]:g}."
            )
        return Response("piecewise", knots=knots, outcomes=values)
    pieces = min(4, np.unique(history[0]).size - 1)
    if pieces < 1:
        raise ProblemError(
            f"budget.history: fitting a piecewise response of {item!r} needs 2 or more distinct spends."
        )
    knots, values = _fit_piecewise(*history, pieces)
    notes.append(
        f"{item}: concave piecewise-linear response with {knots.size - 1} pieces fitted to "
        f"{history[0].size} past points."
    )
    return Response("piecewise", knots=knots, outcomes=values)


def _present(value) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value))


def solve(spec: dict, *, base_dir, name: str):
    total = number(spec["total"], "budget.total", minimum=0.0)
    unit = text(spec.get("unit", "dollar"), "budget.unit")
    spend_all = spec.get("spend_all", False)
    if not isinstance(spend_all, bool):
        raise ProblemError(f"budget.spend_all must be true or false; got {spend_all!r}.")
    pieces = int(number(spec.get("segments", 50), "budget.segments", minimum=1, integer=True))
    items = table(spec["items"], "budget.items", base_dir, required=ITEM_COLUMNS[0], optional=ITEM_COLUMNS[1])
    I = names(items, "name", "budget.items")
    lo = numbers(items, "min", "budget.items", default=0.0, minimum=0.0)
    hi = numbers(items, "max", "budget.items", default=np.inf, minimum=0.0, allow_inf=True)
    for i in np.flatnonzero(lo > hi):
        raise ProblemError(f"budget.items[{i}]: min {lo[i]:g} is above max {hi[i]:g}.")
    if lo.sum() > total:
        raise ProblemError(
            f"budget.total {total:g} is below the sum of the items' minimums {lo.sum():g}: "
            "raise the total or lower some min."
        )
    hist: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if spec.get("history") is not None:
        h = table(spec["history"], "budget.history", base_dir, required=("item", "spend", "outcome"))
        spend = numbers(h, "spend", "budget.history", minimum=0.0)
        outcome = numbers(h, "outcome", "budget.history")
        for i, item in enumerate(h["item"].astype(str).str.strip()):
            if item not in I:
                raise ProblemError(f"budget.history[{i}].item: {item!r} is not one of budget.items.")
        for item in I:
            mask = (h["item"].astype(str).str.strip() == item).to_numpy()
            if mask.any():
                hist[item] = (spend[mask], outcome[mask])
    notes: list[str] = []
    records = items.to_dict("records")
    responses = [_response(rec | {"name": I[i]}, i, hist, notes) for i, rec in enumerate(records)]

    b = Builder("budget", name, objective_name="outcome")
    spend = b.variables(
        I,
        lb=lo,
        ub=hi,
        name="spend",
        lower_names=[f"items[{n}].min" for n in I],
        upper_names=[f"items[{n}].max" for n in I],
    )
    base, objective_terms, error = 0.0, [], 0.0
    for i, resp in enumerate(responses):
        f0, lengths, slopes, err = resp.segments(min(hi[i], total), pieces)
        base, error = base + f0, error + err
        z = b.variables(
            [f"{I[i]} piece {k}" for k in range(lengths.size)], ub=lengths, name=f"pieces {i}", decision=False
        )
        b.constrain(
            spend[i] - z.sum() == 0,
            [Row(f"items[{I[i]}].response", f"spend on {I[i]} along its response", I[i], unit, shown=False)],
            name=f"link {i}",
        )
        objective_terms.append(slopes @ z)
    total_row = Row("total", f"{plural(unit)} spent in all", "budget", unit)
    b.constrain(spend.sum() == total if spend_all else spend.sum() <= total, [total_row], name="total")
    objective = objective_terms[0]
    for term in objective_terms[1:]:
        objective = objective + term
    b.model.maximize(objective + base)
    sol = b.solve()

    def plan(sol) -> pd.DataFrame:
        s = sol["spend"]
        out = np.array([float(r(v)) for r, v in zip(responses, s, strict=True)])
        return pd.DataFrame(
            {
                "item": I,
                "spend": s,
                "outcome": out,
                "marginal": [r.marginal(v) for r, v in zip(responses, s, strict=True)],
                "share": s / s.sum() if s.sum() > 0 else np.zeros_like(s),
            }
        )

    if error > 0 and sol.x is not None:
        exact = float(plan(sol)["outcome"].sum())
        notes.append(
            f"Log responses are replaced by {pieces} chords each; on the curves the plan's outcome is "
            f"{exact:.6g}, at most {error:.3g} below the best possible."
        )
    return b.finish(sol, plan, sense="maximize", notes=notes, plot_column="spend")


EXAMPLE = """\
# optimlab allocate: a budget problem.
# Split a marketing budget across channels to get the largest total outcome (sales, sign-ups...).
# Solve with:  optimlab allocate budget.yaml --out results
kind: budget
name: quarterly marketing
total: 100000                # the budget to split (at most this much is spent)
spend_all: false             # true: spend exactly the total
unit: dollar                 # what the budget is counted in (used in the explanations)

# One record per item: min/max spend, and how outcome responds to spend:
#   response: linear     rate: outcome per unit spent
#   response: log        outcome = a * log(1 + spend / b): give a and b, or let history fit them
#   response: piecewise  breakpoints: [{spend: 0, outcome: 0}, ...] (concave: slopes that never rise),
#                        or let history fit a concave piecewise-linear curve
# Leaving out the parameters fits them to the history table below (predict, then optimize).
items:
  - {name: search,  response: linear, rate: 1.2, max: 30000}
  - {name: social,  response: log, a: 60000, b: 20000, min: 5000}
  - name: display
    response: piecewise
    breakpoints:
      - {spend: 0,     outcome: 0}
      - {spend: 10000, outcome: 18000}
      - {spend: 30000, outcome: 34000}
      - {spend: 60000, outcome: 40000}
  - {name: tv, response: log, max: 50000}          # a and b fitted from history

# Past (spend, outcome) points per item (or a CSV file name with columns item, spend, outcome).
history:
  - {item: tv, spend: 5000,  outcome: 9000}
  - {item: tv, spend: 10000, outcome: 16000}
  - {item: tv, spend: 20000, outcome: 26000}
  - {item: tv, spend: 40000, outcome: 38000}
  - {item: tv, spend: 60000, outcome: 46000}
"""
