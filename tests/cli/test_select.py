"""``optimlab select``: the leaderboard, the choice, outputs, and a clear message for every bad input."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from optimlab.cli.main import app
from optimlab.cli.select import OUTPUTS

runner = CliRunner()


def run(*args):
    return runner.invoke(app, ["select", *map(str, args)])


@pytest.fixture
def csv_file(tmp_path):
    rng = np.random.default_rng(0)
    n = 90
    x = rng.standard_normal((n, 4))
    color = rng.choice(["red", "green"], n)
    price = 3.0 * x[:, 0] - 2.0 * x[:, 1] + (color == "red") + 0.5 * rng.standard_normal(n)
    lines = ["a,b,c,d,color,price"] + [
        ",".join(f"{v:.4f}" for v in row) + f",{c},{p:.4f}" for row, c, p in zip(x, color, price, strict=True)
    ]
    path = tmp_path / "houses.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_builtin_data_prints_the_leaderboard_and_writes_the_outputs(tmp_path):
    out = tmp_path / "out"
    result = run("--models", "logistic-l2,logistic-l1", "--cv", 3, "--scoring", "log_loss,accuracy",
                 "--out", out)
    assert result.exit_code == 0, result.output
    text = result.output
    assert "built-in dataset breast_cancer" in text and "Task: classification" in text
    assert "logistic-l2" in text and "logistic-l1" in text and "95% CI" in text and "±" in text
    assert "log_loss ↓" in text and "accuracy ↑" in text and "p vs best" in text
    assert "Chosen: " in text and "rule best" in text

    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    table = pd.read_csv(out / "selection.csv", index_col="candidate")
    assert sorted(table.index) == ["logistic-l1", "logistic-l2"]
    for column in ("log_loss_mean", "log_loss_se", "log_loss_ci_low", "accuracy_ci_high", "p_value"):
        assert column in table.columns
    document = json.loads((out / "selection.json").read_text())
    chosen = document["chosen"]
    assert f"Chosen: {chosen}" in text and f"{chosen} (chosen)" in text
    assert chosen == table.index[table["chosen"]][0] == document["best"]
    assert document["settings"]["cv"] == 3 and document["settings"]["scoring"] == ["log_loss", "accuracy"]
    assert document["nested"] is None and len(document["rows"]) == 2
    scores = pd.read_csv(out / "scores.csv")
    assert list(scores.columns) == ["candidate", "fold", "log_loss", "accuracy"] and len(scores) == 6

    again = run("--models", "logistic-l2,logistic-l1", "--cv", 3, "--out", out)
    assert again.exit_code == 2
    assert "Would overwrite" in again.output and "--force" in again.output
    assert "Traceback" not in again.output


def test_csv_with_target_regression_one_se_and_nested(csv_file, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "selection.csv").write_text("old\n")
    result = run(csv_file, "--target", "price", "--models", "linear-ols,linear-l1", "--cv", 3,
                 "--scoring", "mse,r2", "--rule", "one_se", "--nested", 3, "--seed", 4,
                 "--out", out, "--force")
    assert result.exit_code == 0, result.output
    assert "houses.csv" in result.output and "One-hot encoded" in result.output
    assert "Task: regression" in result.output and "rule one_se" in result.output
    assert "Nested CV (3 outer folds)" in result.output
    document = json.loads((out / "selection.json").read_text())
    assert len(document["nested"]["folds"]) == 3
    assert [row["metric"] for row in document["nested"]["summary"]] == ["mse", "r2"]
    assert document["settings"]["rule"] == "one_se" and document["settings"]["seed"] == 4
    assert (out / "selection.csv").read_text().startswith("candidate,rank,mse_mean")


def test_default_models_follow_the_task(csv_file):
    result = run(csv_file, "--target", "price", "--cv", 2)
    assert result.exit_code == 0, result.output
    for name in ("linear-ols", "linear-l2", "linear-l1", "linear-enet"):
        assert name in result.output
    assert "mse ↓" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--models", "logistic-l2,logistic-l3"], "Unknown model 'logistic-l3'; choose among"),
        (["--models", "linear-l1"], "'linear-l1' is for regression but the target is a classification"),
        (["--models", "logistic-l2,logistic-l2"], "--models lists logistic-l2 more than once"),
        (["--models", "logistic-l2", "--scoring", "mse"], "'mse' is a regression metric"),
        (["--models", "logistic-l2", "--cv", 1], "cv must be >= 2"),
        (["--models", "logistic-l2", "--nested", 1], "--nested must be 0 (none) or at least 2"),
        (["--target", "price"], "needs a DATA file"),
        (["missing.csv", "--target", "y"], "File not found: missing.csv"),
    ],
)
def test_bad_input_exits_with_a_clear_message(args, message):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_wrong_target_column(csv_file):
    result = run(csv_file, "--target", "prise")
    assert result.exit_code == 2
    assert "No column 'prise'" in result.output and "Did you mean 'price'?" in result.output
