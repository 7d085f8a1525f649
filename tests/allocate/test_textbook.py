"""Textbook allocation problems with known optima, and cross-checks against scipy and brute force."""

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linear_sum_assignment, linprog

from optimlab.allocate import solve


def test_product_mix_wyndor(wyndor):
    res = solve(wyndor)
    assert res.status == "optimal" and res.sense == "maximize"
    assert res.objective == pytest.approx(36.0)
    assert res.plan.set_index("product")["make"].to_dict() == pytest.approx({"doors": 2.0, "windows": 6.0})
    table = res.constraints.set_index("name")
    assert table["shadow_price"].to_numpy() == pytest.approx([0.0, 1.5, 1.0], abs=1e-9)
    assert table["binding"].tolist() == [False, True, True]
    assert table.loc["resources[plant 1].capacity", "slack"] == pytest.approx(2.0)
    assert table.loc["resources[plant 2].capacity", "rhs_lower"] == pytest.approx(6.0)
    assert table.loc["resources[plant 2].capacity", "rhs_upper"] == pytest.approx(18.0)
    assert "One more hour of plant 2 is worth 1.5" in " ".join(res.explanation)
    assert set(res.reduced_costs.columns) >= {"decision", "reduced_cost", "cost_lower", "cost_upper"}
    assert res.certificate["gap"] < 1e-9 and res.iis is None


def test_product_mix_integer_and_lots(wyndor):
    spec = dict(wyndor, integer=True)
    spec["resources"] = [dict(r) for r in wyndor["resources"]]
    spec["resources"][2]["capacity"] = 19  # LP optimum is fractional: (7/3, 6)
    res = solve(spec)
    assert res.method.startswith("MILP")
    make = res.plan["make"].to_numpy()
    assert np.allclose(make, np.round(make))
    assert res.objective == pytest.approx(36.0)  # (2, 6); (3, 5) gives 34
    assert res.constraints["shadow_price"].isna().all()
    lots = dict(
        wyndor, products=[{"name": "doors", "profit": 3, "min_lot": 3}, {"name": "windows", "profit": 5}]
    )
    res = solve(lots)  # doors either 0 or >= 3; plant 1 allows 4: (3, 4.5) = 31.5 vs (0, 6) = 30
    assert res.objective == pytest.approx(31.5)
    assert res.plan["make"].to_numpy() == pytest.approx([3.0, 4.5])


def test_production_over_periods_with_inventory():
    spec = {
        "kind": "production",
        "periods": ["Jan", "Feb"],
        "products": [{"name": "widget", "profit": 10, "holding_cost": 1}],
        "resources": [{"name": "line", "capacity": 100}],
        "usage": [{"product": "widget", "resource": "line", "amount": 1}],
        "demand": [
            {"product": "widget", "period": "Jan", "amount": 50},
            {"product": "widget", "period": "Feb", "amount": 150},
        ],
    }
    res = solve(spec)
    # make 100 + 100, store 50 from Jan to Feb: sales 50 + 150 = 200 units, holding 50
    assert res.objective == pytest.approx(10 * 200 - 50)
    plan = res.plan.set_index("period")
    assert plan["inventory"].to_dict() == pytest.approx({"Jan": 50.0, "Feb": 0.0})
    assert "demand[widget, Feb]" in set(res.constraints["name"])


def test_transportation_dantzig():
    import yaml

    from optimlab.allocate import example

    res = solve(yaml.safe_load(example("transportation")))
    assert res.objective == pytest.approx(1707.5)  # GAMS trnsport: 153.675 = 0.09 x 1707.5
    assert res.plan["quantity"].sum() == pytest.approx(900.0)
    prices = res.constraints.set_index("name")["shadow_price"]
    assert prices["destinations[New York].demand"] == pytest.approx(2.5)


@pytest.mark.parametrize("seed", [0, 1])
def test_transportation_unbalanced_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    S, D = 4, 5
    supply, demand = rng.integers(20, 60, S).astype(float), rng.integers(5, 30, D).astype(float)
    cost = rng.uniform(1, 10, (S, D)).round(2)
    spec = {
        "kind": "transportation",
        "sources": pd.DataFrame({"name": [f"s{i}" for i in range(S)], "supply": supply}),
        "destinations": pd.DataFrame({"name": [f"d{j}" for j in range(D)], "demand": demand}),
        "costs": [
            {"source": f"s{i}", "destination": f"d{j}", "cost": cost[i, j]}
            for i in range(S)
            for j in range(D)
        ],
    }
    res = solve(spec)
    A_ub = np.vstack([np.kron(np.eye(S), np.ones(D)), -np.kron(np.ones(S), np.eye(D))])
    ref = linprog(cost.ravel(), A_ub=A_ub, b_ub=np.concatenate([supply, -demand]))
    assert res.objective == pytest.approx(ref.fun, rel=1e-9)


@pytest.mark.parametrize("shape", [(5, 5), (7, 4)])
@pytest.mark.parametrize("field", ["costs", "values"])
def test_assignment_matches_linear_sum_assignment(shape, field):
    rng = np.random.default_rng(sum(shape))
    C = rng.integers(1, 50, shape).astype(float)
    W, T = [f"w{i}" for i in range(shape[0])], [f"t{j}" for j in range(shape[1])]
    spec = {
        "kind": "assignment",
        "workers": [{"name": w} for w in W],
        "tasks": [{"name": t} for t in T],
        field: pd.DataFrame(C, columns=T).assign(worker=W),
    }
    res = solve(spec)
    rows, cols = linear_sum_assignment(C, maximize=field == "values")
    assert res.objective == pytest.approx(C[rows, cols].sum())
    assert len(res.plan) == shape[1] and res.plan["task"].is_unique and res.plan["worker"].is_unique


def test_assignment_many_to_one():
    spec = {
        "kind": "assignment",
        "mode": "many-to-one",
        "workers": [{"name": "A", "capacity": 2}, {"name": "B", "capacity": 1}],
        "tasks": [{"name": "x"}, {"name": "y"}, {"name": "z"}],
        "costs": [{"worker": "A", "x": 1, "y": 1, "z": 5}, {"worker": "B", "x": 4, "y": 4, "z": 1}],
    }
    res = solve(spec)
    assert res.objective == pytest.approx(3.0)
    assert res.plan.groupby("worker").size().to_dict() == {"A": 2, "B": 1}


def _returns(n_assets=4, periods=60, seed=0):
    rng = np.random.default_rng(seed)
    mix = rng.normal(size=(n_assets, n_assets)) * 0.01
    R = rng.normal(size=(periods, n_assets)) @ mix + rng.uniform(0.0, 0.01, n_assets)
    return pd.DataFrame(R, columns=[f"a{i}" for i in range(n_assets)])


def test_portfolio_min_variance_closed_form():
    R = _returns()
    res = solve({"kind": "portfolio", "returns": R, "long_only": False})
    cov = np.cov(R.to_numpy(), rowvar=False)
    w = np.linalg.solve(cov, np.ones(4))
    w /= w.sum()
    assert res.plan["weight"].to_numpy() == pytest.approx(w, abs=1e-6)
    assert res.objective == pytest.approx(w @ cov @ w, rel=1e-6)
    # the budget's shadow price is d(variance)/d(budget) = 2 / (1' Sigma^-1 1) at budget 1
    assert res.constraints["shadow_price"].iloc[0] == pytest.approx(2 * res.objective, rel=1e-5)


def test_portfolio_target_and_frontier():
    R = _returns(seed=3)
    mu = R.mean().to_numpy()
    target = float(np.quantile(mu, 0.75))
    res = solve({"kind": "portfolio", "returns": R, "target_return": target, "frontier": 8})
    w = res.plan["weight"].to_numpy()
    assert w.sum() == pytest.approx(1.0) and (w >= -1e-9).all() and mu @ w >= target - 1e-7
    f = res.frontier
    assert len(f) == 8 and np.all(np.diff(f["volatility"]) >= -1e-7)
    assert f["expected_return"].iloc[-1] == pytest.approx(mu.max(), rel=1e-5)
    gamma = solve({"kind": "portfolio", "returns": R, "risk_aversion": 1e6}).plan["weight"].to_numpy()
    least = solve({"kind": "portfolio", "returns": R}).plan["weight"].to_numpy()
    assert gamma == pytest.approx(least, abs=1e-3)  # huge risk aversion: the least-variance portfolio


@pytest.mark.parametrize("seed", range(4))
def test_selection_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = 9
    value, c1, c2 = rng.integers(1, 40, n), rng.integers(1, 20, n), rng.integers(1, 10, n)
    projects = [
        {"name": f"p{j}", "value": int(value[j]), "money": int(c1[j]), "people": int(c2[j])} for j in range(n)
    ]
    cap1, cap2 = int(c1.sum() // 2), int(c2.sum() // 3)

    def brute(budgets):
        best = 0
        for choice in itertools.product([0, 1], repeat=n):
            y = np.array(choice)
            if all(cost @ y <= cap for cost, cap in budgets):
                best = max(best, value @ y)
        return best

    one = solve(
        {
            "kind": "selection",
            "budgets": [{"name": "money", "amount": cap1}],
            "projects": [{k: v for k, v in p.items() if k != "people"} for p in projects],
        }
    )
    assert one.method.startswith("dynamic programming")
    assert one.objective == brute([(c1, cap1)])
    two = solve(
        {
            "kind": "selection",
            "projects": projects,
            "budgets": [{"name": "money", "amount": cap1}, {"name": "people", "amount": cap2}],
        }
    )
    assert two.method.startswith("MILP")
    assert two.objective == pytest.approx(brute([(c1, cap1), (c2, cap2)]))
    assert two.plan.loc[two.plan.chosen, "value"].sum() == pytest.approx(two.objective)


def test_selection_decimal_costs_are_scaled():
    res = solve(
        {
            "kind": "selection",
            "budgets": [{"name": "cost", "amount": 5.5}],
            "projects": [
                {"name": "a", "value": 3, "cost": 2.5},
                {"name": "b", "value": 4, "cost": 3.0},
                {"name": "c", "value": 4, "cost": 3.5},
            ],
        }
    )
    assert res.objective == 7 and "scaled by 10" in " ".join(res.explanation)
