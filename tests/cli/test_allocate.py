"""``optimlab allocate``: the plan and shadow prices in the terminal, files in --out, examples, bad input."""

import json

import pytest
import typer
from typer.testing import CliRunner

from optimlab.allocate import KINDS
from optimlab.cli import allocate as allocate_cmd

runner = CliRunner()
app = typer.Typer()
app.command("allocate")(allocate_cmd.main)


@app.callback()
def _root() -> None:
    """A stand-in for the optimlab command."""


def run(*args):
    return runner.invoke(app, ["allocate", *map(str, args)])


def test_example_then_solve(tmp_path):
    path = tmp_path / "mix.yaml"
    res = run("--example", "production", path)
    assert res.exit_code == 0, res.output
    assert path.read_text().startswith("# optimlab allocate")
    res = run(path, "--out", tmp_path / "out")
    assert res.exit_code == 0, res.output
    assert "resources[machine A].capacity" in res.output
    assert "One more hour of machine A is worth 40" in res.output
    for name in ("plan.csv", "constraints.csv", "result.json", "allocation.png"):
        assert (tmp_path / "out" / name).is_file()
    assert json.loads((tmp_path / "out" / "result.json").read_text())["objective"] == pytest.approx(5300.0)
    again = run(path, "--out", tmp_path / "out")
    assert again.exit_code == 2 and "--force" in again.output
    assert run(path, "--out", tmp_path / "out", "--force").exit_code == 0


def test_example_never_overwrites_without_force(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run("--example", "budget").exit_code == 0
    (tmp_path / "budget.yaml").write_text("mine")
    res = run("--example", "budget")
    assert res.exit_code == 2 and "exists" in res.output
    assert (tmp_path / "budget.yaml").read_text() == "mine"
    assert run("--example", "budget", "--force").exit_code == 0
    assert (tmp_path / "budget.yaml").read_text().startswith("# optimlab allocate")


@pytest.mark.parametrize("kind", KINDS)
def test_every_example_runs_from_the_command_line(kind, tmp_path):
    path = tmp_path / f"{kind}.yaml"
    assert run("--example", kind, path).exit_code == 0
    res = run(path)
    assert res.exit_code == 0, res.output
    assert "status optimal" in res.output


@pytest.mark.parametrize(
    "text, message",
    [
        ("kind: trasportation\n", "did you mean 'transportation'"),
        (
            "kind: budget\ntotal: 10\nitems: [{name: a, rate: 1, min: 20}]\n",
            "below the sum of the items' minimums",
        ),
        ("kind: budget\ntotal: 10\nitems: [{name: a, rat: 1}]\n", "did you mean 'rate'"),
        (
            "kind: production\nproducts: p.csv\nresources: [{name: r, capacity: 1}]\nusage: []\n",
            "does not exist",
        ),
    ],
)
def test_bad_input_exits_2(text, message, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    res = run(path)
    assert res.exit_code == 2
    assert "Error:" in res.output and message in res.output


def test_unknown_example_kind_and_no_file():
    res = run("--example", "nope")
    assert res.exit_code == 2 and "kind must be one of" in res.output
    assert run().exit_code == 2


def test_infeasible_is_explained(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(
        "kind: transportation\nsources: [{name: A, supply: 5}]\ndestinations: [{name: B, demand: 9}]\n"
        "costs: [{source: A, destination: B, cost: 1}]\n"
    )
    res = run(path)
    assert res.exit_code == 0
    assert "status infeasible" in res.output and "sources[A].supply" in res.output
