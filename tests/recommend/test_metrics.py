"""Recommender metrics agree with plain-Python definitions, hand computations and scikit-learn."""

import math

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import ndcg_score

from optimlab.recommend.metrics import (
    coverage_at_k,
    hit_rate_at_k,
    mae,
    map_at_k,
    ndcg_at_k,
    precision_at_k,
    precision_at_k_truncated,
    ranking_metrics,
    recall_at_k,
    rmse,
)

# ---------------------------------------------------------------------- plain-Python references


def _per_user(recommended, test, k, score):
    test = sp.csr_matrix(test)
    values = []
    for u in range(test.shape[0]):
        row = test.getrow(u)
        relevant = {int(j) for j, v in zip(row.indices, row.data, strict=True) if v != 0}
        if not relevant:
            continue
        ranked = [int(j) for j in recommended[u][:k]]
        rel = [1 if j >= 0 and j in relevant else 0 for j in ranked]
        values.append(score(rel, len(relevant), k))
    return sum(values) / len(values)


def ref_precision(rel, n_rel, k):
    return sum(rel) / k


def ref_precision_truncated(rel, n_rel, k):
    return sum(rel) / min(k, n_rel)


def ref_recall(rel, n_rel, k):
    return sum(rel) / n_rel


def ref_ndcg(rel, n_rel, k):
    dcg = sum(r / math.log2(i + 1) for i, r in enumerate(rel, start=1))
    idcg = sum(1 / math.log2(i + 1) for i in range(1, min(k, n_rel) + 1))
    return dcg / idcg


def ref_ap(rel, n_rel, k):
    total = 0.0
    for i in range(1, k + 1):
        if rel[i - 1]:
            total += sum(rel[:i]) / i
    return total / min(k, n_rel)


def ref_hit(rel, n_rel, k):
    return 1.0 if any(rel) else 0.0


PAIRS = [
    (precision_at_k, ref_precision, "precision"),
    (precision_at_k_truncated, ref_precision_truncated, None),
    (recall_at_k, ref_recall, "recall"),
    (ndcg_at_k, ref_ndcg, "ndcg"),
    (map_at_k, ref_ap, "map"),
    (hit_rate_at_k, ref_hit, "hit_rate"),
]


def random_case(seed):
    rng = np.random.default_rng(seed)
    n_users, n_items = int(rng.integers(1, 15)), int(rng.integers(2, 25))
    n_cols = int(rng.integers(1, n_items + 1))
    rec = np.array([rng.permutation(n_items)[:n_cols] for _ in range(n_users)])
    rec[rng.random(rec.shape) < 0.15] = -1  # padding, possibly in the middle of a list
    dense = (rng.random((n_users, n_items)) < rng.uniform(0.05, 0.6)).astype(float)
    dense[0, int(rng.integers(n_items))] = 1.0  # at least one user with a relevant item
    test = sp.csr_matrix(dense)
    return rec, test


# ---------------------------------------------------------------------- agreement with the references


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize(("metric", "reference", "key"), PAIRS, ids=[p[2] or "truncated" for p in PAIRS])
def test_matches_plain_python_reference(seed, metric, reference, key):
    rec, test = random_case(seed)
    for k in {1, rec.shape[1], max(1, rec.shape[1] // 2)}:
        expected = _per_user(rec, test, k, reference)
        assert metric(rec, test, k=k) == pytest.approx(expected, rel=1e-12, abs=1e-15)
        if key is not None:
            got = ranking_metrics(rec, test, k=k)[f"{key}@{k}"]
            assert got == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("seed", range(20))
def test_coverage_matches_set_union(seed):
    rec, test = random_case(seed)
    k = rec.shape[1]
    shown = {int(j) for row in rec for j in row[:k] if j >= 0}
    assert coverage_at_k(rec, test.shape[1]) == pytest.approx(len(shown) / test.shape[1])
    assert ranking_metrics(rec, test)[f"coverage@{k}"] == pytest.approx(len(shown) / test.shape[1])


# ---------------------------------------------------------------------- hand-computed cases


@pytest.fixture
def small():
    # user 0 relevant {0, 2, 5}; user 1 relevant {3}; user 2 nothing relevant (excluded from every mean)
    test = sp.csr_matrix(
        (np.ones(4), ([0, 0, 0, 1], [0, 2, 5, 3])),
        shape=(3, 6),
    )
    rec = np.array([[2, 1, 0], [1, 4, -1], [0, 1, 2]])
    return rec, test


def test_hand_computed_values(small):
    rec, test = small
    # user 0: hits at ranks 1 and 3; user 1: no hit
    assert precision_at_k(rec, test) == pytest.approx((2 / 3 + 0) / 2)
    assert precision_at_k_truncated(rec, test) == pytest.approx((2 / 3 + 0 / 1) / 2)
    assert recall_at_k(rec, test) == pytest.approx((2 / 3 + 0) / 2)
    dcg0 = 1 + 1 / 2  # 1/log2(2) + 1/log2(4)
    idcg0 = 1 + 1 / math.log2(3) + 1 / 2
    assert ndcg_at_k(rec, test) == pytest.approx((dcg0 / idcg0 + 0) / 2)
    ap0 = (1 / 1 + 2 / 3) / 3
    assert map_at_k(rec, test) == pytest.approx((ap0 + 0) / 2)
    assert hit_rate_at_k(rec, test) == pytest.approx(0.5)
    assert coverage_at_k(rec, 6) == pytest.approx(4 / 6)  # items 0, 1, 2, 4 (row 2 counts for coverage)


def test_k_cuts_the_lists(small):
    rec, test = small
    assert precision_at_k(rec, test, k=1) == pytest.approx(0.5)
    assert recall_at_k(rec, test, k=1) == pytest.approx((1 / 3) / 2)
    assert ndcg_at_k(rec, test, k=1) == pytest.approx(0.5)
    assert coverage_at_k(rec, 6, k=1) == pytest.approx(3 / 6)
    assert set(ranking_metrics(rec, test, k=2)) == {
        "precision@2", "recall@2", "ndcg@2", "map@2", "hit_rate@2", "coverage@2"
    }


def test_truncated_precision_inflates_for_few_relevant_items():
    test = sp.csr_matrix(np.array([[1.0, 0, 0, 0, 0]]))
    rec = np.array([[0, 1, 2, 3, 4]])
    assert precision_at_k(rec, test) == pytest.approx(1 / 5)
    assert precision_at_k_truncated(rec, test) == pytest.approx(1.0)


def test_perfect_ranking_scores_one():
    test = sp.csr_matrix(np.array([[1.0, 1, 0, 0], [0, 0, 0, 1]]))
    rec = np.array([[1, 0, 2], [3, 0, 1]])
    assert ndcg_at_k(rec, test) == pytest.approx(1.0)
    assert map_at_k(rec, test) == pytest.approx(1.0)
    assert recall_at_k(rec, test) == pytest.approx(1.0)
    assert precision_at_k_truncated(rec, test) == pytest.approx(1.0)


def test_padding_counts_as_a_miss():
    test = sp.csr_matrix(np.array([[1.0, 1, 0]]))
    full = np.array([[0, 2, 1]])
    padded = np.array([[0, -1, 1]])
    assert precision_at_k(padded, test) == pytest.approx(precision_at_k(full, test))
    assert ndcg_at_k(padded, test) == pytest.approx(ndcg_at_k(full, test))
    only_padding = np.array([[-1, -1, -1]])
    assert precision_at_k(only_padding, test) == 0.0
    assert coverage_at_k(only_padding, 3) == 0.0


def test_users_without_relevant_items_are_excluded():
    test = sp.csr_matrix(np.array([[1.0, 0, 0], [0, 0, 0], [0, 0, 0]]))
    rec = np.array([[0, 1], [1, 2], [2, 1]])
    assert precision_at_k(rec, test) == pytest.approx(0.5)
    assert hit_rate_at_k(rec, test) == 1.0


def test_explicit_zeros_and_duplicates_in_test():
    # an explicitly stored zero is not relevant; duplicate entries are one relevant item
    test = sp.csr_matrix((np.array([0.0, 1.0, 1.0]), np.array([1, 2, 2]), np.array([0, 3])), shape=(1, 3))
    rec = np.array([[1, 2]])
    assert precision_at_k(rec, test) == pytest.approx(0.5)
    assert recall_at_k(rec, test) == pytest.approx(1.0)


def test_accepts_other_sparse_formats():
    rec, test = random_case(3)
    expected = ndcg_at_k(rec, test)
    assert ndcg_at_k(rec, test.tocsc()) == pytest.approx(expected)
    assert ndcg_at_k(rec, sp.coo_array(test)) == pytest.approx(expected)


# ---------------------------------------------------------------------- scikit-learn


@pytest.mark.parametrize("seed", range(10))
def test_ndcg_matches_sklearn(seed):
    rng = np.random.default_rng(seed)
    n_items = int(rng.integers(3, 30))
    relevance = (rng.random(n_items) < 0.3).astype(float)
    relevance[int(rng.integers(n_items))] = 1.0
    scores = rng.random(n_items)
    ranked = np.argsort(-scores)
    test = sp.csr_matrix(relevance[None, :])
    for k in (1, 3, n_items):
        k = min(k, n_items)
        expected = ndcg_score(relevance[None, :], scores[None, :], k=k)
        assert ndcg_at_k(ranked[None, :], test, k=k) == pytest.approx(expected)


# ---------------------------------------------------------------------- speed


def test_vectorized_on_100k_users():
    import time

    rng = np.random.default_rng(0)
    n_users, n_items = 100_000, 5_000
    nnz = 1_000_000
    rows, cols = rng.integers(0, n_users, nnz), rng.integers(0, n_items, nnz)
    test = sp.csr_matrix((np.ones(nnz), (rows, cols)), shape=(n_users, n_items))
    rec = rng.integers(0, n_items // 10, size=(n_users, 10)) * 10 + np.arange(10)
    start = time.perf_counter()
    out = ranking_metrics(rec, test, k=10)
    assert time.perf_counter() - start < 5.0
    assert 0.0 <= out["precision@10"] <= 1.0


# ---------------------------------------------------------------------- rating errors


def test_rmse_and_mae():
    assert rmse([1, 2, 3], [1, 2, 5]) == pytest.approx(math.sqrt(4 / 3))
    assert mae([1, 2, 3], [1, 2, 5]) == pytest.approx(2 / 3)
    assert rmse(np.ones((2, 2)), np.ones((2, 2))) == 0.0


@pytest.mark.parametrize("metric", [rmse, mae])
def test_rating_errors_reject_bad_input(metric):
    with pytest.raises(ValueError, match="same shape"):
        metric([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="NaN"):
        metric([1.0, np.nan], [1.0, 2.0])
    with pytest.raises(ValueError, match="NaN or infinite"):
        metric([1.0, 2.0], [1.0, np.inf])
    with pytest.raises(ValueError, match="empty"):
        metric([], [])
    with pytest.raises(TypeError, match="numeric"):
        metric(["a"], [1.0])


# ---------------------------------------------------------------------- ranking errors


def test_ranking_errors(small):
    rec, test = small
    with pytest.raises(ValueError, match="exceeds"):
        precision_at_k(rec, test, k=4)
    with pytest.raises(ValueError, match="k must be >= 1"):
        ndcg_at_k(rec, test, k=0)
    with pytest.raises(TypeError, match="k must be"):
        ndcg_at_k(rec, test, k=2.0)
    with pytest.raises(ValueError, match="2-D"):
        recall_at_k(rec[0], test)
    with pytest.raises(TypeError, match="integer item indices"):
        recall_at_k(rec.astype(float), test)
    with pytest.raises(TypeError, match="scipy sparse"):
        recall_at_k(rec, test.toarray())
    with pytest.raises(ValueError, match="rows but test has"):
        map_at_k(rec[:2], test)
    with pytest.raises(ValueError, match="-1"):
        map_at_k(rec - 2, test)
    with pytest.raises(ValueError, match="n_items=6"):
        map_at_k(rec + 10, test)
    with pytest.raises(ValueError, match="more than once"):
        hit_rate_at_k(np.array([[1, 1, 0], [0, 1, 2], [0, 1, 2]]), test)
    with pytest.raises(ValueError, match="no user has a relevant item"):
        precision_at_k(rec, sp.csr_matrix((3, 6)))
    with pytest.raises(ValueError, match="no columns"):
        precision_at_k(np.zeros((3, 0), dtype=int), test)
    with pytest.raises(ValueError, match="n_items must be"):
        coverage_at_k(rec, 0)
    with pytest.raises(ValueError, match="n_items=3"):
        coverage_at_k(rec, 3)
    with pytest.raises(ValueError, match="exceeds"):
        ranking_metrics(rec, test, k=5)


def test_repeated_padding_is_allowed():
    test = sp.csr_matrix(np.array([[1.0, 0, 0]]))
    assert precision_at_k(np.array([[0, -1, -1]]), test) == pytest.approx(1 / 3)
