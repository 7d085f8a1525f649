"""Popularity, ItemKNN and EASE against dense references (sklearn's cosine, numpy's inverse)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics.pairwise import cosine_similarity

from optimlab.recommend import EASE, Interactions, ItemKNN, Popularity
from optimlab.result import Status


def counts(seed=0, n_users=30, n_items=40, n_events=450):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"u": rng.integers(0, n_users, n_events), "i": rng.integers(0, n_items, n_events)})
    df["i"] = "item" + df["i"].astype(str).str.zfill(2)
    return Interactions.from_frame(df, user="u", item="i")


@pytest.fixture(scope="module")
def data():
    return counts()


def test_popularity_scores_are_interaction_counts(data):
    model = Popularity().fit(data)
    X = data.tocsr().toarray()
    want = (X > 0).sum(0).astype(float)
    np.testing.assert_array_equal(model.item_counts_, want)
    np.testing.assert_array_equal(model.score(0, data.item_ids), want)
    # everyone gets the same order, minus what they have seen
    rec = model.recommend(data.user_ids, k=5)
    for u in range(data.n_users):
        cand = np.flatnonzero(X[u] == 0)
        got = [list(data.item_ids).index(x) for x in rec[u]]
        assert set(got) <= set(cand)
        assert sorted(want[got], reverse=True) == list(want[got])
        assert want[got[-1]] >= np.sort(want[cand])[::-1][4]
    assert model.result_.certificate == 0.0 and model.result_.certificate_kind == "none"
    # fold_in only records the seen items
    model.fold_in("new", ["item00", "item01"])
    assert not {"item00", "item01"} & set(model.recommend("new", k=10).tolist())


def cosine_reference(data, binary=True):
    X = data.tocsr().toarray()
    if binary:
        X = (X > 0).astype(float)
    S = cosine_similarity(X.T)
    np.fill_diagonal(S, 0.0)
    return X, S


@pytest.mark.parametrize("binary", [True, False])
def test_itemknn_full_neighbourhood_is_cosine(data, binary):
    model = ItemKNN(neighbors=1000, binary=binary).fit(data)
    X, S = cosine_reference(data, binary)
    np.testing.assert_allclose(model.similarity_.toarray(), S, rtol=1e-10, atol=1e-12)
    users = np.arange(data.n_users)
    np.testing.assert_allclose(model._scores(users), X @ S, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("neighbors", [1, 3, 10])
def test_itemknn_keeps_top_neighbors_per_column(data, neighbors):
    model = ItemKNN(neighbors=neighbors).fit(data)
    X, S = cosine_reference(data)
    got = model.similarity_.toarray()
    for j in range(data.n_items):
        col, ref = got[:, j], S[:, j]
        kept = np.flatnonzero(col)
        assert kept.size == min(neighbors, np.count_nonzero(ref))
        np.testing.assert_allclose(col[kept], ref[kept], rtol=1e-10)
        dropped = np.setdiff1d(np.flatnonzero(ref), kept)
        if dropped.size:  # ties may go either way; nothing dropped beats anything kept
            assert ref[dropped].max() <= ref[kept].min() + 1e-12
    np.testing.assert_allclose(model._scores(np.arange(data.n_users)), X @ got, rtol=1e-10, atol=1e-12)


def test_itemknn_shrinkage(data):
    model = ItemKNN(neighbors=1000, shrinkage=5.0).fit(data)
    X = (data.tocsr().toarray() > 0).astype(float)
    G = X.T @ X
    n = np.sqrt(np.diag(G))
    S = G / (n[:, None] * n[None, :] + 5.0)
    np.fill_diagonal(S, 0.0)
    np.testing.assert_allclose(model.similarity_.toarray(), S, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("binary", [True, False])
def test_ease_closed_form(data, binary):
    l2 = 7.0
    model = EASE(l2=l2, binary=binary).fit(data)
    X = data.tocsr().toarray()
    if binary:
        X = (X > 0).astype(float)
    G = X.T @ X
    P = np.linalg.inv(G + l2 * np.eye(data.n_items))
    B = np.eye(data.n_items) - P / np.diag(P)[None, :]
    np.fill_diagonal(B, 0.0)
    np.testing.assert_allclose(model.similarity_, B, rtol=1e-8, atol=1e-12)
    assert np.all(np.diag(model.similarity_) == 0.0)
    # B minimizes |X - XB|^2 + l2 |B|^2 subject to diag(B) = 0: off the diagonal the gradient is 0
    R = (G + l2 * np.eye(data.n_items)) @ B - G
    np.fill_diagonal(R, 0.0)
    assert np.abs(R).max() < 1e-10
    assert model.result_.certificate < 1e-12
    assert model.result_.success and model.result_.status == Status.CONVERGED
    assert model.result_.certificate_kind == "stationarity_residual"
    np.testing.assert_allclose(model._scores(np.arange(data.n_users)), X @ B, rtol=1e-8, atol=1e-12)


def test_ease_max_items(data):
    with pytest.raises(ValueError, match="max_items"):
        EASE(max_items=data.n_items - 1).fit(data)
    EASE(max_items=data.n_items).fit(data)
    with pytest.raises(ValueError, match="l2"):
        EASE(l2=0.0).fit(data)


def test_item_similarity_fold_in(data):
    for model in (ItemKNN(neighbors=5), EASE(l2=3.0)):
        model.fit(data)
        model.fold_in("new", ["item03", "item07"])
        x = np.zeros(data.n_items)
        x[[3, 7]] = 1.0
        B = model.similarity_.toarray() if hasattr(model.similarity_, "toarray") else model.similarity_
        np.testing.assert_allclose(model.score("new", data.item_ids), x @ B, rtol=1e-12, atol=1e-14)
        # replacing an existing user's items
        u0 = data.user_ids[0]
        model.fold_in(u0, ["item05"])
        x = np.zeros(data.n_items)
        x[5] = 1.0
        np.testing.assert_allclose(model.score(u0, data.item_ids), x @ B, rtol=1e-12, atol=1e-14)
        assert "item05" not in model.recommend(u0, k=data.n_items).tolist()


def test_itemknn_errors(data):
    with pytest.raises(ValueError, match="neighbors"):
        ItemKNN(neighbors=0).fit(data)
    with pytest.raises(ValueError, match="shrinkage"):
        ItemKNN(shrinkage=-1.0).fit(data)
