"""LinearRegressionCV, LogisticRegressionCV: choices agree with scikit-learn; standard errors; one-SE."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.utils.estimator_checks import check_sample_weight_equivalence_on_dense_data

from optimlab.models.cv import LinearRegressionCV, LogisticRegressionCV

N, P = 100, 15


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, P))
    z = X[:, 0] - X[:, 1] + 0.5 * X[:, 2]
    y = z + 0.8 * rng.standard_normal(N)
    yb = (z + 0.8 * rng.standard_normal(N) > 0).astype(int)
    yk = np.digitize(z + 0.8 * rng.standard_normal(N), [-0.7, 0.7])
    return X, y, yb, yk


def test_lasso_choice_matches_sklearn_lassocv(data):
    X, y, _, _ = data
    model = LinearRegressionCV(n_alphas=30, tol=1e-10, cv=KFold(5)).fit(X, y)
    ref = sk.LassoCV(alphas=model.alphas_, cv=KFold(5), tol=1e-12, max_iter=100_000).fit(X, y)
    assert model.alpha_ == pytest.approx(ref.alpha_)
    np.testing.assert_allclose(-model.mean_score_, ref.mse_path_.mean(axis=1), rtol=1e-5)
    assert model.alphas_.shape == model.mean_score_.shape == model.se_score_.shape == (30,)
    assert model.scores_.shape == (5, 30)
    assert np.all(model.se_score_ > 0)
    assert model.alpha_1se_ >= model.alpha_
    np.testing.assert_allclose(model.se_score_, model.scores_.std(axis=0, ddof=1) / np.sqrt(5))


def test_one_se_rule_and_selection(data):
    X, y, _, _ = data
    best = LinearRegressionCV(n_alphas=20).fit(X, y)
    i_best = int(np.argmax(best.mean_score_))
    threshold = best.mean_score_[i_best] - best.se_score_[i_best]
    i_1se = int(np.flatnonzero(best.mean_score_ >= threshold)[0])
    assert best.alpha_1se_ == pytest.approx(best.alphas_[i_1se])
    one_se = LinearRegressionCV(n_alphas=20, selection="one_se").fit(X, y)
    assert one_se.result_.success
    assert np.count_nonzero(one_se.coef_) <= np.count_nonzero(best.coef_)
    assert best.score(X, y) >= one_se.score(X, y) - 1e-12  # less shrinkage fits the training data better


def test_elastic_net_grid_over_l1_ratios(data):
    X, y, _, _ = data
    model = LinearRegressionCV(l1_ratio=[0.2, 0.7, 1.0], n_alphas=10).fit(X, y)
    assert model.alphas_.shape == model.mean_score_.shape == (3, 10)
    assert model.l1_ratio_ in (0.2, 0.7, 1.0)
    np.testing.assert_allclose(model.l1_ratios_, [0.2, 0.7, 1.0])
    r, a = np.unravel_index(np.argmax(model.mean_score_), model.mean_score_.shape)
    assert model.alpha_ == model.alphas_[r, a]


def test_logistic_choice_matches_sklearn(data):
    X, _, yb, _ = data
    model = LogisticRegressionCV(n_alphas=8, tol=1e-10, cv=StratifiedKFold(5), scoring="neg_log_loss")
    model.fit(X, yb)
    n_train = N * 4 // 5  # scikit-learn's C is per fold: alpha = 1 / (C n_train)
    ref = sk.LogisticRegressionCV(Cs=1.0 / (model.alphas_ * n_train), l1_ratios=(1.0,), solver="saga",
                                  cv=StratifiedKFold(5), scoring="neg_log_loss", tol=1e-10, max_iter=100_000,
                                  use_legacy_attributes=False).fit(X, yb)
    assert model.alpha_ == pytest.approx(1.0 / (ref.C_ * n_train))
    assert np.all(model.se_score_ > 0) and model.alpha_1se_ >= model.alpha_
    assert model.coef_.shape == (1, P) and model.classes_.tolist() == [0, 1]


def test_multinomial_and_scorers(data):
    X, _, _, yk = data
    model = LogisticRegressionCV(n_alphas=4, l1_ratio=0.0, cv=3, scoring="accuracy").fit(X, yk)
    assert model.coef_.shape == (3, P) and model.intercept_.shape == (3,)
    assert np.all((model.mean_score_ >= 0) & (model.mean_score_ <= 1))
    assert model.predict_proba(X).shape == (N, 3)


def test_sample_weight_equivalence_with_tight_tol():
    check_sample_weight_equivalence_on_dense_data(
        "LinearRegressionCV", LinearRegressionCV(n_alphas=5, cv=2, tol=1e-12))


def test_bad_input(data):
    X, y, _, _ = data
    with pytest.raises(ValueError, match="l1_ratio"):
        LinearRegressionCV(l1_ratio=1.5).fit(X, y)
    with pytest.raises(ValueError, match="selection must be one of"):
        LinearRegressionCV(selection="min").fit(X, y)
    with pytest.raises(ValueError, match="alphas must be"):
        LinearRegressionCV(alphas=[0.1, -1.0]).fit(X, y)
    with pytest.raises(ValueError, match="one class"):
        LogisticRegressionCV().fit(X, np.ones(N))
    with pytest.raises(ValueError, match="alpha_max is 0"):
        LinearRegressionCV().fit(X, np.ones(N))
