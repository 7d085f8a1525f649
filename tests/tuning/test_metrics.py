"""Metrics by name: natural units against scikit-learn's metric functions."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.linear_model import LinearRegression, LogisticRegression

from optimlab.tuning.metrics import METRICS, check_metric_task, default_metric, get_metric, get_metrics


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 4))
    y = X[:, 0] + 0.5 * rng.standard_normal(200)
    yb = (y > 0).astype(int)
    yk = np.digitize(y, [-0.5, 0.5])
    return (X, y, LinearRegression().fit(X, y), yb, LogisticRegression().fit(X, yb), yk,
            LogisticRegression().fit(X, yk))


def test_classification_metrics_in_natural_units(fitted):
    X, _, _, yb, clf, yk, clf3 = fitted
    pred, proba = clf.predict(X), clf.predict_proba(X)
    expected = {"accuracy": skm.accuracy_score(yb, pred),
                "balanced_accuracy": skm.balanced_accuracy_score(yb, pred), "f1": skm.f1_score(yb, pred),
                "f1_macro": skm.f1_score(yb, pred, average="macro"),
                "roc_auc": skm.roc_auc_score(yb, proba[:, 1]), "log_loss": skm.log_loss(yb, proba)}
    for name, value in expected.items():
        metric = get_metric(name)
        assert metric(clf, X, yb) == pytest.approx(value, rel=1e-12), name
        assert metric.greater_is_better == (name != "log_loss")
    auc = get_metric("roc_auc", n_classes=3)
    assert auc(clf3, X, yk) == pytest.approx(skm.roc_auc_score(yk, clf3.predict_proba(X), multi_class="ovr"))


def test_regression_metrics_in_natural_units(fitted):
    X, y, reg, *_ = fitted
    pred = reg.predict(X)
    mse = skm.mean_squared_error(y, pred)
    expected = {"mse": mse, "rmse": np.sqrt(mse), "mae": skm.mean_absolute_error(y, pred),
                "r2": skm.r2_score(y, pred)}
    for name, value in expected.items():
        assert get_metric(name)(reg, X, y) == pytest.approx(value, rel=1e-12), name
    assert get_metric("mse").direction == "minimize" and get_metric("r2").direction == "maximize"


def test_names_scorers_and_callables(fitted):
    X, _, _, yb, clf, *_ = fitted
    assert get_metric("F1 Macro").name == "f1_macro" and get_metric("f1-macro").name == "f1_macro"
    neg = get_metric("neg_log_loss")  # a scikit-learn scorer keeps its own sign
    assert neg.greater_is_better and neg(clf, X, yb) == pytest.approx(-get_metric("log_loss")(clf, X, yb))

    def hits(estimator, X, y):
        return float((estimator.predict(X) == y).sum())

    assert get_metric(hits).name == "hits" and get_metric(hits)(clf, X, yb) == pytest.approx(
        get_metric("accuracy")(clf, X, yb) * len(yb))
    assert [m.name for m in get_metrics(["accuracy", "log_loss"])] == ["accuracy", "log_loss"]
    assert set(METRICS) >= {"accuracy", "balanced_accuracy", "f1", "f1_macro", "roc_auc", "log_loss", "mse",
                            "rmse", "mae", "r2"}


def test_errors_and_defaults():
    with pytest.raises(ValueError, match="Unknown metric 'acc'"):
        get_metric("acc")
    with pytest.raises(TypeError, match="scoring must be"):
        get_metric(3)
    with pytest.raises(ValueError, match="twice"):
        get_metrics(["mse", "mse"])
    with pytest.raises(ValueError, match="regression metric but the estimator is a classifier"):
        check_metric_task(get_metric("mse"), classifier=True)
    with pytest.raises(ValueError, match="classification metric but the estimator is a regressor"):
        check_metric_task(get_metric("accuracy"), classifier=False)
    assert default_metric(LogisticRegression()) == "log_loss" and default_metric(LinearRegression()) == "mse"
