"""Scores from the linear predictor equal scikit-learn's scorers on the same fitted model."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import get_scorer

from optimlab.models._scoring import linear_predictor, linear_scorer
from optimlab.models.linear import LinearRegression, LogisticRegression, alpha_from_C

CLASSIFICATION = ["neg_log_loss", "accuracy", "roc_auc"]
REGRESSION = ["neg_mean_squared_error", "neg_root_mean_squared_error", "neg_mean_absolute_error", "r2"]


def _classification(n_classes, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((400, 6))
    scores = X @ rng.standard_normal((6, n_classes)) * 3
    labels = np.array(["ant", "bee", "cat", "dog"])[:n_classes]
    return X, labels[np.argmax(scores + rng.gumbel(size=scores.shape), axis=1)]


def _z(model, X):
    coef = model.coef_.T if model.coef_.ndim == 2 and model.coef_.shape[0] > 1 else model.coef_.ravel()
    intercept = model.intercept_ if np.ndim(model.intercept_) and model.intercept_.size > 1 \
        else float(np.ravel(model.intercept_)[0])
    return linear_predictor(X, coef, intercept)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("name", CLASSIFICATION)
@pytest.mark.parametrize("weighted", [False, True])
def test_classification_scores_match_sklearn(name, n_classes, weighted):
    X, y = _classification(n_classes)
    fast = linear_scorer(name, n_classes=n_classes)
    if name == "roc_auc" and n_classes > 2:
        assert fast is None  # one-vs-rest AUC goes through the estimator
        return
    model = LogisticRegression(alpha=alpha_from_C(1.0, 300)).fit(X[:300], y[:300])
    X_test, y_test = X[300:], y[300:]
    w = np.random.default_rng(1).random(100) if weighted else None
    kwargs = {} if w is None else {"sample_weight": w}
    expected = get_scorer(name)(model, X_test, y_test, **kwargs)
    assert fast(_z(model, X_test), y_test, model.classes_, w) == pytest.approx(expected, rel=1e-12, abs=1e-14)


def test_log_loss_clips_like_sklearn():
    # a confident wrong prediction: scikit-learn clips p at machine epsilon
    X = np.array([[1.0], [-1.0], [1.0], [-1.0]])
    y = np.array([0, 1, 1, 0])
    model = LogisticRegression(penalty=None).fit(X, y)
    model.coef_ = np.array([[200.0]])
    fast = linear_scorer("neg_log_loss")
    expected = get_scorer("neg_log_loss")(model, X, y)
    assert np.isfinite(expected)
    assert fast(_z(model, X), y, model.classes_) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("name", REGRESSION)
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_regression_scores_match_sklearn(name, sparse, weighted):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 5))
    y = X @ rng.standard_normal(5) + rng.standard_normal(200) + 3.0
    X = sp.csr_matrix(X) if sparse else X
    model = LinearRegression(penalty="l2", alpha=0.1).fit(X[:150], y[:150])
    w = rng.random(50) if weighted else None
    kwargs = {} if w is None else {"sample_weight": w}
    expected = get_scorer(name)(model, X[150:], y[150:], **kwargs)
    got = linear_scorer(name)(_z(model, X[150:]), y[150:], None, w)
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-14)


def test_r2_of_a_constant_target_follows_sklearn():
    fast = linear_scorer("r2")
    y = np.full(5, 2.0)
    assert fast(np.full(5, 2.0), y) == 1.0
    assert fast(np.full(5, 2.5), y) == 0.0


def test_scorers_without_a_fast_form():
    assert linear_scorer("f1_macro") is None
    assert linear_scorer(lambda est, X, y: 0.0) is None
