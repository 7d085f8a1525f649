"""evaluate(): one row per model, metrics equal to a manual computation; MovieLens checks."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from optimlab.recommend import (
    EASE,
    ImplicitALS,
    Interactions,
    MatrixFactorization,
    Popularity,
    evaluate,
    load_movielens,
    movielens_folds,
    per_user_split,
    ranking_metrics,
    rmse,
)

RECSYS = Path(__file__).resolve().parents[3] / "shared" / "data" / "recsys"
ML100K = RECSYS / "ml-100k"
needs_ml100k = pytest.mark.skipif(
    not (ML100K / "u.data.gz").is_file(), reason=f"MovieLens 100K not found under {ML100K}"
)


def ratings(seed=0, n_users=30, n_items=40, n=600):
    rng = np.random.default_rng(seed)
    pairs = rng.choice(n_users * n_items, size=n, replace=False)
    u, i = pairs // n_items, pairs % n_items
    r = np.clip(np.round(3 + (u % 3) - (i % 3) + rng.normal(0, 0.5, n)), 1, 5)
    df = pd.DataFrame({"user": [f"u{x}" for x in u], "item": i * 2, "r": r})
    return Interactions.from_frame(df, user="user", item="item", rating="r")


def manual_ranking(model, train, test, k, threshold=None):
    """ranking_metrics on lists built from model.recommend, test users only, raw ids mapped by hand."""
    users = list(model.user_ids_)
    items = list(model.item_ids_)
    rel = np.zeros((len(users), len(items)))
    for n in range(test.nnz):
        if threshold is not None and test.values[n] < threshold:
            continue
        rel[users.index(test.user_ids[test.users[n]]), items.index(test.item_ids[test.items[n]])] = 1.0
    rec = np.full((len(users), k), -1, np.int64)
    for row in np.flatnonzero(rel.sum(1)):
        lst = model.recommend(users[row], k=k)
        rec[row] = [items.index(x) if x is not None else -1 for x in lst]
    return ranking_metrics(rec, sp.csr_matrix(rel), k=k)


@pytest.fixture(scope="module")
def split():
    return per_user_split(ratings(), test_size=0.25, random_state=0)


def test_evaluate_rows_and_metrics(split):
    train, test = split
    models = {"mf": MatrixFactorization(factors=3, epochs=5, random_state=0),
              "ials": ImplicitALS(factors=3, epochs=3, random_state=0),
              "pop": Popularity(), "ease": EASE(l2=5.0)}
    table = evaluate(models, train, test, k=5)
    assert list(table.index) == ["mf", "ials", "pop", "ease"]
    assert table.index.name == "model"
    assert {"fit_time", "rmse", "mae", "precision@5", "recall@5", "ndcg@5", "map@5", "hit_rate@5",
            "coverage@5"} <= set(table.columns)
    assert np.all(table["fit_time"] >= 0)
    mf = models["mf"]
    pred = mf.predict(test.user_ids[test.users], test.item_ids[test.items])
    assert table.loc["mf", "rmse"] == pytest.approx(rmse(test.values, pred), rel=1e-12)
    assert table.loc["mf", "mae"] == pytest.approx(np.mean(np.abs(test.values - pred)), rel=1e-12)
    assert table.loc[["ials", "pop", "ease"], "rmse"].isna().all()
    for name, model in models.items():
        want = manual_ranking(model, train, test, 5)
        for metric, value in want.items():
            assert table.loc[name, metric] == pytest.approx(value, rel=1e-12, abs=1e-15), (name, metric)


def test_evaluate_threshold_and_prefitted(split):
    train, test = split
    model = EASE(l2=5.0).fit(train)
    table = evaluate({"ease": model}, train, test, k=3, relevance_threshold=4.0, fit=False)
    assert np.isnan(table.loc["ease", "fit_time"])
    want = manual_ranking(model, train, test, 3, threshold=4.0)
    for metric, value in want.items():
        assert table.loc["ease", metric] == pytest.approx(value, rel=1e-12, abs=1e-15)
    # a single model is named after its class
    one = evaluate(Popularity(), train, test, k=3)
    assert list(one.index) == ["Popularity"]


def test_evaluate_errors(split):
    train, test = split
    with pytest.raises(ValueError, match="k"):
        evaluate(Popularity(), train, test, k=0)
    strangers = Interactions.from_frame(pd.DataFrame({"u": ["x"], "i": [9999], "r": [5.0]}),
                                        user="u", item="i", rating="r")
    with pytest.raises(ValueError, match="No test user"):
        evaluate(Popularity(), train, strangers)


def test_evaluate_predicts_unknown_ids_by_biases(split):
    train, test = split
    extra = pd.DataFrame({"user": ["stranger"], "item": [0], "r": [4.0]})
    df = pd.concat([test.to_frame().rename(columns={"value": "r"}), extra], ignore_index=True)
    test2 = Interactions.from_frame(df, user="user", item="item", rating="r")
    mf = MatrixFactorization(factors=3, epochs=3, random_state=0)
    table = evaluate({"mf": mf}, train, test2, k=5)
    pred = mf.predict(test2.user_ids[test2.users], test2.item_ids[test2.items])
    assert np.isfinite(pred).all()
    assert table.loc["mf", "rmse"] == pytest.approx(rmse(test2.values, pred), rel=1e-12)


# ---------------------------------------------------------------------- MovieLens 100K


@needs_ml100k
def test_movielens_u1_mf_defaults_rmse():
    train, test = movielens_folds(ML100K, splits=("u1",))[0]
    model = MatrixFactorization(random_state=0).fit(train)
    pred = model.predict(test.user_ids[test.users], test.item_ids[test.items])
    assert rmse(test.values, pred) < 0.94


@needs_ml100k
def test_movielens_implicit_als_beats_popularity():
    data = load_movielens(ML100K / "u.data.gz")
    data = Interactions(data.users, data.items, np.ones(data.nnz), user_ids=data.user_ids,
                        item_ids=data.item_ids, implicit=True)
    train, test = per_user_split(data, test_size=0.2, random_state=0)
    table = evaluate({"ials": ImplicitALS(random_state=0), "pop": Popularity()}, train, test, k=10)
    assert table.loc["ials", "ndcg@10"] > table.loc["pop", "ndcg@10"] + 0.1
