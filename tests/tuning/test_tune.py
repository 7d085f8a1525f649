"""tune(): CV scores against brute-force cross-validation, path-aware trials, pruning, reproducibility."""

from __future__ import annotations

import numpy as np
import optuna
import pytest
from sklearn import linear_model as sk
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
from sklearn.preprocessing import scale

from optimlab.models import LinearRegression, LinearRegressionCV, LogisticRegression
from optimlab.tuning import Categorical, Float, Int, tune
from optimlab.tuning._evaluate import alpha_grid_of

N, P = 240, 12


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = scale(rng.standard_normal((N, P)))
    z = X[:, 0] - X[:, 1] + 0.5 * X[:, 2]
    y = z + 0.8 * rng.standard_normal(N)
    yb = (z + 0.8 * rng.standard_normal(N) > 0).astype(int)
    yk = np.digitize(z + 0.8 * rng.standard_normal(N), [-0.7, 0.7])
    return X, y, yb, yk


def _brute_force(estimator, X, y, alphas, folds, scoring):
    return np.array([cross_val_score(estimator.set_params(alpha=a), X, y, cv=folds, scoring=scoring).mean()
                     for a in alphas])


@pytest.mark.parametrize("penalty", ["l2", "l1"])
def test_path_trial_scores_equal_brute_force_cv(data, penalty):
    X, _, yb, _ = data
    folds = list(StratifiedKFold(4, shuffle=True, random_state=1).split(X, yb))
    res = tune(LogisticRegression(penalty=penalty, tol=1e-10), {"alpha": Float(1e-3, 0.3, log=True)}, X, yb,
               cv=folds, alpha_grid=8, n_trials=5, random_state=0)
    # the only other parameter is alpha, searched along the path: one trial covers the space
    assert len(res.trials) == 1 and res.trials["kind"].iloc[0] == "path"
    grid = np.geomspace(0.3, 1e-3, 8)
    np.testing.assert_allclose(res.cv_path["alpha"], grid, rtol=1e-12)
    reference = LogisticRegression(penalty=penalty, tol=1e-10)
    expected = -_brute_force(reference, X, yb, grid, folds, "neg_log_loss")
    np.testing.assert_allclose(res.cv_path["mean"], expected, rtol=1e-6, atol=1e-8)
    best = int(np.argmin(expected))
    assert res.best_params == {"alpha": pytest.approx(grid[best], rel=1e-12)}
    assert res.best_score == pytest.approx(expected[best], rel=1e-6)
    assert res.best_estimator.alpha == pytest.approx(grid[best]) and res.best_estimator.coef_.shape == (1, P)
    assert res.fold_scores.shape == (4,) and res.n_iter > 0


def test_lasso_path_trial_matches_linear_regression_cv(data):
    X, y, _, _ = data
    folds = list(KFold(5, shuffle=True, random_state=0).split(X))
    res = tune(LinearRegression(penalty="l1", tol=1e-10), {"alpha": Float(1e-3, 1.0, log=True)}, X, y,
               cv=folds, alpha_grid=10, random_state=0)
    reference = LinearRegressionCV(alphas=np.geomspace(1.0, 1e-3, 10), cv=folds, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(res.cv_path["mean"], -reference.mean_score_, rtol=1e-6)
    np.testing.assert_allclose(res.cv_path["se"], reference.se_score_, rtol=1e-5)
    assert res.best_params["alpha"] == pytest.approx(reference.alpha_)


def test_multinomial_path_trial(data):
    X, _, _, yk = data
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, yk))
    res = tune(LogisticRegression(penalty="l2", tol=1e-9), {"alpha": Float(1e-3, 0.1, log=True)}, X, yk,
               cv=folds, alpha_grid=4, scoring="accuracy", random_state=0)
    expected = _brute_force(LogisticRegression(penalty="l2", tol=1e-9), X, yk, np.geomspace(0.1, 1e-3, 4),
                            folds, "accuracy")
    np.testing.assert_allclose(res.cv_path["mean"], expected, atol=1e-12)
    assert res.metric == "accuracy" and res.direction == "maximize"


def test_plain_trials_equal_cross_val_score_for_any_estimator(data):
    X, y, _, _ = data
    folds = list(KFold(4, shuffle=True, random_state=2).split(X))
    res = tune(sk.Ridge(), {"alpha": Float(1e-2, 1e3, log=True)}, X, y, cv=folds, n_trials=6,
               sampler="random", pruner="none", random_state=0)
    assert len(res.trials) == 6 and set(res.trials["kind"]) == {"plain"}
    for _, row in res.trials.iterrows():
        expected = -cross_val_score(sk.Ridge(alpha=row["alpha"]), X, y, cv=folds,
                                    scoring="neg_mean_squared_error").mean()
        assert row["mse"] == pytest.approx(expected, rel=1e-10)
    assert res.best_score == pytest.approx(res.trials["mse"].min())
    assert res.best_params["alpha"] == pytest.approx(res.trials.loc[res.trials["mse"].idxmin(), "alpha"])
    # folds report as they finish: steps 0..K-1 with the running mean
    trial = res.study.trials[0]
    scores = trial.user_attrs["fold_scores"]
    assert sorted(trial.intermediate_values) == [0, 1, 2, 3]
    assert trial.intermediate_values[1] == pytest.approx(np.mean(scores[:2]))


def test_same_random_state_same_trials_and_choice(data):
    X, _, yb, _ = data
    space = {"penalty": Categorical(["l1", "l2", "elasticnet"]),
             "l1_ratio": Float(0.1, 0.9, when={"penalty": "elasticnet"}),
             "alpha": Float(1e-3, 1.0, log=True), "fit_intercept": Categorical([True, False])}
    runs = [tune(LogisticRegression(), space, X, yb, cv=3, n_trials=8, random_state=seed, alpha_grid=5)
            for seed in (3, 3, 4)]
    columns = ["penalty", "l1_ratio", "fit_intercept", "log_loss", "alpha"]
    a, b, c = (r.trials.reindex(columns=columns) for r in runs)
    assert a.equals(b) and runs[0].best_params == runs[1].best_params
    assert not a[["penalty", "l1_ratio", "fit_intercept"]].equals(c[["penalty", "l1_ratio", "fit_intercept"]])


def test_conditional_dimensions_only_sampled_when_active(data):
    X, _, yb, _ = data
    space = {"solver": Categorical(["lbfgs", "sgd", "adam"]),
             "alpha": Float(1e-4, 1e-1, log=True),
             "learning_rate": Float(1e-3, 1e-1, log=True, when={"solver": ["sgd", "adam"]}),
             "max_iter": Int(3, 10, when={"solver": ["sgd", "adam"]})}
    res = tune(LogisticRegression(), space, X, yb, cv=3, n_trials=10, sampler="random", pruner="none",
               random_state=0)
    for trial in res.study.trials:
        stochastic = trial.params["solver"] != "lbfgs"
        assert ("learning_rate" in trial.params) == stochastic
        assert ("max_iter" in trial.params) == stochastic
        # alpha is path-searched for lbfgs and sampled for the stochastic solvers
        assert ("alpha" in trial.params) == stochastic
        assert trial.user_attrs["kind"] == ("stochastic" if stochastic else "path")
        if stochastic:  # one held-out score per epoch, numbered fold * max_epochs + epoch
            steps = sorted(trial.intermediate_values)
            assert steps == [k * 10 + e for k in range(3) for e in range(trial.params["max_iter"])]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_stochastic_trials_reproduce_the_estimator_fit(data):
    X, _, yb, _ = data
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, yb))
    estimator = LogisticRegression(solver="sgd", max_iter=8, random_state=5)
    res = tune(estimator, {"learning_rate": Float(1e-2, 1e-1, log=True)}, X, yb, cv=folds, n_trials=2,
               scoring="accuracy", pruner="none", random_state=0)
    for trial in res.study.trials:
        model = LogisticRegression(solver="sgd", max_iter=8, random_state=5,
                                   learning_rate=trial.params["learning_rate"])
        expected = cross_val_score(model, X, yb, cv=folds, scoring="accuracy")
        np.testing.assert_allclose(trial.user_attrs["fold_scores"], expected, atol=1e-12)
        last = {k: v for k, v in trial.intermediate_values.items() if k % 8 == 7}
        assert last[2 * 8 + 7] == pytest.approx(expected.mean())


def test_path_trials_are_pruned_only_at_the_end_of_a_fold(data, tmp_path):
    X, _, yb, _ = data
    storage = f"sqlite:///{tmp_path / 'pruned.db'}"
    # every alpha of the first fold reports (the large ones with log-loss near log 2), but the
    # pruner is asked only once the fold's path is done: its best log-loss (> 0.3 here) loses
    grid = Categorical([10.0, 1.0, 0.3, 0.1])
    with pytest.raises(RuntimeError, match=r"No trial .* completed"):
        tune(LogisticRegression(penalty="l1"), {"alpha": grid}, X, yb, cv=3,
             pruner=optuna.pruners.ThresholdPruner(upper=0.3), storage=storage, study_name="p",
             random_state=0)
    (trial,) = optuna.load_study(study_name="p", storage=storage).trials
    assert trial.state == optuna.trial.TrialState.PRUNED
    assert sorted(trial.intermediate_values) == [0, 1, 2, 3]
    assert trial.intermediate_values[0] > 0.6 and trial.intermediate_values[3] > 0.3
    assert len(trial.user_attrs["fold_scores"]) == 1
    # the same trial is not pruned by a threshold its first alphas exceed but its best does not
    res = tune(LogisticRegression(penalty="l1"), {"alpha": grid}, X, yb, cv=3,
               pruner=optuna.pruners.ThresholdPruner(upper=0.65), random_state=0)
    assert res.trials["state"].tolist() == ["complete"] and res.trials["folds"].iloc[0] == 3


def test_finite_space_stops_when_every_configuration_was_tried(data):
    X, _, yb, _ = data
    space = {"penalty": Categorical(["l1", "l2"]), "fit_intercept": Categorical([True, False]),
             "alpha": Float(1e-3, 1.0, log=True)}
    res = tune(LogisticRegression(), space, X, yb, cv=3, n_trials=50, alpha_grid=4, random_state=0)
    assert len(res.trials) <= 50
    configs = {(t.params["penalty"], t.params["fit_intercept"]) for t in res.study.trials}
    assert configs == {("l1", True), ("l1", False), ("l2", True), ("l2", False)}
    copies = [t for t in res.study.trials if "duplicate_of" in t.user_attrs]
    for trial in copies:  # a repeated configuration is copied, not refitted, and does not count
        original = res.study.trials[trial.user_attrs["duplicate_of"]]
        assert trial.value == original.value and trial.user_attrs["n_iter"] == 0
    assert len(res.study.trials) - len(copies) == 4


def test_grid_sampler_tries_each_point_once(data):
    X, y, _, _ = data
    space = {"alpha": Categorical([0.1, 1.0, 10.0]), "fit_intercept": Categorical([True, False])}
    res = tune(sk.Ridge(), space, X, y, cv=3, n_trials=100, sampler="grid", random_state=0)
    points = [(t.params["alpha"], t.params["fit_intercept"]) for t in res.study.trials]
    assert len(points) == 6 and len(set(points)) == 6


def test_resume_runs_only_the_missing_trials(data, tmp_path):
    X, _, yb, _ = data
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    space = {"alpha": Float(1e-3, 1.0, log=True), "l1_ratio": Float(0.1, 0.9)}
    estimator = LogisticRegression(penalty="elasticnet")
    first = tune(estimator, space, X, yb, cv=3, n_trials=3, storage=storage, study_name="s", random_state=0,
                 alpha_grid=4)
    second = tune(estimator, space, X, yb, cv=3, n_trials=5, storage=storage, study_name="s", random_state=0,
                  alpha_grid=4)
    assert len(second.trials) == 5
    assert second.trials.iloc[:3][["l1_ratio", "log_loss"]].equals(first.trials[["l1_ratio", "log_loss"]])
    again = tune(estimator, space, X, yb, cv=3, n_trials=5, storage=storage, study_name="s", alpha_grid=4)
    assert len(again.trials) == 5  # a finished study runs nothing more
    with pytest.raises(ValueError, match="resume it with the same scoring"):
        tune(estimator, space, X, yb, cv=3, n_trials=6, storage=storage, study_name="s", scoring="accuracy")


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"space": {"nope": Float(0, 1)}}, ValueError, "not a parameter of LogisticRegression"),
    ({"space": {"learning_rate": Float(0.1, 1, when={"solver": "sgd"}), "solver": Categorical(["sgd"])}},
     ValueError, "must come before it"),
    ({"space": {}}, ValueError, "non-empty dict"),
    ({"scoring": "mse"}, ValueError, "regression metric but the estimator is a classifier"),
    ({"scoring": "bogus"}, ValueError, "Unknown metric 'bogus'"),
    ({"n_trials": None}, ValueError, "both None"),
    ({"n_trials": 0}, ValueError, "n_trials"),
    ({"cv": 1}, ValueError, "cv"),
    ({"sampler": "annealing"}, ValueError, "Unknown sampler"),
    ({"pruner": "early"}, ValueError, "Unknown pruner"),
    ({"storage": "not a url"}, ValueError, "neither a database URL"),
])
def test_bad_arguments_get_clear_errors(data, kwargs, error, match):
    X, _, yb, _ = data
    arguments = {"space": {"alpha": Float(1e-3, 1.0, log=True)}, **kwargs}
    space = arguments.pop("space")
    with pytest.raises(error, match=match):
        tune(LogisticRegression(), space, X, yb, **arguments)


def test_bad_data_gets_clear_errors(data):
    X, y, yb, _ = data
    space = {"alpha": Float(1e-3, 1.0, log=True)}
    Xn = X.copy()
    Xn[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        tune(LogisticRegression(), space, Xn, yb)
    with pytest.raises(ValueError, match="one class"):
        tune(LogisticRegression(), space, X, np.zeros(N))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        tune(LinearRegression(penalty="l2"), space, X, y[:-1])
    with pytest.raises(TypeError, match="scikit-learn estimator"):
        tune(object(), space, X, y)


def test_alpha_grid_of_dimensions():
    np.testing.assert_allclose(alpha_grid_of(Float(1e-2, 1.0, log=True), 3), [1.0, 0.1, 0.01])
    np.testing.assert_allclose(alpha_grid_of(Float(0.5, 1.0), 3), [1.0, 0.75, 0.5])
    np.testing.assert_allclose(alpha_grid_of(Categorical([0.1, 1.0, 0.01]), 5), [1.0, 0.1, 0.01])
    assert alpha_grid_of(Categorical(["a", "b"]), 5) is None
    assert alpha_grid_of(Float(0.0, 1.0), 5) is None  # alpha = 0 has no path point
