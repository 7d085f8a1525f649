"""What every recommender shares: recommend, score, unknown users, fold-in ids, save and load."""

import numpy as np
import pandas as pd
import pytest

from optimlab.recommend import (
    BPR,
    EASE,
    MODELS,
    ImplicitALS,
    Interactions,
    ItemKNN,
    MatrixFactorization,
    Popularity,
    Recommender,
    load_model,
)


def ratings(seed=0, n_users=30, n_items=40, n=500):
    rng = np.random.default_rng(seed)
    pairs = rng.choice(n_users * n_items, size=n, replace=False)
    df = pd.DataFrame({"user": pairs // n_items * 10 + 1, "item": [f"m{x:03d}" for x in pairs % n_items],
                       "r": rng.integers(1, 6, n).astype(float)})
    return Interactions.from_frame(df, user="user", item="item", rating="r")


def make(name):
    small = dict(factors=3, epochs=3, random_state=0)
    return MODELS[name](**(small if name in ("mf", "ials", "bpr") else {}))


@pytest.fixture(scope="module")
def data():
    return ratings()


@pytest.fixture(scope="module", params=sorted(MODELS))
def fitted(request, data):
    return make(request.param).fit(data)


def seen_items(data, user):
    row = list(data.user_ids).index(user)
    return set(data.item_ids[data.items[data.users == row]])


def test_models_registry():
    assert set(MODELS) == {"mf", "ials", "bpr", "popularity", "itemknn", "ease"}
    assert MODELS["mf"] is MatrixFactorization and MODELS["ials"] is ImplicitALS and MODELS["bpr"] is BPR
    assert MODELS["popularity"] is Popularity and MODELS["itemknn"] is ItemKNN and MODELS["ease"] is EASE
    assert all(issubclass(cls, Recommender) for cls in MODELS.values())


def test_recommend_raw_ids_and_exclusion(fitted, data):
    user = data.user_ids[3]
    seen = seen_items(data, user)
    rec = fitted.recommend(user, k=8)
    assert rec.shape == (8,)
    assert set(rec.tolist()) <= set(data.item_ids.tolist())
    assert not seen & set(rec.tolist())
    assert len(set(rec.tolist())) == 8
    # the list is the best 8 by score among the unseen items
    cand = [x for x in data.item_ids if x not in seen]
    s = fitted.score(user, cand)
    assert fitted.score(user, rec).min() >= np.sort(s)[::-1][7] - 1e-12
    # including the seen items: the best k over everything
    all_rec = fitted.recommend(user, k=data.n_items, exclude_seen=False)
    assert set(all_rec.tolist()) == set(data.item_ids.tolist())
    s_all = fitted.score(user, all_rec)
    assert np.all(np.diff(s_all) <= 1e-12)


def test_recommend_many_users_and_scores(fitted, data):
    users = data.user_ids[[0, 5, 9]]
    items, scores = fitted.recommend(users, k=4, return_scores=True)
    assert items.shape == scores.shape == (3, 4)
    for n, u in enumerate(users):
        np.testing.assert_allclose(scores[n], fitted.score(u, items[n]), rtol=1e-12)
        assert np.all(np.diff(scores[n]) <= 1e-12)
        np.testing.assert_array_equal(items[n], fitted.recommend(u, k=4))
    one, one_s = fitted.recommend(users[1], k=4, return_scores=True)
    assert one.shape == one_s.shape == (4,)


def test_recommend_pads_with_none(fitted, data):
    user = data.user_ids[2]
    n_cand = data.n_items - len(seen_items(data, user))
    k = data.n_items + 3
    items, scores = fitted.recommend(user, k=k, return_scores=True)
    assert items.shape == (k,) and items.dtype == object
    assert all(x is None for x in items[n_cand:]) and all(x is not None for x in items[:n_cand])
    assert np.all(np.isneginf(scores[n_cand:])) and np.all(np.isfinite(scores[:n_cand]))
    full = fitted.recommend(user, k=k, exclude_seen=False)
    assert list(full[data.n_items:]) == [None] * 3


def test_unknown_user_and_bad_k(fitted):
    with pytest.raises(ValueError, match="fold_in"):
        fitted.recommend(999_999)
    with pytest.raises(ValueError, match="fold_in"):
        fitted.recommend([1, 999_999])
    with pytest.raises(ValueError, match="fold_in"):
        fitted.score(999_999, ["m000"])
    with pytest.raises(ValueError, match="Unknown item"):
        fitted.score(1, ["nope"])
    with pytest.raises(ValueError, match="k"):
        fitted.recommend(1, k=0)


def test_not_fitted_and_wrong_input():
    for cls in MODELS.values():
        model = cls()
        with pytest.raises(RuntimeError, match="not fitted"):
            model.recommend(0)
        with pytest.raises(RuntimeError, match="not fitted"):
            model.save("unused.pkl")
        with pytest.raises(TypeError, match="Interactions"):
            model.fit(np.ones((3, 3)))


def test_fold_in_string_user_into_integer_ids(data):
    model = make("ials").fit(data)
    assert model.user_ids_.dtype.kind == "i"
    model.fold_in("alice", ["m000", "m001"])
    assert model.recommend("alice", k=3).shape == (3,)
    assert model.recommend(1, k=3).shape == (3,)  # the old ids still work
    model.fold_in(12345, ["m002"])
    assert "m002" not in model.recommend(12345, k=data.n_items).tolist()


def test_validation_drops_unknown_ids(data):
    model = make("ials")
    other = Interactions.from_frame(pd.DataFrame({"u": [1, 1, 777], "i": ["m000", "zzz", "m001"]}),
                                    user="u", item="i")
    model.fit(data, validation=other)
    assert set(model.result_.history.metrics) == {"val_precision@10", "val_recall@10", "val_ndcg@10"}
    strangers = Interactions.from_frame(pd.DataFrame({"u": [777], "i": ["zzz"]}), user="u", item="i")
    with pytest.raises(ValueError, match="No validation interaction"):
        make("ials").fit(data, validation=strangers)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_save_load_round_trip(tmp_path, data, name):
    model = make(name).fit(data)
    path = model.save(tmp_path / "model.pkl")
    assert path.is_file()
    back = load_model(path)
    assert type(back) is type(model)
    users = data.user_ids[:5]
    np.testing.assert_array_equal(back.recommend(users, k=7), model.recommend(users, k=7))
    np.testing.assert_array_equal(back.result_.history.fun, model.result_.history.fun)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        model.save(path)
    model.save(path, overwrite=True)


@pytest.mark.parametrize("content", [b"user,item\n1,2\n", b"customer,item,rating\nann,1,5\n", b"", b"hello",
                                     b"\x80\x05K\x01."])
def test_load_model_rejects_other_files(tmp_path, content):
    path = tmp_path / "not_a_model.csv"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="not an optimlab model file"):
        load_model(path)


def test_load_model_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="No model file"):
        load_model(tmp_path / "absent.pkl")


def test_repr_shows_parameters():
    assert repr(ImplicitALS(factors=7)).startswith("ImplicitALS(factors=7")
    assert repr(EASE(l2=3.0)) == "EASE(l2=3.0, binary=True, max_items=10000)"
