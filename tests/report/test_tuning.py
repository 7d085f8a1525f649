"""Reports of a tuning study, on hand-made Optuna studies whose trials are known."""

import io
import json

import numpy as np
import optuna
import pandas as pd
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import TrialState, create_trial
from rich.console import Console

from optimlab.report.tuning import (
    NothingToPlot,
    alpha_plot,
    history_plot,
    importance_plot,
    leaderboard_table,
    param_importances,
    save_tuning,
)
from optimlab.tuning import TuningResult
from optimlab.tuning.tune import trials_frame

PENALTY = CategoricalDistribution([None, "l1", "l2"])
ALPHAS = [1.0, 0.1, 0.01, 0.001]


def path_trial(penalty, means, *, duplicate_of=None):
    best = int(np.argmin(means))
    attrs = {"kind": "path", "se": 0.01, "fold_scores": [means[best] - 0.01, means[best] + 0.01],
             "alpha": ALPHAS[best], "path_alphas": ALPHAS, "path_mean": means, "path_se": [0.01] * 4,
             "n_iter": 40}
    if duplicate_of is not None:
        attrs.update(duplicate_of=duplicate_of, n_iter=0)
    return create_trial(value=means[best], params={"penalty": penalty}, distributions={"penalty": PENALTY},
                        user_attrs=attrs)


def plain_trial(value, params, distributions):
    return create_trial(value=value, params=params, distributions=distributions,
                        user_attrs={"kind": "plain", "se": 0.02, "fold_scores": [value - 0.02, value + 0.02]})


def make_result(trials, metric="log_loss") -> TuningResult:
    study = optuna.create_study(direction="minimize")
    for trial in trials:
        study.add_trial(trial)
    best = study.best_trial
    params = dict(best.params)
    if "alpha" in best.user_attrs:
        params["alpha"] = best.user_attrs["alpha"]
    return TuningResult(best_params=params, best_score=best.value, best_estimator=None,
                        trials=trials_frame(study, metric), study=study, metric=metric, direction="minimize",
                        fold_scores=np.asarray(best.user_attrs["fold_scores"]), cv_path=None, n_iter=0,
                        time=0.0, best_trial=best.number)


@pytest.fixture
def mixed():
    """Path trials of l2 and l1 (one l2 trial a copy), an unpenalized plain trial, a pruned l1 trial."""
    return make_result([
        path_trial("l2", [0.5, 0.3, 0.32, 0.4]),
        path_trial("l2", [0.5, 0.3, 0.32, 0.4], duplicate_of=0),
        plain_trial(0.6, {"penalty": None}, {"penalty": PENALTY}),
        create_trial(state=TrialState.PRUNED, params={"penalty": "l1"}, distributions={"penalty": PENALTY},
                     intermediate_values={0: 0.69}),
        path_trial("l1", [0.69, 0.35, 0.33, 0.45]),
    ])


def rows_of(table) -> list[list[str]]:
    console = Console(file=io.StringIO(), width=200)
    console.print(table)
    text = console.file.getvalue()
    return [[cell.strip() for cell in line.split("│")[1:-1]] for line in text.splitlines()
            if line.startswith("│")], text


def test_leaderboard_lists_each_configuration_once_best_first(mixed):
    table = leaderboard_table(mixed, k=10)
    assert [column.header for column in table.columns] == [
        "#", "trial", "log_loss ↓", "penalty", "alpha", "kind", "iter", "time (s)"]
    rows, text = rows_of(table)
    assert [row[1] for row in rows] == ["0", "4", "2"]  # the copy (1) and the pruned trial (3) left out
    assert rows[0][2:6] == ["0.3000 ± 0.0100", "l2", "0.1", "path"]
    assert rows[2][3:6] == ["none", "-", "plain"]  # penalty None, and no alpha without a penalty
    caption = " ".join(text.split())
    assert "4 complete, 1 pruned, 0 failed" in caption and "1 trial repeated the parameters" in caption
    rows, _ = rows_of(leaderboard_table(mixed, k=2))
    assert [row[1] for row in rows] == ["0", "4"]


def test_plots_are_png_files(mixed, tmp_path):
    for plot, name in ((history_plot, "history.png"), (alpha_plot, "alpha.png")):
        path = plot(mixed, tmp_path / name)
        assert path == tmp_path / name and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_alpha_plot_needs_an_alpha(tmp_path):
    result = make_result([plain_trial(0.6, {"penalty": None}, {"penalty": PENALTY})])
    with pytest.raises(NothingToPlot, match="no complete trial has an alpha"):
        alpha_plot(result, tmp_path / "alpha.png")
    assert not (tmp_path / "alpha.png").exists()


def sampled_trials(n, *, with_l1_ratio=True):
    rng = np.random.default_rng(0)
    alpha = FloatDistribution(1e-4, 1.0, log=True)
    ratio = FloatDistribution(0.05, 0.95)
    trials = []
    for _ in range(n):
        a, r = 10 ** rng.uniform(-4, 0), rng.uniform(0.05, 0.95)
        value = 0.1 + (np.log10(a) + 2) ** 2 + 0.001 * r  # alpha matters, l1_ratio hardly
        params, dists = {"alpha": a}, {"alpha": alpha}
        if with_l1_ratio:
            params["l1_ratio"], dists["l1_ratio"] = r, ratio
        trials.append(plain_trial(value, params, dists))
    return trials


def test_importances_of_the_sampled_parameters(tmp_path):
    result = make_result(sampled_trials(30))
    importances = param_importances(result)
    assert set(importances) == {"alpha", "l1_ratio"} and sum(importances.values()) == pytest.approx(1.0)
    assert importances["alpha"] > importances["l1_ratio"]
    path = importance_plot(result, tmp_path / "imp.png", importances=importances)
    assert path.read_bytes()[:4] == b"\x89PNG"
    assert alpha_plot(result, tmp_path / "alpha.png").exists()  # sampled alphas: points with error bars


@pytest.mark.parametrize(("trials", "message"), [
    (sampled_trials(9), "at least 10 complete trials, the study has 9"),
    (sampled_trials(12, with_l1_ratio=False),
     "two sampled parameters that vary, the study has 1 (only alpha)"),
])
def test_importances_are_skipped_with_a_reason(trials, message):
    with pytest.raises(NothingToPlot, match=message.replace("(", r"\(").replace(")", r"\)")):
        param_importances(make_result(trials))


def test_save_tuning_writes_the_trials_and_the_best_configuration(mixed, tmp_path):
    save_tuning(mixed, tmp_path / "t.csv", tmp_path / "t.json", dataset="toy", settings={"cv": 2},
                extra={"notes": {"importance": "too few"}})
    trials = pd.read_csv(tmp_path / "t.csv", index_col="trial")
    assert list(trials.index) == [0, 1, 2, 3, 4] and list(trials["state"])[3] == "pruned"
    document = json.loads((tmp_path / "t.json").read_text())
    assert document["best_params"] == {"penalty": "l2", "alpha": 0.1} and document["best_trial"] == 0
    assert document["best_score"] == trials.loc[0, "log_loss"] == 0.3
    assert document["best_se"] == pytest.approx(0.01 * np.sqrt(2) / np.sqrt(2))
    assert document["trials"] == {"complete": 4, "pruned": 1, "fail": 0}
    assert document["cv_path"] is None and document["settings"] == {"cv": 2}
    assert document["notes"] == {"importance": "too few"} and document["dataset"] == "toy"
