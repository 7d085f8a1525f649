"""Infeasible problems name their conflicting constraints; bad input gets one clear message."""


import pytest
import yaml

from optimlab.allocate import KINDS, ProblemError, example, load_problem, solve


def test_production_infeasible_names_the_conflict(wyndor):
    spec = wyndor
    spec["products"][0]["min"] = 5  # plant 1 has 4 hours, a door takes 1
    res = solve(spec)
    assert res.status == "infeasible" and res.plan.empty
    assert set(res.iis) == {"products[doors].min", "resources[plant 1].capacity"}
    assert "resources[plant 1].capacity: hours of plant 1 used <= 4" in "\n".join(res.explanation)


def test_transportation_short_supply():
    spec = yaml.safe_load(example("transportation"))
    spec["destinations"][1]["demand"] = 900
    res = solve(spec)
    assert res.status == "infeasible"
    assert {"sources[Seattle].supply", "sources[San Diego].supply", "destinations[Chicago].demand"} <= set(
        res.iis
    )


def test_portfolio_unreachable_target():
    spec = yaml.safe_load(example("portfolio"))
    spec["target_return"] = 0.05
    res = solve(spec)
    assert res.status == "infeasible" and {"budget", "target_return"} <= set(res.iis)


def test_selection_mandatory_over_budget():
    spec = {
        "kind": "selection",
        "budgets": [{"name": "cash", "amount": 10}, {"name": "staff", "amount": 3}],
        "projects": [
            {"name": "a", "value": 5, "cash": 6, "staff": 1, "mandatory": True},
            {"name": "b", "value": 5, "cash": 6, "staff": 1, "mandatory": True},
            {"name": "c", "value": 5, "cash": 1, "staff": 1},
        ],
    }
    res = solve(spec)
    assert res.status == "infeasible"
    assert {"budgets[cash].amount", "projects[a].mandatory", "projects[b].mandatory"} <= set(res.iis)
    assert "budgets[staff].amount" not in res.iis


@pytest.mark.parametrize(
    "mutate, match",
    [
        (lambda s: s.update(kind="prodution"), r"kind must be one of .*did you mean 'production'"),
        (
            lambda s: s.update(resorces=s.pop("resources")),
            r"unknown field 'resorces'; did you mean 'resources'",
        ),
        (lambda s: s.pop("usage"), r"production.usage is missing"),
        (
            lambda s: s["resources"][1].update(capacity=-3),
            r"production.resources\[1\].capacity must be non-negative",
        ),
        (
            lambda s: s["resources"][0].update(capacty=3),
            r"production.resources\[0\].capacty: unknown field 'capacty'; "
            r"did you mean 'capacity'",
        ),
        (
            lambda s: s["usage"][0].update(product="door"),
            r"production.usage\[0\].product: 'door' is not defined; "
            r"did you mean 'doors'",
        ),
        (lambda s: s.pop("kind"), r"kind is missing"),
    ],
)
def test_bad_production_input(wyndor, mutate, match):
    spec = wyndor
    mutate(spec)
    with pytest.raises(ProblemError, match=match):
        solve(spec)


def test_files_yaml_toml_and_csv(wyndor, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "products.csv").write_text("name,profit\ndoors,3\nwindows,5\n")
    (tmp_path / "data" / "usage.csv").write_text(
        "product,plant 1,plant 2,plant 3\ndoors,1,0,3\nwindows,0,2,2\n"
    )
    (tmp_path / "bad.csv").write_text("name,profitt\ndoors,3\n")
    spec = {k: v for k, v in wyndor.items() if k not in ("products", "usage")}
    spec |= {"products": "data/products.csv", "usage": "data/usage.csv"}
    (tmp_path / "mix.yaml").write_text(yaml.safe_dump(spec))
    assert solve(tmp_path / "mix.yaml").objective == pytest.approx(36.0)
    toml = ['kind = "production"', 'products = "data/products.csv"', 'usage = "data/usage.csv"']
    toml += [f'[[resources]]\nname = "{r["name"]}"\ncapacity = {r["capacity"]}' for r in wyndor["resources"]]
    (tmp_path / "mix.toml").write_text("\n".join(toml))
    assert load_problem(tmp_path / "mix.toml")["name"] == "mix"
    assert solve(str(tmp_path / "mix.toml")).objective == pytest.approx(36.0)
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(spec | {"products": "bad.csv"}))
    with pytest.raises(
        ProblemError, match=r"production.products has no column 'profit'; did you mean 'profitt'"
    ):
        solve(tmp_path / "bad.yaml")
    with pytest.raises(ProblemError, match="does not exist"):
        solve(spec | {"products": str(tmp_path / "none.csv")})
    with pytest.raises(ProblemError, match="ends with"):
        solve(tmp_path / "data" / "usage.csv")


@pytest.mark.parametrize("kind", KINDS)
def test_every_example_solves_as_shipped(kind, tmp_path):
    text = example(kind)
    assert text.startswith("# optimlab allocate") and f"kind: {kind}" in text
    path = tmp_path / f"{kind}.yaml"
    path.write_text(text)
    res = solve(path)
    assert res.status == "optimal" and res.kind == kind and len(res.plan) and res.explanation
    files = res.save(tmp_path / "out")
    names = {p.name for p in files}
    assert {"plan.csv", "constraints.csv", "result.json"} <= names
    assert ("frontier.png" if kind == "portfolio" else "allocation.png") in names
    assert (tmp_path / "out" / res.plot_name).stat().st_size > 1000
    assert '"status": "optimal"' in res.to_json()
