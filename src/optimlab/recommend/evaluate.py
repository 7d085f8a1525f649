"""Fit several recommenders on one split and measure them side by side."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import scipy.sparse as sp

from optimlab._validation import check_int, check_real
from optimlab.recommend._base import Recommender
from optimlab.recommend.data import Interactions
from optimlab.recommend.metrics import mae, rmse

__all__ = ["evaluate", "test_matrix"]


def test_matrix(model: Recommender, test: Interactions, *,
                relevance_threshold: float | None = None) -> sp.csr_matrix:
    """The relevant test items as a (model users x model items) 0/1 matrix.

    Test interactions whose user or item the model does not know are dropped; with
    ``relevance_threshold``, only those with a value at or above it count as relevant.
    """
    rows, cols, keep = model._locate(test)
    if relevance_threshold is not None:
        keep &= np.asarray(test.values) >= relevance_threshold
    return model._relevant(rows, cols, keep)


def evaluate(models: dict[str, Recommender] | Recommender, train: Interactions, test: Interactions, *,
             k: int = 10, relevance_threshold: float | None = None, fit: bool = True) -> pd.DataFrame:
    """Fit each model on ``train`` and measure it on ``test``.

    Rating models (``MatrixFactorization``) get RMSE and MAE on the test pairs (ids unknown
    to the model are predicted by its biases). Every model gets the ranking metrics of
    :func:`~optimlab.recommend.metrics.ranking_metrics` at ``k``: each test user's list of
    ``k`` items excludes their training items, and the relevant items are their test items
    (those with a value at or above ``relevance_threshold`` when given).

    Parameters
    ----------
    models : dict of name to model, or one model
    train, test : Interactions
    k : int
    relevance_threshold : float, optional
    fit : bool
        False to measure models already fitted on ``train``.

    Returns
    -------
    DataFrame
        One row per model: ``fit_time`` (seconds), ``rmse`` and ``mae`` (NaN for ranking
        models), then the ranking metrics.
    """
    k = check_int(k, "k", low=1)
    check_real(relevance_threshold, "relevance_threshold", allow_none=True)
    if isinstance(models, Recommender):
        models = {type(models).__name__: models}
    rows = []
    for name, model in models.items():
        seconds = np.nan
        if fit:
            t0 = time.perf_counter()
            model.fit(train)
            seconds = time.perf_counter() - t0
        row = {"model": name, "fit_time": seconds, "rmse": np.nan, "mae": np.nan}
        if model.explicit:
            pred = model.predict(test.user_ids[test.users], test.item_ids[test.items])
            row["rmse"] = rmse(test.values, pred)
            row["mae"] = mae(test.values, pred)
        relevant = test_matrix(model, test, relevance_threshold=relevance_threshold)
        if relevant.nnz == 0:
            raise ValueError("No test user is known to the model with a relevant test item.")
        row.update(model._ranking_metrics(relevant, k))
        rows.append(row)
    return pd.DataFrame(rows).set_index("model")
