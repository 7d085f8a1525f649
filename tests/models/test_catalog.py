"""The model catalog: families by name, each a Standardize -> model pipeline."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.pipeline import Pipeline

from optimlab.models import LinearRegressionCV, LogisticRegressionCV
from optimlab.models.catalog import MODEL_NAMES, Standardize, default_models, make_model


@pytest.fixture(scope="module")
def regression():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((150, 6))
    y = X @ np.array([1.5, -1.0, 0.0, 0.0, 0.5, 0.0]) + rng.standard_normal(150)
    return X, y


def test_catalog_builds_each_family():
    assert set(default_models("classification")) < set(MODEL_NAMES)
    assert "linear-ols" in default_models("regression")
    expected = {"logistic-l2": (LogisticRegressionCV, 0.0), "logistic-l1": (LogisticRegressionCV, 1.0),
                "logistic-enet": (LogisticRegressionCV, [0.2, 0.5, 0.8]),
                "linear-l2": (LinearRegressionCV, 0.0), "linear-l1": (LinearRegressionCV, 1.0),
                "linear-enet": (LinearRegressionCV, [0.2, 0.5, 0.8])}
    for name in MODEL_NAMES:
        model = make_model(name, random_state=0)
        assert isinstance(model, Pipeline) and isinstance(model[0], Standardize)
        if name in expected:
            kind, ratio = expected[name]
            assert type(model[-1]) is kind and model[-1].l1_ratio == ratio
            assert model[-1].cv.n_splits == 5 and model[-1].cv.shuffle
        else:
            assert model[-1].penalty is None
    assert make_model(" Logistic-L1 ", cv=3)[-1].cv == 3  # no seed: scikit-learn's unshuffled folds


def test_catalog_errors():
    with pytest.raises(ValueError, match=r"Unknown model 'logistic-l3'; choose among logistic-none, "):
        make_model("logistic-l3")
    with pytest.raises(ValueError, match=r"'logistic-l2' is for classification but the target is a regr"):
        make_model("logistic-l2", task="regression")
    with pytest.raises(ValueError, match=r"'linear-l1' is for regression.*logistic-\* models"):
        make_model("linear-l1", task="classification")
    with pytest.raises(ValueError, match="cv must be >= 2"):
        make_model("linear-l1", cv=1)


def test_standardize_centres_dense_and_only_scales_sparse(regression):
    X, _ = regression
    X = X * [1.0, 10.0, 100.0, 1.0, 1.0, 1.0] + 5.0
    dense = Standardize().fit_transform(X)
    np.testing.assert_allclose(dense.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(dense.std(axis=0), 1.0)
    sparse = Standardize().fit_transform(sp.csr_matrix(X))
    assert sp.issparse(sparse)
    np.testing.assert_allclose(sparse.toarray(), X / X.std(axis=0))
