"""select: statistics against hand computations on the same folds, the test, the rules, nested CV, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from joblib import parallel_config
from scipy import stats
from sklearn.base import clone
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.metrics import log_loss
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    RepeatedStratifiedKFold,
    StratifiedKFold,
    cross_val_score,
)
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from optimlab.models import LinearRegression, LogisticRegression
from optimlab.models.catalog import Standardize, make_model
from optimlab.tuning import SelectionResult, select


@pytest.fixture(scope="module")
def binary():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 5))
    y = (X[:, 0] - X[:, 1] + rng.standard_normal(200) > 0).astype(int)
    return X, y


@pytest.fixture(scope="module")
def regression():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((150, 6))
    y = X @ np.array([1.5, -1.0, 0.0, 0.0, 0.5, 0.0]) + rng.standard_normal(150)
    return X, y


def _factor(folds):
    n_train = np.mean([train.size for train, _ in folds])
    n_test = np.mean([test.size for _, test in folds])
    return 1.0 / len(folds) + n_test / n_train


# -- leaderboard statistics ---------------------------------------------------------------------
def test_mean_se_ci_match_cross_val_score_on_the_same_folds(binary):
    X, y = binary
    candidates = {"weak": LogisticRegression(alpha=0.3), "strong": LogisticRegression(alpha=0.003)}
    result = select(candidates, X, y, scoring=["accuracy", "log_loss"], random_state=3)
    assert isinstance(result, SelectionResult)

    expected_folds = list(StratifiedKFold(5, shuffle=True, random_state=3).split(X, y))
    assert len(result.folds) == 5
    for (train, test), (ref_train, ref_test) in zip(result.folds, expected_folds, strict=True):
        np.testing.assert_array_equal(train, ref_train)
        np.testing.assert_array_equal(test, ref_test)

    factor = _factor(expected_folds)
    assert result.variance_factor == pytest.approx(0.2 + 40 / 160)
    assert factor == pytest.approx(result.variance_factor)
    t975 = stats.t.ppf(0.975, 4)
    for name, estimator in candidates.items():
        for metric, scorer, sign in (("accuracy", "accuracy", 1.0), ("log_loss", "neg_log_loss", -1.0)):
            ref = sign * cross_val_score(estimator, X, y, cv=expected_folds, scoring=scorer)
            np.testing.assert_allclose(result.scores.loc[name, metric].to_numpy(), ref, rtol=1e-12)
            row = result.table.loc[name]
            mean, sd = ref.mean(), ref.std(ddof=1)
            se = np.sqrt(factor) * sd
            assert row[f"{metric}_mean"] == pytest.approx(mean, rel=1e-12)
            assert row[f"{metric}_se"] == pytest.approx(se, rel=1e-12)
            assert row[f"{metric}_se_naive"] == pytest.approx(sd / np.sqrt(5), rel=1e-12)
            assert row[f"{metric}_ci_low"] == pytest.approx(max(mean - t975 * se, 0.0), rel=1e-12)
            high = mean + t975 * se
            assert row[f"{metric}_ci_high"] == pytest.approx(min(high, 1.0) if metric == "accuracy" else high,
                                                             rel=1e-12)
            # the correction for 5 folds: sqrt(1 + 5 * (1/4)) = 1.5 times the naive SE
            assert row[f"{metric}_se"] / row[f"{metric}_se_naive"] == pytest.approx(1.5)


def test_table_columns_and_order(binary):
    X, y = binary
    candidates = {"a": LogisticRegression(alpha=1.0), "b": LogisticRegression(alpha=0.01)}
    result = select(candidates, X, y, scoring=["roc_auc", "accuracy", "log_loss"], cv=3, random_state=0)
    expected = ["rank"]
    for metric in ("roc_auc", "accuracy", "log_loss"):
        expected += [f"{metric}_{s}" for s in ("mean", "se", "se_naive", "ci_low", "ci_high")]
    expected += ["delta", "t_stat", "p_value", "indistinguishable", "within_1se", "complexity",
                 "regularization", "chosen"]
    assert list(result.table.columns) == expected
    assert result.table.index.name == "candidate"
    assert result.metrics == ("roc_auc", "accuracy", "log_loss") and result.primary == "roc_auc"
    assert list(result.table["rank"]) == [1, 2]  # sorted by rank
    means = result.table["roc_auc_mean"].to_numpy()
    assert means[0] >= means[1]  # roc_auc: higher is better
    assert result.best == result.table.index[0] == result.chosen
    assert list(result.scores.columns) == ["roc_auc", "accuracy", "log_loss"]
    assert result.scores.index.names == ["candidate", "fold"] and len(result.scores) == 6
    np.testing.assert_array_equal(result.table.loc[["a", "b"], "regularization"], [1.0, 0.01])
    np.testing.assert_array_equal(result.table["complexity"], [5.0, 5.0])


def test_lower_is_better_metric_ranks_the_smallest_first(regression):
    X, y = regression
    candidates = {"mean": DummyRegressor(), "ols": LinearRegression(), "ridge": LinearRegression(
        penalty="l2", alpha=1.0)}
    result = select(candidates, X, y, scoring=["mse", "r2"], cv=4, random_state=2)
    folds = list(KFold(4, shuffle=True, random_state=2).split(X))
    for name, estimator in candidates.items():
        mse = -cross_val_score(estimator, X, y, cv=folds, scoring="neg_mean_squared_error")
        r2 = cross_val_score(estimator, X, y, cv=folds, scoring="r2")
        assert result.table.loc[name, "mse_mean"] == pytest.approx(mse.mean(), rel=1e-10)
        assert result.table.loc[name, "r2_mean"] == pytest.approx(r2.mean(), rel=1e-10)
    assert result.best == "ols" and result.table.index[-1] == "mean"
    assert result.table.loc["ols", "delta"] == 0.0 and result.table.loc["mean", "delta"] > 0
    assert not result.table.loc["mean", "indistinguishable"]
    assert np.isnan(result.table.loc["mean", "regularization"])  # a dummy has no penalty to read
    assert result.table.loc["ols", "regularization"] == 0.0  # no penalty
    assert isinstance(result.best_estimator, LinearRegression)
    np.testing.assert_allclose(result.best_estimator.coef_, LinearRegression().fit(X, y).coef_)


def test_repeated_splitter_counts_every_split(binary):
    X, y = binary
    splitter = RepeatedStratifiedKFold(n_splits=4, n_repeats=3, random_state=0)
    result = select({"a": LogisticRegression(), "b": DummyClassifier()}, X, y, cv=splitter)
    assert len(result.folds) == 12 and len(result.scores.loc["a"]) == 12
    assert result.variance_factor == pytest.approx(1 / 12 + 50 / 150)  # Bouckaert and Frank's correction
    ref = -cross_val_score(LogisticRegression(), X, y, cv=splitter, scoring="neg_log_loss")
    t = stats.t.ppf(0.975, 11)
    se = np.sqrt(result.variance_factor) * ref.std(ddof=1)
    assert result.table.loc["a", "log_loss_ci_high"] == pytest.approx(ref.mean() + t * se, rel=1e-12)


def test_group_splitter_keeps_groups_apart(binary):
    X, y = binary
    groups = np.arange(len(y)) // 10
    result = select({"a": LogisticRegression()}, X, y, cv=GroupKFold(4), groups=groups)
    assert len(result.folds) == 4
    for train, test in result.folds:
        assert not set(groups[train]) & set(groups[test])
    with pytest.raises(ValueError, match=r"groups must have shape \(200,\)"):
        select({"a": LogisticRegression()}, X, y, cv=GroupKFold(4), groups=groups[:-1])


# -- the paired test ---------------------------------------------------------------------------
def test_corrected_ttest_matches_a_direct_computation(binary):
    X, y = binary
    candidates = {"a": LogisticRegression(alpha=0.5), "b": LogisticRegression(alpha=0.005),
                  "c": LogisticRegression(alpha=0.05)}
    result = select(candidates, X, y, cv=5, random_state=1)
    best = result.best
    log_loss = result.scores["log_loss"]
    factor = _factor(result.folds)
    for name in candidates:
        d = log_loss.loc[name].to_numpy() - log_loss.loc[best].to_numpy()  # lower is better: best - c, signed
        if name == best:
            assert result.table.loc[name, "p_value"] == 1.0 and result.table.loc[name, "t_stat"] == 0.0
            continue
        t = d.mean() / np.sqrt(factor * d.var(ddof=1))
        p = 2 * stats.t.sf(abs(t), 4)
        assert result.table.loc[name, "t_stat"] == pytest.approx(t, rel=1e-10)
        assert result.table.loc[name, "p_value"] == pytest.approx(p, rel=1e-10)
        assert result.table.loc[name, "indistinguishable"] == (p >= 0.05)


def test_identical_candidate_is_indistinguishable_and_a_dummy_is_not(binary):
    X, y = binary
    candidates = {"model": LogisticRegression(alpha=0.01), "twin": LogisticRegression(alpha=0.01),
                  "prior": DummyClassifier()}
    result = select(candidates, X, y, scoring=["log_loss", "accuracy"], random_state=0)
    table = result.table
    assert result.best == "model"  # a tie goes to the first candidate
    assert table.loc["twin", "p_value"] == 1.0 and table.loc["twin", "t_stat"] == 0.0
    assert table.loc["twin", "delta"] == 0.0 and table.loc["twin", "indistinguishable"]
    assert table.loc["prior", "p_value"] < 0.05 and not table.loc["prior", "indistinguishable"]
    assert result.indistinguishable == ["model", "twin"]
    assert list(table["rank"]) == [1, 2, 3]


def test_constant_difference_is_significant():
    # every fold scores the same for both, with a fixed gap: var(d) = 0 and mean(d) != 0
    X = np.zeros((40, 1))
    y = np.ones(40)
    candidates = {"mean": DummyRegressor(), "off": DummyRegressor(strategy="constant", constant=10.0)}
    result = select(candidates, X, y, cv=4, scoring="mae", random_state=0)
    np.testing.assert_array_equal(result.scores.loc["off", "mae"], 9.0)
    assert result.table.loc["off", "p_value"] == 0.0 and result.table.loc["off", "t_stat"] == np.inf
    assert result.indistinguishable == ["mean"]


# -- rules ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def alpha_grid():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((150, 10))
    y = (X[:, 0] + 0.5 * X[:, 1] + 0.8 * rng.standard_normal(150) > 0).astype(int)
    candidates = {f"alpha={a:.3g}": LogisticRegression(alpha=a) for a in np.geomspace(1e-3, 10, 9)}
    return X, y, candidates


def test_one_se_chooses_the_largest_alpha_within_one_se(alpha_grid):
    X, y, candidates = alpha_grid
    best = select(candidates, X, y, rule="best", random_state=0)
    one_se = select(candidates, X, y, rule="one_se", random_state=0)
    pd.testing.assert_frame_equal(best.table.drop(columns="chosen"), one_se.table.drop(columns="chosen"))
    table = one_se.table
    threshold = table.loc[one_se.best, "log_loss_mean"] + table.loc[one_se.best, "log_loss_se"]
    within = table.index[table["log_loss_mean"] <= threshold]
    assert list(within) == list(table.index[table["within_1se"]])
    assert 1 < len(within) < len(table)  # the case is built so that the rule has a choice to make
    assert best.chosen == best.best == one_se.best
    assert one_se.chosen != one_se.best
    assert table.loc[one_se.chosen, "regularization"] == table.loc[within, "regularization"].max()
    assert table.loc[one_se.chosen, "regularization"] > table.loc[one_se.best, "regularization"]
    assert table.loc[one_se.chosen, "log_loss_mean"] <= threshold
    assert table["chosen"].sum() == 1 and table.loc[one_se.chosen, "chosen"]
    assert one_se.best_estimator.alpha == table.loc[one_se.chosen, "regularization"]


def test_one_se_prefers_fewer_nonzero_coefficients(binary):
    X, y = binary
    candidates = {"ridge": LogisticRegression(penalty="l2", alpha=0.01),
                  "lasso": LogisticRegression(penalty="l1", alpha=0.02)}
    result = select(candidates, X, y, rule="one_se", random_state=0)
    table = result.table
    assert table.loc["lasso", "complexity"] < table.loc["ridge", "complexity"] == 5.0
    assert table.loc["lasso", "within_1se"]
    assert result.chosen == "lasso"
    # the count is the mean over the fold fits
    counts = [np.count_nonzero(clone(candidates["lasso"]).fit(X[tr], y[tr]).coef_) for tr, _ in result.folds]
    assert table.loc["lasso", "complexity"] == pytest.approx(np.mean(counts))


def test_complexity_given_as_a_dict_or_a_callable(binary):
    X, y = binary
    candidates = {"ridge": LogisticRegression(alpha=0.01), "prior": DummyClassifier()}
    result = select(candidates, X, y, rule="one_se", complexity={"ridge": 5, "prior": 0}, random_state=0)
    assert result.chosen == "ridge"  # the prior is much worse: outside one SE
    np.testing.assert_array_equal(result.table.loc[["ridge", "prior"], "complexity"], [5.0, 0.0])

    def l1_norm(fitted):
        return float(np.abs(fitted.coef_).sum())

    shrunk = {"0.003": LogisticRegression(alpha=0.003), "0.03": LogisticRegression(alpha=0.03)}
    result = select(shrunk, X, y, rule="one_se", complexity=l1_norm, random_state=0)
    for name, estimator in shrunk.items():
        norms = [l1_norm(clone(estimator).fit(X[train], y[train])) for train, _ in result.folds]
        assert result.table.loc[name, "complexity"] == pytest.approx(np.mean(norms))
    assert result.table["within_1se"].all()
    assert result.chosen == "0.03"  # more shrinkage, smaller norm
    with pytest.raises(ValueError, match=r"a number for every candidate; missing \['0.03'\]"):
        select(shrunk, X, y, rule="one_se", complexity={"0.003": 1})


def test_one_se_on_a_candidate_without_coefficients_asks_for_complexity():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    y = rng.integers(0, 2, 60)  # noise: the prior is as good as the model
    with pytest.raises(ValueError, match=r"complexity of 'prior'.*pass complexity"):
        select({"model": LogisticRegression(), "prior": DummyClassifier()}, X, y, rule="one_se",
               scoring="accuracy", random_state=0)


def test_same_seed_same_folds_table_and_choice(alpha_grid):
    X, y, candidates = alpha_grid
    first = select(candidates, X, y, rule="one_se", random_state=11)
    second = select(candidates, X, y, rule="one_se", random_state=11)
    pd.testing.assert_frame_equal(first.table, second.table)
    pd.testing.assert_frame_equal(first.scores, second.scores)
    assert first.chosen == second.chosen
    other = select(candidates, X, y, rule="one_se", random_state=12)
    assert not np.array_equal(first.folds[0][1], other.folds[0][1])


def test_sample_weight_reaches_fits_and_metrics(binary):
    X, y = binary
    pipe = Pipeline([("standardize", Standardize()), ("model", LogisticRegression(alpha=0.01))])
    candidates = {"pipe": pipe, "plain": LogisticRegression(alpha=0.01)}
    plain = select(candidates, X, y, random_state=0)
    doubled = select(candidates, X, y, sample_weight=np.full(len(y), 2.0), random_state=0)
    pd.testing.assert_frame_equal(plain.table, doubled.table, rtol=1e-6)
    weights = np.where(y == 1, 3.0, 1.0)
    weighted = select(candidates, X, y, sample_weight=weights, random_state=0)
    fold = weighted.folds[0]
    fitted = clone(candidates["plain"]).fit(X[fold[0]], y[fold[0]], sample_weight=weights[fold[0]])
    ref = log_loss(y[fold[1]], fitted.predict_proba(X[fold[1]]), sample_weight=weights[fold[1]])
    assert weighted.scores.loc[("plain", 0), "log_loss"] == pytest.approx(ref, rel=1e-10)
    with pytest.raises(TypeError, match=r"candidates\['knn'\].*sample_weight"):
        select({"knn": KNeighborsClassifier()}, X, y, sample_weight=weights)


def test_sparse_X_and_parallel_fits_agree(binary):
    X, y = binary
    candidates = {"a": make_model("logistic-none").set_params(**{"logistic-none__tol": 1e-8}),
                  "b": LogisticRegression(alpha=0.1, tol=1e-8)}
    dense = select(candidates, X, y, cv=3, random_state=0)
    sparse = select(candidates, sp.csr_matrix(X), y, cv=3, random_state=0)
    np.testing.assert_allclose(sparse.table["log_loss_mean"], dense.table["log_loss_mean"], rtol=1e-5)
    with parallel_config(backend="threading"):  # worker processes would take seconds to start
        parallel = select(candidates, sp.csr_matrix(X), y, cv=3, random_state=0, n_jobs=2)
    pd.testing.assert_frame_equal(parallel.table, sparse.table)


# -- nested cross-validation --------------------------------------------------------------------
def test_nested_cv_reruns_the_selection_inside_each_outer_fold(binary):
    X, y = binary
    candidates = {"a": LogisticRegression(alpha=1.0), "b": LogisticRegression(alpha=0.01),
                  "prior": DummyClassifier()}
    result = select(candidates, X, y, cv=3, nested=4, scoring=["log_loss", "accuracy"], random_state=5)
    nested = result.nested
    assert list(nested.folds.columns) == ["chosen", "n_train", "n_test", "log_loss", "accuracy"]
    assert len(nested.folds) == 4 and nested.folds.index.name == "outer_fold"
    assert set(nested.folds["chosen"]) <= set(candidates)
    outer = list(StratifiedKFold(4, shuffle=True, random_state=5).split(X, y))
    for k in (0, 3):
        train, test = outer[k]
        inner = select(candidates, X[train], y[train], cv=3, scoring=["log_loss", "accuracy"], random_state=5)
        assert nested.folds.loc[k, "chosen"] == inner.chosen
        proba = inner.best_estimator.predict_proba(X[test])
        assert nested.folds.loc[k, "log_loss"] == pytest.approx(log_loss(y[test], proba), rel=1e-10)
    assert list(nested.summary.index) == ["log_loss", "accuracy"]
    assert list(nested.summary.columns) == ["mean", "se", "se_naive", "ci_low", "ci_high"]
    values = nested.folds["log_loss"].to_numpy()
    se = np.sqrt(1 / 4 + 50 / 150) * values.std(ddof=1)
    assert nested.summary.loc["log_loss", "mean"] == pytest.approx(values.mean())
    assert nested.summary.loc["log_loss", "se"] == pytest.approx(se)
    high = values.mean() + stats.t.ppf(0.975, 3) * se
    assert nested.summary.loc["log_loss", "ci_high"] == pytest.approx(high)
    assert select(candidates, X, y, cv=3).nested is None


def test_nested_true_uses_five_outer_folds_and_needs_a_reusable_cv(binary):
    X, y = binary
    candidates = {"a": LogisticRegression(alpha=0.1)}
    result = select(candidates, X, y, cv=2, nested=True, random_state=0)
    assert len(result.nested.folds) == 5 and result.chosen == "a"
    folds = list(KFold(3).split(X))
    with pytest.raises(ValueError, match="nested cross-validation needs cv"):
        select(candidates, X, y, cv=folds, nested=3)


# -- errors at the door ---------------------------------------------------------------------------
def test_bad_candidates(binary):
    X, y = binary
    with pytest.raises(TypeError, match="candidates must be a dict"):
        select([LogisticRegression()], X, y)
    with pytest.raises(ValueError, match="candidates is empty"):
        select({}, X, y)
    with pytest.raises(TypeError, match=r"candidates\['x'\] must be a scikit-learn estimator"):
        select({"x": "logistic"}, X, y)
    with pytest.raises(ValueError, match="mix classifiers"):
        select({"c": LogisticRegression(), "r": LinearRegression()}, X, y)


def test_bad_data_and_options(binary, regression):
    X, y = binary
    model = {"m": LogisticRegression()}
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="X contains 1 NaN"):
        select(model, bad, y)
    with pytest.raises(ValueError, match="y has 199 entries but X has 200 rows"):
        select(model, X, y[:-1])
    with pytest.raises(ValueError, match="rule must be one of"):
        select(model, X, y, rule="simplest")
    with pytest.raises(ValueError, match="cv must be >= 2"):
        select(model, X, y, cv=1)
    with pytest.raises(ValueError, match="confidence must be in"):
        select(model, X, y, confidence=95)
    with pytest.raises(ValueError, match="classifiers but y is a continuous target"):
        select(model, *regression)
    with pytest.raises(ValueError, match="'accuracy' is a classification metric but the estimator is a regr"):
        select({"r": LinearRegression()}, *regression, scoring="accuracy")
    with pytest.raises(ValueError, match="'mse' is a regression metric"):
        select(model, X, y, scoring=["accuracy", "mse"])
    with pytest.raises(ValueError, match=r"'f1'.*classes are \['no', 'yes'\].*f1_macro"):
        select(model, X, np.where(y == 1, "yes", "no"), scoring="f1")
    with pytest.raises(ValueError, match="Unknown metric"):
        select(model, X, y, scoring="precision@k")
    with pytest.raises(ValueError, match=r"log_loss.*'svm' have no predict_proba"):
        select({"svm": LinearSVC()}, X, y)


def test_a_failing_candidate_names_itself_and_the_fold(binary):
    X, y = binary
    with pytest.raises(ValueError, match=r"Candidate 'broken' failed to fit on fold 0") as info:
        select({"ok": LogisticRegression(), "broken": LogisticRegression(solver="no-such-solver")}, X, y)
    assert info.value.__cause__ is not None


# -- the model catalog inside select ------------------------------------------------------------
def test_catalog_families_on_the_same_folds(regression):
    X, y = regression
    candidates = {name: make_model(name, cv=3, random_state=0) for name in ("linear-ols", "linear-l1")}
    result = select(candidates, X, y, cv=3, rule="one_se", random_state=0)
    table = result.table
    assert table.loc["linear-ols", "complexity"] == 6.0 and table.loc["linear-ols", "regularization"] == 0.0
    assert table.loc["linear-l1", "complexity"] < 6.0 and table.loc["linear-l1", "regularization"] > 0.0
    assert result.chosen == "linear-l1"
    assert result.best_estimator[-1].alpha_ > 0
