"""Budget allocation: exact for piecewise responses, bounded error for log ones, fitted from history."""

import numpy as np
import pytest

from optimlab.allocate import ProblemError, solve


def test_piecewise_is_exact():
    # marginal outcomes: a 3 then 1 (breaks at 10), b 2 then 0.5 (breaks at 20); total 25
    # greedy by slope: a 10 (3/unit), b 15 (2/unit): 30 + 30 = 60
    spec = {
        "kind": "budget",
        "total": 25,
        "items": [
            {
                "name": "a",
                "response": "piecewise",
                "breakpoints": [
                    {"spend": 0, "outcome": 0},
                    {"spend": 10, "outcome": 30},
                    {"spend": 40, "outcome": 60},
                ],
            },
            {
                "name": "b",
                "response": "piecewise",
                "breakpoints": [
                    {"spend": 0, "outcome": 0},
                    {"spend": 20, "outcome": 40},
                    {"spend": 40, "outcome": 50},
                ],
            },
        ],
    }
    res = solve(spec)
    assert res.objective == pytest.approx(60.0)
    assert res.plan["spend"].to_numpy() == pytest.approx([10.0, 15.0])
    assert res.constraints["shadow_price"].iloc[0] == pytest.approx(2.0)
    assert "One more dollar of budget is worth 2" in " ".join(res.explanation)


def test_log_response_within_stated_error():
    a, b, total = np.array([100.0, 60.0]), np.array([10.0, 5.0]), 50.0
    spec = {
        "kind": "budget",
        "total": total,
        "segments": 40,
        "items": [{"name": f"i{k}", "response": "log", "a": a[k], "b": b[k]} for k in range(2)],
    }
    res = solve(spec)
    # exact optimum: a_i / (b_i + s_i) equal, s summing to the total
    lam = a.sum() / (total + b.sum())
    s = a / lam - b
    best = float(np.sum(a * np.log1p(s / b)))
    got = res.plan["outcome"].sum()
    assert got <= best + 1e-9 and best - got < 0.05
    assert any("chords" in line for line in res.explanation)


def test_linear_with_bounds_and_spend_all():
    spec = {
        "kind": "budget",
        "total": 100,
        "spend_all": True,
        "items": [
            {"name": "x", "rate": 2, "max": 30},
            {"name": "y", "rate": -1, "min": 10},
            {"name": "z", "rate": 1},
        ],
    }
    res = solve(spec)
    assert res.plan["spend"].to_numpy() == pytest.approx([30.0, 10.0, 60.0])
    assert res.objective == pytest.approx(60 - 10 + 60)
    assert any("items[x].max" in line for line in res.explanation)


def test_fitted_from_history():
    spend = np.array([1000, 3000, 6000, 10000, 20000, 40000], dtype=float)
    history = [{"item": "log", "spend": s, "outcome": 5000 * np.log1p(s / 8000)} for s in spend]
    history += [{"item": "lin", "spend": s, "outcome": 0.3 * s} for s in spend]
    history += [
        {"item": "pw", "spend": s, "outcome": min(s, 10000) * 0.8 + max(s - 10000, 0) * 0.1} for s in spend
    ]
    spec = {
        "kind": "budget",
        "total": 30000,
        "history": history,
        "items": [
            {"name": "log", "response": "log"},
            {"name": "lin"},
            {"name": "pw", "response": "piecewise"},
        ],
    }
    res = solve(spec)
    text = " ".join(res.explanation)
    assert "5000 x log(1 + spend / 8000)" in text and "0.3 x spend" in text
    assert res.status == "optimal"
    plan = res.plan.set_index("item")
    # knots of the fit sit at quantiles of the past spends (6000, 15000): the spend stops at one of them
    assert plan.loc["pw", "spend"] in (pytest.approx(6000), pytest.approx(15000))


@pytest.mark.parametrize(
    "change, match",
    [
        ({"total": 10}, r"budget.total 10 is below the sum of the items' minimums 50"),
        ({"total": -1}, r"budget.total must be non-negative; got -1"),
        ({"totl": 5}, r"did you mean 'total'"),
    ],
)
def test_bad_budgets(change, match):
    spec = {"kind": "budget", "total": 100, "items": [{"name": "a", "rate": 1, "min": 50}]}
    spec.update(change)
    if "totl" in change:
        del spec["total"]
    with pytest.raises(ProblemError, match=match):
        solve(spec)


def test_convex_breakpoints_refused():
    spec = {
        "kind": "budget",
        "total": 10,
        "items": [
            {
                "name": "a",
                "response": "piecewise",
                "breakpoints": [
                    {"spend": 0, "outcome": 0},
                    {"spend": 5, "outcome": 1},
                    {"spend": 10, "outcome": 10},
                ],
            }
        ],
    }
    with pytest.raises(ProblemError, match=r"budget.items\[0\].breakpoints: the response must be concave"):
        solve(spec)
