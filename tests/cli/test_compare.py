"""``optimlab compare``: outputs, options, and a clear message (no traceback) for every bad input."""

import io
import json

import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

from optimlab.cli.compare import OUTPUTS, _SolverProgress
from optimlab.cli.main import app
from optimlab.compare import ProgressEvent

runner = CliRunner()


def run(*args):
    return runner.invoke(app, ["compare", *map(str, args)])


@pytest.fixture
def csv_file(tmp_path):
    rng = np.random.default_rng(0)
    n = 80
    x1, x2 = rng.standard_normal(n), rng.standard_normal(n)
    color = rng.choice(["red", "green", "blue"], n)
    label = np.where(x1 - x2 + (color == "red") > 0, "spam", "ham")
    rows = zip(x1, color, x2, label, strict=True)
    lines = ["x1,color,x2,label"] + [f"{a:.4f},{c},{b:.4f},{y}" for a, c, b, y in rows]
    path = tmp_path / "mail.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_builtin_run_writes_three_files_and_prints_the_table(tmp_path):
    out = tmp_path / "out"
    result = run("--time-limit", 0.2, "--out", out)
    assert result.exit_code == 0, result.output
    assert "built-in dataset breast_cancer" in result.output
    assert "inferred" in result.output and "logistic" in result.output
    for solver in ("lbfgs", "newton", "cd", "fista", "saga*"):
        assert solver in result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    assert (out / "convergence.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    header = (out / "comparison.csv").read_text().splitlines()[0].split(",")
    assert header[:3] == ["solver", "stochastic", "time_s"] and "accuracy" in header
    document = json.loads((out / "comparison.json").read_text())
    assert document["settings"]["penalty"] == "l2" and len(document["rows"]) >= 10
    assert min(row["rel_subopt"] for row in document["rows"]) == 0.0


def test_solvers_subset(tmp_path):
    out = tmp_path / "out"
    result = run("--solvers", "newton, lbfgs", "--out", out)
    assert result.exit_code == 0, result.output
    rows = json.loads((out / "comparison.json").read_text())["rows"]
    assert sorted(row["solver"] for row in rows) == ["lbfgs", "newton"]


def test_csv_with_categorical_column(tmp_path, csv_file):
    out = tmp_path / "out"
    result = run(csv_file, "--target", "label", "--penalty", "l1", "--solvers", "cd,fista", "--out", out)
    assert result.exit_code == 0, result.output
    assert "One-hot encoded categorical column(s) 'color' (3 levels)" in result.output
    document = json.loads((out / "comparison.json").read_text())
    assert document["settings"]["n_features"] == 5 and document["settings"]["classes"] == ["ham", "spam"]


def test_libsvm_file(tmp_path):
    rng = np.random.default_rng(1)
    lines = []
    for _ in range(60):
        x = rng.standard_normal(4)
        cols = sorted(rng.choice(4, 2, replace=False))
        lines.append(f"{x[0] * 3 + x[1]:.4f} " + " ".join(f"{j + 1}:{x[j]:.4f}" for j in cols))
    path = tmp_path / "data.svm"
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    result = run(path, "--solvers", "cd,fista", "--penalty", "elasticnet", "--out", out)
    assert result.exit_code == 0, result.output
    assert "regression" in result.output and "sparse" in result.output
    assert "MSE" in result.output


def test_existing_files_are_kept_without_force(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    mine = out / "comparison.csv"
    mine.write_text("my own work\n")
    result = run("--solvers", "newton", "--out", out)
    assert result.exit_code == 2
    assert "Would overwrite" in result.stderr and str(mine) in result.stderr and "--force" in result.stderr
    assert mine.read_text() == "my own work\n"
    result = run("--solvers", "newton", "--out", out, "--force")
    assert result.exit_code == 0, result.output
    assert mine.read_text().startswith("solver,")


def bad_csv(tmp_path, text):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda d: [d / "missing.csv", "--target", "y"], "File not found"),
        (lambda d: [bad_csv(d, "a,y\n1,2\n2,3\n"), "--target", "label"], "No column 'label'"),
        (lambda d: [bad_csv(d, "a,y\n1,x\n2,y\n3,z\n"), "--target", "y", "--task", "regression"],
         "is not numeric"),
        (lambda d: [bad_csv(d, "a,y\n1,cat\n2,cat\n3,cat\n"), "--target", "y"], "single class"),
        (lambda d: [bad_csv(d, ""), "--target", "y"], "is empty"),
        (lambda d: [bad_csv(d, "a,b,y\n1,2,0\n3,4\n5,6,1\n"), "--target", "y"], "ragged"),
        (lambda d: ["--solvers", "lbfgs", "--penalty", "l1"], "cannot solve this problem"),
        (lambda d: ["--solvers", "nope"], "Unknown solver 'nope'"),
        (lambda d: ["--test-size", 1.5], "test_size must be in"),
        (lambda d: ["--target", "y"], "needs a DATA file"),
    ],
)
def test_bad_input_gives_a_clear_message(tmp_path, make_args, message):
    result = run(*make_args(tmp_path), "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.startswith("Error: ")
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_progress_display_on_a_terminal():
    with _SolverProgress(Console(file=io.StringIO(), force_terminal=True, width=100)) as show:
        show(ProgressEvent("newton", 0, 2, "start"))
        show(ProgressEvent("newton", 0, 2, "iteration", n_iter=3, certificate=1e-3))
        (task,) = show.bar.tasks
        assert task.description == "newton (1/2)  iter 3, certificate 1.0e-03" and task.completed == 0
        show(ProgressEvent("newton", 0, 2, "done", n_iter=5))
        show(ProgressEvent("gd", 1, 2, "start"))
        assert task.description == "gd (2/2)" and task.completed == 1 and task.total == 2
