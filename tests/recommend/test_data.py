"""Interaction data: construction, id maps, readers, error messages and splits."""

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from optimlab.recommend.data import (
    Interactions,
    kfold,
    leave_k_out,
    load_movielens,
    movielens_folds,
    per_user_split,
    random_split,
    time_split,
)

RECSYS = Path(__file__).resolve().parents[3] / "shared" / "data" / "recsys"
ML100K = RECSYS / "ml-100k"
LASTFM = RECSYS / "lastfm-2k" / "user_artists.dat.gz"
needs_ml100k = pytest.mark.skipif(
    not (ML100K / "u.data.gz").is_file(), reason=f"MovieLens 100K not found under {ML100K}"
)
needs_lastfm = pytest.mark.skipif(not LASTFM.is_file(), reason=f"Last.fm-2k not found at {LASTFM}")


def make_frame(seed=0, n_users=30, n_items=40, n=400, *, string_ids=False):
    rng = np.random.default_rng(seed)
    pairs = rng.choice(n_users * n_items, size=n, replace=False)
    users, items = pairs // n_items, pairs % n_items
    df = pd.DataFrame({
        "user": users * 10 + 7,
        "item": items * 3 + 1,
        "rating": rng.integers(1, 6, size=n).astype(float),
        "ts": rng.integers(0, 10_000, size=n),
    })
    if string_ids:
        df["user"] = "u" + df["user"].astype(str)
        df["item"] = "i" + df["item"].astype(str)
    return df


@pytest.fixture
def explicit():
    return Interactions.from_frame(make_frame(), user="user", item="item", rating="rating", timestamp="ts")


@pytest.fixture
def implicit():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"user": rng.integers(0, 25, 600), "item": rng.integers(0, 60, 600)})
    return Interactions.from_frame(df, user="user", item="item")


# ---------------------------------------------------------------------- construction


def test_from_frame_explicit(explicit):
    df = make_frame()
    assert explicit.nnz == len(explicit) == 400
    assert not explicit.implicit
    assert explicit.users.dtype == np.int32 and explicit.items.dtype == np.int32
    assert explicit.values.dtype == np.float64
    assert explicit.timestamps.dtype == np.int64
    assert explicit.user_ids.dtype == np.int64
    np.testing.assert_array_equal(explicit.user_ids, np.unique(df["user"]))
    np.testing.assert_array_equal(explicit.item_ids, np.unique(df["item"]))
    assert explicit.shape == (explicit.n_users, explicit.n_items) == (len(np.unique(df["user"])),
                                                                      len(np.unique(df["item"])))
    # rows keep the order of the frame
    np.testing.assert_array_equal(explicit.user_ids[explicit.users], df["user"])
    np.testing.assert_array_equal(explicit.item_ids[explicit.items], df["item"])
    np.testing.assert_array_equal(explicit.values, df["rating"])
    n_users, n_items = explicit.shape
    assert repr(explicit) == f"Interactions({n_users} users, {n_items} items, 400 ratings, explicit)"


def test_arrays_are_read_only(explicit):
    with pytest.raises(ValueError):
        explicit.values[0] = 1.0
    with pytest.raises(AttributeError):
        explicit.users = None


def test_string_ids_keep_their_dtype():
    data = Interactions.from_frame(make_frame(string_ids=True), user="user", item="item", rating="rating")
    assert data.user_ids.dtype == object
    assert list(data.user_ids) == sorted(data.user_ids)
    assert data.user_index("u7") == sorted(data.user_ids).index("u7")
    frame = data.to_frame()
    assert list(frame.columns) == ["user", "item", "value"]
    assert frame["user"].iloc[0] == make_frame(string_ids=True)["user"].iloc[0]


def test_implicit_counts_and_duplicates_summed(implicit):
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"user": rng.integers(0, 25, 600), "item": rng.integers(0, 60, 600)})
    assert implicit.implicit
    assert implicit.values.sum() == 600
    counts = df.groupby(["user", "item"]).size()
    assert implicit.nnz == len(counts)
    X = implicit.tocsr()
    for (u, i), c in counts.items():
        assert X[implicit.user_index(u), implicit.item_index(i)] == c
    assert "implicit" in repr(implicit) and "interactions" in repr(implicit)


def test_duplicates_policies():
    df = pd.DataFrame({
        "user": [1, 1, 2, 1],
        "item": [5, 5, 5, 5],
        "rating": [2.0, 4.0, 3.0, 5.0],
        "ts": [10, 30, 5, 20],
    })
    kw = {"user": "user", "item": "item", "rating": "rating"}
    with pytest.raises(ValueError, match=r"repeat a \(user, item\) pair.*\(1, 5\)"):
        Interactions.from_frame(df, **kw)
    summed = Interactions.from_frame(df, **kw, duplicates="sum")
    np.testing.assert_array_equal(summed.values, [11.0, 3.0])
    mean = Interactions.from_frame(df, **kw, duplicates="mean", timestamp="ts")
    np.testing.assert_allclose(mean.values, [11 / 3, 3.0])
    np.testing.assert_array_equal(mean.timestamps, [30, 5])  # a merged pair keeps its latest time
    assert Interactions.from_frame(df, **kw, duplicates="last").values.tolist() == [5.0, 3.0]
    by_time = Interactions.from_frame(df, **kw, duplicates="last", timestamp="ts")
    assert by_time.values.tolist() == [4.0, 3.0]
    with pytest.raises(ValueError, match="duplicates must be one of"):
        Interactions.from_frame(df, **kw, duplicates="max")


def test_count_column_as_implicit_rating():
    df = pd.DataFrame({"u": ["a", "a", "b"], "i": [1, 2, 1], "plays": [3, 0, 10]})
    data = Interactions.from_frame(df, user="u", item="i", rating="plays", implicit=True)
    assert data.implicit
    np.testing.assert_array_equal(data.tocsr().toarray(), [[3, 0], [10, 0]])


def test_tocsr_is_cached_and_sorted(explicit):
    X = explicit.tocsr()
    assert X is explicit.tocsr()
    assert X.shape == explicit.shape and X.dtype == np.float64 and X.has_sorted_indices
    assert X.nnz == explicit.nnz
    np.testing.assert_array_equal(np.asarray(X[explicit.users, explicit.items]).ravel(), explicit.values)


def test_from_matrix_round_trip():
    rng = np.random.default_rng(0)
    dense = rng.integers(0, 3, size=(6, 8)).astype(float)
    for X in (dense, sp.csr_matrix(dense), sp.coo_array(dense)):
        data = Interactions.from_matrix(X)
        assert data.shape == (6, 8) and data.implicit
        np.testing.assert_array_equal(data.tocsr().toarray(), dense)
        np.testing.assert_array_equal(data.user_ids, np.arange(6))
    named = Interactions.from_matrix(dense, user_ids=list("abcdef"), item_ids=np.arange(8) * 10,
                                     implicit=False)
    assert not named.implicit and named.item_index(70) == 7 and named.user_index("f") == 5
    X = sp.csr_matrix((np.array([0.0, 2.0]), np.array([0, 1]), np.array([0, 2])), shape=(1, 2))
    assert Interactions.from_matrix(X).nnz == 1  # explicit zeros are not interactions


def test_from_matrix_errors():
    with pytest.raises(ValueError, match="user_ids must have 2 entries"):
        Interactions.from_matrix(np.eye(2), user_ids=[1, 2, 3])
    with pytest.raises(ValueError, match="2-D"):
        Interactions.from_matrix(np.ones(3))
    with pytest.raises(ValueError, match="NaN"):
        Interactions.from_matrix(np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match="non-negative"):
        Interactions.from_matrix(np.array([[-1.0, 1.0]]))
    with pytest.raises(ValueError, match="unique"):
        Interactions.from_matrix(np.eye(2), item_ids=[4, 4])


def test_to_frame_round_trip(explicit):
    frame = explicit.to_frame()
    assert list(frame.columns) == ["user", "item", "value", "timestamp"]
    again = Interactions.from_frame(frame, user="user", item="item", rating="value", timestamp="timestamp")
    np.testing.assert_array_equal(again.users, explicit.users)
    np.testing.assert_array_equal(again.items, explicit.items)
    np.testing.assert_array_equal(again.values, explicit.values)
    np.testing.assert_array_equal(again.timestamps, explicit.timestamps)


def test_datetime_timestamps_become_seconds():
    times = pd.to_datetime(["1970-01-01 00:00:10", "1970-01-02 00:00:00"])
    df = pd.DataFrame({"u": [1, 2], "i": [1, 1], "t": times})
    data = Interactions.from_frame(df, user="u", item="i", timestamp="t")
    np.testing.assert_array_equal(data.timestamps, [10.0, 86400.0])


# ---------------------------------------------------------------------- id lookups


def test_index_lookups(explicit):
    raw = explicit.user_ids[[3, 0, 5]]
    np.testing.assert_array_equal(explicit.user_index(raw), [3, 0, 5])
    assert explicit.user_index(raw[0]).shape == ()
    assert explicit.user_index(raw).dtype == np.int64
    np.testing.assert_array_equal(explicit.item_index([explicit.item_ids[2], -99], missing="ignore"), [2, -1])
    with pytest.raises(ValueError, match=r"1 unknown item id\(s\): \[-99\]"):
        explicit.item_index([explicit.item_ids[2], -99])
    with pytest.raises(ValueError, match=r"6 unknown user id.*\.\.\."):
        explicit.user_index([-1, -2, -3, -4, -5, -6])
    with pytest.raises(ValueError, match="missing must be one of"):
        explicit.user_index(7, missing="drop")
    np.testing.assert_array_equal(explicit.user_index(["nope"], missing="ignore"), [-1])


# ---------------------------------------------------------------------- subset and id maps


def test_subset_keeps_id_maps(explicit):
    mask = explicit.values >= 3
    sub = explicit.subset(mask)
    assert sub.shape == explicit.shape and sub.nnz == mask.sum()
    assert sub.user_ids is explicit.user_ids and sub.item_ids is explicit.item_ids
    np.testing.assert_array_equal(sub.values, explicit.values[mask])
    pos = explicit.subset(np.array([5, 1, -1]))
    np.testing.assert_array_equal(pos.values, explicit.values[[5, 1, explicit.nnz - 1]])
    assert explicit.subset(np.array([], dtype=int)).nnz == 0
    assert explicit.subset([]).nnz == 0


def test_subset_errors(explicit):
    with pytest.raises(ValueError, match="boolean rows mask must have shape"):
        explicit.subset(np.ones(3, dtype=bool))
    with pytest.raises(IndexError, match="positions"):
        explicit.subset(np.array([explicit.nnz]))
    with pytest.raises(ValueError, match="repeat"):
        explicit.subset(np.array([1, 1]))
    with pytest.raises(TypeError, match="boolean mask or 1-D integer"):
        explicit.subset(np.array([0.5]))


def test_with_id_maps(explicit):
    users = np.concatenate([explicit.user_ids, [10**6]])[::-1]
    items = np.concatenate([[-5], explicit.item_ids])
    moved = explicit.with_id_maps(users, items)
    assert moved.shape == (explicit.n_users + 1, explicit.n_items + 1)
    pd.testing.assert_frame_equal(moved.to_frame(), explicit.to_frame())
    with pytest.raises(ValueError, match="user_ids must contain every id"):
        explicit.with_id_maps(explicit.user_ids[1:], explicit.item_ids)
    with pytest.raises(ValueError, match="unique"):
        explicit.with_id_maps(np.concatenate([explicit.user_ids, explicit.user_ids[:1]]), explicit.item_ids)


def test_constructor_validates():
    kw = {"user_ids": [1, 2], "item_ids": [1, 2, 3], "implicit": False}
    with pytest.raises(ValueError, match=r"items must be indices in \[0, 3\)"):
        Interactions([0], [3], [1.0], **kw)
    with pytest.raises(ValueError, match="same length"):
        Interactions([0, 1], [0], [1.0], **kw)
    with pytest.raises(ValueError, match="at most once"):
        Interactions([0, 0], [1, 1], [1.0, 2.0], **kw)
    with pytest.raises(ValueError, match="timestamps must have one entry"):
        Interactions([0], [1], [1.0], timestamps=[1, 2], **kw)


# ---------------------------------------------------------------------- errors of from_frame


def test_unknown_column_names_a_close_match():
    df = make_frame()
    with pytest.raises(ValueError, match=r"rating='ratings' is not a column.*Did you mean 'rating'"):
        Interactions.from_frame(df, user="user", item="item", rating="ratings")
    with pytest.raises(ValueError, match=r"user='customer' is not a column.*available columns: \['user'"):
        Interactions.from_frame(df, user="customer", item="item")
    with pytest.raises(ValueError, match="timestamp='time'"):
        Interactions.from_frame(df, user="user", item="item", timestamp="time")


def test_from_frame_errors():
    df = make_frame()
    kw = {"user": "user", "item": "item"}
    with pytest.raises(ValueError, match="empty"):
        Interactions.from_frame(df.iloc[:0], **kw)
    bad = df.assign(rating=df["rating"].where(df.index != 3))
    with pytest.raises(ValueError, match=r"1 NaN or infinite value.*row 3"):
        Interactions.from_frame(bad, **kw, rating="rating")
    with pytest.raises(ValueError, match="NaN or infinite"):
        Interactions.from_frame(df.assign(rating=np.inf), **kw, rating="rating")
    with pytest.raises(ValueError, match="must be numeric"):
        Interactions.from_frame(df.assign(rating="good"), **kw, rating="rating")
    with pytest.raises(ValueError, match=r"user column 'user' has 1 missing \(NaN\) id"):
        Interactions.from_frame(df.assign(user=df["user"].where(df.index != 7)), **kw)
    with pytest.raises(ValueError, match="item column 'item' has 2 missing"):
        Interactions.from_frame(df.assign(item=df["item"].where(df.index > 1)), **kw)
    with pytest.raises(ValueError, match="non-negative"):
        Interactions.from_frame(df.assign(rating=-df["rating"]), **kw, rating="rating", implicit=True)
    with pytest.raises(ValueError, match="needs a rating column"):
        Interactions.from_frame(df, **kw, implicit=False)
    with pytest.raises(TypeError, match="DataFrame"):
        Interactions.from_frame(df.to_numpy(), **kw)
    with pytest.raises(ValueError, match="timestamp column 'ts' must be numeric"):
        Interactions.from_frame(df.assign(ts="x"), **kw, timestamp="ts")


# ---------------------------------------------------------------------- files


def test_from_csv_with_and_without_header(tmp_path, explicit):
    df = make_frame()
    path = tmp_path / "r.csv"
    df.to_csv(path, index=False)
    data = Interactions.from_csv(path, user="user", item="item", rating="rating", timestamp="ts")
    pd.testing.assert_frame_equal(data.to_frame(), explicit.to_frame())
    gz = tmp_path / "r.tsv.gz"
    with gzip.open(gz, "wt", newline="") as f:
        df.to_csv(f, sep="\t", index=False, header=False, lineterminator="\r\n")
    data = Interactions.from_csv(gz, user="0", item="1", rating="2", timestamp="3", sep="\t", header=None)
    pd.testing.assert_frame_equal(data.to_frame(), explicit.to_frame())
    with pytest.raises(ValueError, match="user='5' is not a column"):
        Interactions.from_csv(gz, user="5", item="1", sep="\t", header=None)
    with pytest.raises(FileNotFoundError, match="no such file"):
        Interactions.from_csv(tmp_path / "absent.csv", user="user", item="item")


def test_from_csv_multi_character_separator(tmp_path):
    path = tmp_path / "r.dat"
    path.write_text("1::10::5\n2::10::3\n")
    data = Interactions.from_csv(path, user="0", item="1", rating="2", sep="::", header=None)
    np.testing.assert_array_equal(data.tocsr().toarray(), [[5.0], [3.0]])


@pytest.mark.parametrize("layout", ["tab", "colons"])
@pytest.mark.parametrize("compress", [False, True])
def test_load_movielens_layouts(tmp_path, layout, compress):
    sep = "\t" if layout == "tab" else "::"
    lines = [sep.join(map(str, row)) for row in [(196, 242, 3, 881250949), (186, 302, 3, 891717742),
                                                 (22, 377, 1, 878887116), (196, 377, 4, 1)]]
    text = "\n".join(lines) + "\n"
    path = tmp_path / ("u.data.gz" if compress else "u.data")
    if compress:
        with gzip.open(path, "wt") as f:
            f.write(text)
    else:
        path.write_text(text)
    data = load_movielens(path)
    assert not data.implicit and data.shape == (3, 3) and data.nnz == 4
    assert data.user_ids.dtype == np.int64 and data.item_ids.dtype == np.int64
    np.testing.assert_array_equal(data.user_ids, [22, 186, 196])
    np.testing.assert_array_equal(data.timestamps, [881250949, 891717742, 878887116, 1])
    assert data.tocsr()[data.user_index(196), data.item_index(377)] == 4.0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("1\t2\t3\t4\n1\t2\t3\n", r"line 2: expected 4 fields"),
        ("1\t2\t3\t4\n\n5\tx\t3\t4\n", r"line 3: user, item and timestamp must be integers"),
        ("1\t2\t3\t4\n2\t2\tnan\t4\n", r"line 2: the rating is not finite"),
        ("1,2,3,4\n", r"line 1: expected 'user\\titem"),
        ("", "empty"),
    ],
)
def test_load_movielens_malformed(tmp_path, content, message):
    path = tmp_path / "bad.data"
    path.write_text(content)
    with pytest.raises(ValueError, match=message) as info:
        load_movielens(path)
    assert "bad.data" in str(info.value)


def test_load_movielens_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="absent"):
        load_movielens(tmp_path / "absent")


def write_fold_files(folder, frame, splits=("u1", "u2"), seed=0):
    rng = np.random.default_rng(seed)
    for s in splits:
        test = rng.random(len(frame)) < 0.2
        for part, rows in (("base", ~test), ("test", test)):
            text = frame[rows].to_csv(sep="\t", header=False, index=False)
            if s == "u2":
                with gzip.open(folder / f"{s}.{part}.gz", "wt") as f:
                    f.write(text)
            else:
                (folder / f"{s}.{part}").write_text(text)


def test_movielens_folds_share_one_id_map(tmp_path):
    frame = make_frame()[["user", "item", "rating", "ts"]]
    write_fold_files(tmp_path, frame)
    folds = movielens_folds(tmp_path, splits=("u1", "u2"))
    assert len(folds) == 2
    first = folds[0][0]
    for train, test in folds:
        assert train.nnz + test.nnz == len(frame)
        for d in (train, test):
            np.testing.assert_array_equal(d.user_ids, np.unique(frame["user"]))
            np.testing.assert_array_equal(d.item_ids, first.item_ids)
        both = pd.concat([train.to_frame(), test.to_frame()]).sort_values(["user", "item"], ignore_index=True)
        expected = frame.set_axis(["user", "item", "value", "timestamp"], axis=1)
        expected = expected.sort_values(["user", "item"], ignore_index=True).astype({"value": float})
        pd.testing.assert_frame_equal(both, expected)
    with pytest.raises(FileNotFoundError, match=r"u3\.base"):
        movielens_folds(tmp_path, splits=("u3",))
    with pytest.raises(FileNotFoundError, match="no such folder"):
        movielens_folds(tmp_path / "nope")
    with pytest.raises(ValueError, match="non-empty sequence"):
        movielens_folds(tmp_path, splits="u1")


# ---------------------------------------------------------------------- real data (skipped when absent)


@needs_ml100k
def test_real_movielens_100k():
    data = load_movielens(ML100K / "u.data.gz")
    assert (data.nnz, data.n_users, data.n_items) == (100_000, 943, 1682)
    assert not data.implicit and data.timestamps is not None
    assert np.bincount(data.values.astype(int)).tolist() == [0, 6110, 11370, 27145, 34174, 21201]


@needs_ml100k
def test_real_movielens_folds():
    folds = movielens_folds(ML100K)
    assert len(folds) == 5
    full = load_movielens(ML100K / "u.data.gz").to_frame().sort_values(["user", "item"], ignore_index=True)
    for train, test in folds:
        assert (train.nnz, test.nnz) == (80_000, 20_000)
        assert train.shape == test.shape == (943, 1682)
        np.testing.assert_array_equal(train.item_ids, test.item_ids)
        both = pd.concat([train.to_frame(), test.to_frame()]).sort_values(["user", "item"], ignore_index=True)
        pd.testing.assert_frame_equal(both, full)


@needs_lastfm
def test_real_lastfm():
    data = Interactions.from_csv(LASTFM, header=None, sep="\t", user="0", item="1", rating="2", implicit=True)
    assert (data.n_users, data.n_items, data.nnz) == (1892, 17632, 92834)
    assert data.implicit and data.values.min() >= 1


# ---------------------------------------------------------------------- splits


def assert_partition(data, train, test):
    for d in (train, test):
        assert d.user_ids is data.user_ids and d.item_ids is data.item_ids and d.shape == data.shape
        assert d.implicit == data.implicit
    assert train.nnz + test.nnz == data.nnz
    merged = (train.tocsr() + test.tocsr()).toarray()
    np.testing.assert_array_equal(merged, data.tocsr().toarray())
    assert train.tocsr().multiply(test.tocsr()).nnz == 0


def test_random_split(explicit):
    train, test = random_split(explicit, test_size=0.25, random_state=0)
    assert_partition(explicit, train, test)
    assert test.nnz == 100
    again = random_split(explicit, test_size=0.25, random_state=0)[1]
    np.testing.assert_array_equal(again.values, test.values)
    np.testing.assert_array_equal(again.users, test.users)
    other = random_split(explicit, test_size=0.25, random_state=1)[1]
    assert not np.array_equal(other.users, test.users)
    assert random_split(explicit, test_size=7, random_state=np.random.default_rng(3))[1].nnz == 7


def test_kfold(explicit):
    folds = kfold(explicit, n_splits=3, random_state=0)
    assert len(folds) == 3
    seen = np.zeros(explicit.shape)
    for train, test in folds:
        assert_partition(explicit, train, test)
        assert test.nnz in (133, 134)
        seen += test.tocsr().toarray() != 0
    np.testing.assert_array_equal(seen, explicit.tocsr().toarray() != 0)
    again = kfold(explicit, n_splits=3, random_state=0)
    for (_, a), (_, b) in zip(folds, again, strict=True):
        np.testing.assert_array_equal(a.users, b.users)


@pytest.mark.parametrize("k", [1, 3])
def test_leave_k_out_random(explicit, k):
    train, test = leave_k_out(explicit, k=k, random_state=0, min_train=2)
    assert_partition(explicit, train, test)
    counts = np.bincount(explicit.users, minlength=explicit.n_users)
    held = np.bincount(test.users, minlength=explicit.n_users)
    np.testing.assert_array_equal(held, np.where(counts >= k + 2, k, 0))
    again = leave_k_out(explicit, k=k, random_state=0, min_train=2)[1]
    np.testing.assert_array_equal(again.items, test.items)


def test_leave_k_out_by_time(explicit):
    train, test = leave_k_out(explicit, k=2, by_time=True)
    assert_partition(explicit, train, test)
    for u in range(explicit.n_users):
        tr, te = train.timestamps[train.users == u], test.timestamps[test.users == u]
        if te.size:
            assert te.size == 2 and (tr.size == 0 or te.min() >= tr.max())
    no_time = Interactions.from_matrix(np.ones((3, 3)))
    with pytest.raises(ValueError, match="needs timestamps"):
        leave_k_out(no_time, by_time=True)


def test_leave_k_out_keeps_small_users_in_train():
    data = Interactions.from_matrix(np.array([[1, 1, 1, 1], [1, 0, 0, 0], [1, 1, 0, 0]]))
    _, test = leave_k_out(data, k=1, random_state=0)
    np.testing.assert_array_equal(np.bincount(test.users, minlength=3), [1, 0, 1])
    _, test = leave_k_out(data, k=1, random_state=0, min_train=2)
    np.testing.assert_array_equal(np.bincount(test.users, minlength=3), [1, 0, 0])


def test_time_split(explicit):
    train, test = time_split(explicit, test_size=0.2)
    assert_partition(explicit, train, test)
    assert train.timestamps.max() < test.timestamps.min()
    assert abs(test.nnz - 80) <= 5
    with pytest.raises(ValueError, match="needs timestamps"):
        time_split(Interactions.from_matrix(np.ones((2, 2))))
    same = Interactions.from_frame(pd.DataFrame({"u": [1, 2, 3], "i": [1, 1, 1], "t": [5, 5, 5]}),
                                   user="u", item="i", timestamp="t")
    with pytest.raises(ValueError, match="too few distinct values"):
        time_split(same)


def test_per_user_split(implicit):
    train, test = per_user_split(implicit, test_size=0.2, random_state=0)
    assert_partition(implicit, train, test)
    counts = np.bincount(implicit.users, minlength=implicit.n_users)
    held = np.bincount(test.users, minlength=implicit.n_users)
    kept = np.bincount(train.users, minlength=implicit.n_users)
    eligible = counts >= 2
    assert np.all(held[eligible] >= 1) and np.all(kept[counts > 0] >= 1)
    np.testing.assert_array_equal(held[eligible], np.clip(np.floor(0.2 * counts[eligible] + 0.5), 1, None))
    again = per_user_split(implicit, test_size=0.2, random_state=0)[1]
    np.testing.assert_array_equal(again.items, test.items)


@pytest.mark.parametrize(
    ("split", "kwargs", "error", "match"),
    [
        (random_split, {"test_size": 0.0}, ValueError, r"fraction must be in \(0, 1\)"),
        (random_split, {"test_size": 1000}, ValueError, "count must be in"),
        (random_split, {"test_size": "a"}, TypeError, "test_size"),
        (random_split, {"random_state": "seed"}, TypeError, "random_state"),
        (kfold, {"n_splits": 1}, ValueError, "n_splits must be >= 2"),
        (kfold, {"n_splits": 10_000}, ValueError, "at most the number"),
        (leave_k_out, {"k": 0}, ValueError, "k must be >= 1"),
        (leave_k_out, {"min_train": -1}, ValueError, "min_train must be >= 0"),
        (time_split, {"test_size": 1.5}, ValueError, r"fraction in \(0, 1\)"),
        (per_user_split, {"test_size": 0}, ValueError, r"fraction in \(0, 1\)"),
    ],
)
def test_split_errors(explicit, split, kwargs, error, match):
    with pytest.raises(error, match=match):
        split(explicit, **kwargs)


def test_splits_need_interactions():
    with pytest.raises(TypeError, match="Interactions object"):
        random_split(pd.DataFrame())
    one = Interactions.from_matrix(np.array([[1.0]]))
    with pytest.raises(ValueError, match="at least 2 interactions"):
        kfold(one)
