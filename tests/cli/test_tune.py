"""``optimlab tune``: outputs, resuming a stored study, the search space of the options, clear errors."""

import io
import json
import math

import numpy as np
import optuna
import pandas as pd
import pytest
from matplotlib.image import imread
from optuna.trial import TrialState, create_trial
from rich.console import Console
from typer.testing import CliRunner

from optimlab.cli.main import app
from optimlab.cli.tune import OUTPUTS, _TrialProgress

runner = CliRunner()
FAST = ("--cv", 3, "--alpha-grid", 8)


def run(*args):
    return runner.invoke(app, ["tune", *map(str, args)])


def read_outputs(out):
    return json.loads((out / "tuning.json").read_text()), pd.read_csv(out / "trials.csv", index_col="trial")


def assert_png(path):
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width, _ = imread(path).shape
    assert height > 200 and width > 300


def test_builtin_run_prints_the_leaderboard_and_writes_every_output(tmp_path):
    out = tmp_path / "out"
    result = run("--trials", 4, "--cv", 3, "--out", out)
    assert result.exit_code == 0, result.output
    assert "built-in dataset breast_cancer" in result.output and "logistic regression" in result.output
    assert "log_loss ↓" in result.output and "penalty" in result.output
    assert "Best parameters:" in result.output
    # 4 complete trials are too few for importances: a note, no file
    assert "No importance.png: parameter importances need at least 10 complete trials" in result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(set(OUTPUTS) - {"importance.png"})
    assert_png(out / "history.png")
    assert_png(out / "cv_alpha.png")

    document, trials = read_outputs(out)
    assert trials["copy_of"].isna().sum() == 4 and set(trials["state"]) <= {"complete", "pruned"}
    best = trials.loc[document["best_trial"]]
    assert best["state"] == "complete"
    assert document["best_score"] == pytest.approx(best["log_loss"], rel=1e-12)
    assert document["best_score"] == pytest.approx(trials["log_loss"].min(), rel=1e-12)
    assert document["best_se"] == pytest.approx(best["log_loss_se"], rel=1e-9)
    for name in ("penalty", "alpha", "l1_ratio"):
        value = document["best_params"].get(name)
        if isinstance(value, float):
            assert value == pytest.approx(best[name], rel=1e-12)
        elif value is not None:
            assert value == best[name]
        else:  # a conditional parameter the best trial did not sample
            assert isinstance(best[name], float) and math.isnan(best[name])
    assert document["metric"] == "log_loss" and document["direction"] == "minimize"
    assert len(document["fold_scores"]) == 3
    assert np.mean(document["fold_scores"]) == pytest.approx(document["best_score"])
    assert document["settings"]["trials"] == 4 and document["settings"]["cv"] == 3
    assert document["settings"]["penalty"] == ["l1", "l2", "elasticnet"]
    assert document["trials_before"] == 0 and document["trials_run"] == 4
    assert document["best_model"]["n_coef"] == 30 and len(document["best_model"]["coef"]) == 30
    cv_path = document["cv_path"]
    assert len(cv_path["alpha"]) == 20 and max(cv_path["alpha"]) == pytest.approx(1.0)
    assert min(cv_path["mean"]) == pytest.approx(document["best_score"])


def test_existing_outputs_are_kept_without_force(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    mine = out / "tuning.json"
    mine.write_text("my own work\n")
    result = run("--penalty", "l2", "--trials", 1, *FAST, "--out", out)
    assert result.exit_code == 2
    assert "Would overwrite" in result.stderr and str(mine) in result.stderr and "--force" in result.stderr
    assert mine.read_text() == "my own work\n" and sorted(p.name for p in out.iterdir()) == ["tuning.json"]
    result = run("--penalty", "l2", "--trials", 1, *FAST, "--out", out, "--force")
    assert result.exit_code == 0, result.output
    assert json.loads(mine.read_text())["best_params"]["penalty"] == "l2"


def test_a_stored_study_is_resumed(tmp_path):
    storage = f"sqlite:///{tmp_path / 's.db'}"
    common = ("--storage", storage, "--study", "x", *FAST, "--out", tmp_path / "out", "--force")
    first = run("--trials", 3, *common)
    assert first.exit_code == 0, first.output
    assert "New study 'x'" in first.output
    before = optuna.load_study(study_name="x", storage=storage).trials
    assert len(before) == 3

    second = run("--trials", 5, *common)
    assert second.exit_code == 0, second.output
    assert "Resuming study 'x'" in second.output and "3 finished trials, running 2 more" in second.output
    after = optuna.load_study(study_name="x", storage=storage).trials
    finished = [t for t in after if t.state in (TrialState.COMPLETE, TrialState.PRUNED)
                and "duplicate_of" not in t.user_attrs]
    assert len(finished) == 5
    for old, new in zip(before, after[:3], strict=True):  # the first three are untouched
        assert (new.params, new.value, new.state) == (old.params, old.value, old.state)
    document, trials = read_outputs(tmp_path / "out")
    assert document["study"] == "x" and document["trials_before"] == 3 and document["trials_run"] == 2
    assert trials["copy_of"].isna().sum() == 5 and document["settings"]["storage"] == storage

    third = run("--trials", 5, *common)
    assert third.exit_code == 0, third.output
    # rich wraps long lines (the storage URL holds the temporary path): compare words
    assert "already has 5 finished trials (--trials 5): nothing to run" in " ".join(third.output.split())
    assert len(optuna.load_study(study_name="x", storage=storage).trials) == len(after)


@pytest.fixture
def houses(tmp_path):
    rng = np.random.default_rng(0)
    n = 80
    area, rooms = rng.uniform(30, 200, n), rng.integers(1, 6, n)
    town = rng.choice(["north", "south", "east"], n)
    price = 2.0 * area + 10 * rooms + 40 * (town == "south") + rng.normal(0, 10, n)
    lines = ["area,town,rooms,price"] + [f"{a:.1f},{t},{r},{p:.2f}" for a, t, r, p in
                                          zip(area, town, rooms, price, strict=True)]
    path = tmp_path / "houses.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_csv_with_target_tunes_a_linear_model(tmp_path, houses):
    out = tmp_path / "out"
    result = run(houses, "--target", "price", "--penalty", "l1,l2", "--trials", 3, *FAST, "--out", out)
    assert result.exit_code == 0, result.output
    assert "One-hot encoded categorical column(s) 'town' (3 levels)" in result.output
    assert "linear regression" in result.output and "mse ↓" in result.output
    document, trials = read_outputs(out)
    assert document["settings"]["model"] == "linear" and document["metric"] == "mse"
    assert document["settings"]["n_features"] == 5 and set(trials["penalty"]) <= {"l1", "l2"}
    assert set(document["best_model"]["coef"]) == {"area", "rooms", "town=east", "town=north", "town=south"}


def test_sampled_alpha_gives_importances(tmp_path):
    out = tmp_path / "out"
    result = run("--penalty", "elasticnet", "--no-path", "--trials", 10, "--sampler", "random",
                 "--pruner", "none", *FAST, "--out", out)
    assert result.exit_code == 0, result.output
    assert "Parameter importances (PED-ANOVA)" in result.output
    assert_png(out / "importance.png")
    assert_png(out / "cv_alpha.png")
    document, trials = read_outputs(out)
    assert set(document["importances"]) == {"alpha", "l1_ratio"}
    assert sum(document["importances"].values()) == pytest.approx(1.0)
    assert set(trials["kind"]) == {"plain"} and trials["alpha"].between(1e-5, 1.0).all()
    assert document["cv_path"] is None and document["settings"]["path_search"] is False


def test_stochastic_solver_parameters_are_conditional_on_the_solver(tmp_path):
    out = tmp_path / "out"
    result = run("--solver", "lbfgs,sgd", "--penalty", "l2", "--epochs-max", 8, "--learning-rate-max", 0.05,
                 "--trials", 6, "--sampler", "random", "--pruner", "none", *FAST, "--out", out)
    assert result.exit_code == 0, result.output
    assert "learning_rate in [0.0001, 0.05] (log) if solver in {sgd}" in " ".join(result.output.split())
    _, trials = read_outputs(out)
    sgd, lbfgs = trials[trials["solver"] == "sgd"], trials[trials["solver"] == "lbfgs"]
    assert len(sgd) and len(lbfgs)
    assert sgd["learning_rate"].between(1e-4, 0.05).all() and sgd["max_iter"].between(5, 8).all()
    assert sgd["batch_size"].notna().all() and sgd["schedule"].notna().all()
    assert set(sgd["kind"]) == {"stochastic"}
    assert lbfgs[["learning_rate", "max_iter", "batch_size", "schedule"]].isna().all().all()
    assert set(lbfgs["kind"]) == {"path"}


def test_grid_sampler_gets_a_finite_space(tmp_path):
    result = run("--sampler", "grid", "--penalty", "l2,elasticnet", "--pruner", "none", "--trials", 50,
                 "--cv", 3, "--alpha-grid", 4, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "every distinct configuration of the space was tried" in result.output
    # alpha along the path; l2, and the elastic net with l1_ratio 0.05, 0.2, ..., 0.95: 8 configurations
    document, trials = read_outputs(tmp_path / "out")
    assert sorted(trials["l1_ratio"].dropna().round(2).unique()) == [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95]
    assert set(trials["penalty"]) == {"l2", "elasticnet"} and set(trials["state"]) == {"complete"}
    assert set(trials["alpha"]) <= {1.0, 0.0215, 0.000464, 1e-5}  # 3 significant digits
    assert document["settings"]["sampler"] == "grid"


def bad_csv(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,y\n1,0.5\n2,1.5\n3,2.7\n4,0.1\n")
    return path


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda d: [bad_csv(d), "--target", "label"], "No column 'label'"),
        (lambda d: [bad_csv(d), "--target", "y", "--model", "logistic"],
         "--model logistic needs class labels"),
        (lambda d: ["--model", "linear"], "--model linear needs a numeric target"),
        (lambda d: ["--target", "y"], "needs a DATA file"),
        (lambda d: ["--storage", f"sqlite:///{d / 's.db'}"], "--storage needs --study to resume"),
        (lambda d: ["--storage", "nope", "--study", "a"], "storage 'nope' is neither a database URL"),
        (lambda d: ["--storage", "foo://bar", "--study", "a"], "Cannot open --storage foo://bar"),
        (lambda d: ["--storage", f"sqlite:///{d / 'no' / 'dir' / 's.db'}", "--study", "a"],
         "Cannot open --storage"),
        (lambda d: ["--scoring", "nope"], "Unknown metric 'nope'"),
        (lambda d: ["--scoring", "mse"], "scoring 'mse' is a regression metric"),
        (lambda d: ["--penalty", "l3"], "unknown penalty 'l3'"),
        (lambda d: ["--solver", "nope"], "Unknown solver 'nope'"),
        (lambda d: ["--solver", "lbfgs", "--penalty", "l1"], "--solver lbfgs cannot fit the l1 penalty"),
        (lambda d: ["--learning-rate-min", 0.1], "--learning-rate-min applies to stochastic solvers"),
        (lambda d: ["--penalty", "none"], "Nothing to tune"),
        (lambda d: ["--alpha-min", 2], "--alpha-min and --alpha-max need 0 < min <= max"),
        (lambda d: ["--timeout", 0], "--timeout must be a positive number"),
    ],
)
def test_bad_input_gives_a_clear_message(tmp_path, make_args, message):
    result = run(*make_args(tmp_path), "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_progress_display_on_a_terminal():
    study = optuna.create_study()
    with _TrialProgress(Console(file=io.StringIO(), force_terminal=True, width=120), 3, "log_loss") as show:
        (task,) = show.bar.tasks
        pruned = create_trial(state=TrialState.PRUNED, params={}, distributions={})
        study.add_trial(pruned)
        show(study, study.trials[-1])
        assert task.completed == 1 and task.description == "trial 0: pruned; no complete trial yet"
        study.add_trial(create_trial(value=0.25, params={}, distributions={}))
        show(study, study.trials[-1])
        assert task.completed == 2 and task.description == "trial 1: 0.2500; best log_loss 0.2500 (trial 1)"
        study.add_trial(create_trial(state=TrialState.FAIL, params={}, distributions={}))
        show(study, study.trials[-1])  # a failed trial does not count
        assert task.completed == 2 and task.total == 3


def test_an_optimum_on_the_edge_of_the_alpha_range_is_pointed_out(tmp_path, houses):
    result = run(houses, "--target", "price", "--penalty", "l1", "--alpha-min", 10, "--alpha-max", 1000,
                 "--trials", 1, *FAST, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    document, _ = read_outputs(tmp_path / "out")
    assert document["best_params"]["alpha"] == pytest.approx(10.0)
    assert "The best alpha is the smallest searched: try a smaller --alpha-min than 10." in result.output


def test_a_study_without_a_complete_trial_exits_with_1(tmp_path, monkeypatch):
    def no_complete_trial(*args, **kwargs):
        raise RuntimeError("No trial of study 'x' completed (all pruned, failed or still running).")

    monkeypatch.setattr("optimlab.cli.tune.tune", no_complete_trial)
    result = run("--trials", 1, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: No trial of study 'x' completed")
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
