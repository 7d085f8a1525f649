"""Evaluation metrics for recommenders: rating errors and top-k ranking metrics, with standard definitions.

Ranking metrics take ``recommended``, an integer array of shape ``(n_users, K)`` whose row ``u`` is the ranked
list of item indices recommended to user ``u`` (best first; ``-1`` marks "no item" padding), and ``test``, a
sparse ``(n_users, n_items)`` matrix whose stored non-zero entries are the relevant items
:math:`R_u` of each user. Only users with :math:`|R_u| \\ge 1` count; each metric is the mean over them.
With :math:`\\mathrm{rel}_{u,i} = 1` when the item at rank :math:`i` of user :math:`u` is in :math:`R_u`
(else 0) and :math:`h_u = \\sum_{i=1}^k \\mathrm{rel}_{u,i}` the number of hits in the top :math:`k`, every
metric is computed from the ``(n_users, k)`` hit matrix without a Python loop over users.
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp

__all__ = [
    "coverage_at_k",
    "hit_rate_at_k",
    "mae",
    "map_at_k",
    "ndcg_at_k",
    "precision_at_k",
    "precision_at_k_truncated",
    "ranking_metrics",
    "recall_at_k",
    "rmse",
]


# ---------------------------------------------------------------------- rating errors


def _pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    arrays = []
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        try:
            a = np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise TypeError(f"{name} must be numeric, got values that cannot be read as numbers.") from err
        if not np.all(np.isfinite(a)):
            bad = int(a.size - np.count_nonzero(np.isfinite(a)))
            raise ValueError(f"{name} contains {bad} NaN or infinite value(s).")
        arrays.append(a)
    t, p = arrays
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, got {t.shape} and {p.shape}.")
    if t.size == 0:
        raise ValueError("y_true and y_pred are empty; there is nothing to evaluate.")
    return t, p


def rmse(y_true, y_pred) -> float:
    r"""Root mean squared error.

    .. math:: \mathrm{RMSE} = \sqrt{\frac{1}{n} \sum_{j=1}^n (y_j - \hat y_j)^2}

    Parameters
    ----------
    y_true, y_pred : array-like
        True and predicted ratings, same shape, finite.

    Returns
    -------
    float

    Examples
    --------
    >>> rmse([1.0, 2.0], [1.0, 4.0])
    1.4142135623730951
    """
    t, p = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((t - p) ** 2)))


def mae(y_true, y_pred) -> float:
    r"""Mean absolute error.

    .. math:: \mathrm{MAE} = \frac{1}{n} \sum_{j=1}^n |y_j - \hat y_j|

    Parameters
    ----------
    y_true, y_pred : array-like
        True and predicted ratings, same shape, finite.

    Returns
    -------
    float

    Examples
    --------
    >>> mae([1.0, 2.0], [1.0, 4.0])
    1.0
    """
    t, p = _pair(y_true, y_pred)
    return float(np.mean(np.abs(t - p)))


# ---------------------------------------------------------------------- ranking: shared machinery


def _check_recommended(recommended, k, n_items: int | None) -> tuple[np.ndarray, int]:
    rec = np.asarray(recommended)
    if rec.ndim != 2:
        raise ValueError(f"recommended must be a 2-D array (n_users, k), got shape {rec.shape}.")
    if rec.size and rec.dtype.kind not in "iu":
        raise TypeError(f"recommended must hold integer item indices, got dtype {rec.dtype}.")
    if rec.shape[1] == 0:
        raise ValueError("recommended has no columns: there are no recommendations to evaluate.")
    if k is None:
        k = rec.shape[1]
    elif isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"k must be a positive integer or None, got {k!r}.")
    elif k < 1:
        raise ValueError(f"k must be >= 1, got {k}.")
    elif k > rec.shape[1]:
        raise ValueError(f"k={k} exceeds the {rec.shape[1]} recommendations per user in recommended.")
    k = int(k)
    rec = rec[:, :k].astype(np.int64)
    if rec.size and rec.min() < -1:
        raise ValueError(f"recommended entries must be item indices or -1 (padding), got {rec.min()}.")
    if n_items is not None and rec.size and rec.max() >= n_items:
        raise ValueError(f"recommended entries must be < n_items={n_items}, got {rec.max()}.")
    srt = np.sort(rec, axis=1)
    repeated = (srt[:, 1:] == srt[:, :-1]) & (srt[:, 1:] >= 0)
    if repeated.any():
        u = int(np.flatnonzero(repeated.any(axis=1))[0])
        raise ValueError(
            f"recommended row {u} lists an item more than once in its top {k}; each list must hold "
            "distinct items."
        )
    return rec, k


def _hits(recommended, test, k) -> tuple[np.ndarray, np.ndarray, int]:
    """The (n_eval, k) 0/1 hit matrix and the number of relevant items of the users with any relevant item."""
    if not sp.issparse(test):
        raise TypeError(f"test must be a scipy sparse matrix (n_users, n_items), got {type(test).__name__}.")
    if test.ndim != 2:
        raise ValueError(f"test must be 2-D, got shape {test.shape}.")
    n_users, n_items = test.shape
    rec, k = _check_recommended(recommended, k, n_items)
    if rec.shape[0] != n_users:
        raise ValueError(
            f"recommended has {rec.shape[0]} rows but test has {n_users} users; row u of both must be user u."
        )
    rel = sp.csr_matrix(test, copy=True)
    rel.sum_duplicates()
    rel.eliminate_zeros()
    n_rel = np.diff(rel.indptr)
    keep = n_rel > 0
    if not keep.any():
        raise ValueError("test has no stored non-zero entry: no user has a relevant item to evaluate.")
    # CSR with sorted indices lists the (row, column) keys in increasing order, so one searchsorted per
    # recommendation tests membership for every user at once.
    rows = np.repeat(np.arange(n_users, dtype=np.int64), n_rel)
    relevant_keys = rows * n_items + rel.indices.astype(np.int64)
    rec = rec[keep]
    users = np.flatnonzero(keep).astype(np.int64)
    keys = users[:, None] * n_items + rec
    pos = np.searchsorted(relevant_keys, keys)
    pos = np.minimum(pos, relevant_keys.size - 1)
    hits = (relevant_keys[pos] == keys) & (rec >= 0)
    return hits.astype(np.float64), n_rel[keep].astype(np.float64), k


def _discounts(k: int) -> np.ndarray:
    return 1.0 / np.log2(np.arange(2, k + 2, dtype=np.float64))


def _precision(hits, n_rel, k):
    return float(np.mean(hits.sum(axis=1) / k))


def _precision_truncated(hits, n_rel, k):
    return float(np.mean(hits.sum(axis=1) / np.minimum(k, n_rel)))


def _recall(hits, n_rel, k):
    return float(np.mean(hits.sum(axis=1) / n_rel))


def _ndcg(hits, n_rel, k):
    disc = _discounts(k)
    ideal = np.cumsum(disc)[np.minimum(k, n_rel).astype(np.int64) - 1]
    return float(np.mean(hits @ disc / ideal))


def _map(hits, n_rel, k):
    precision_at_i = np.cumsum(hits, axis=1) / np.arange(1, k + 1)
    return float(np.mean((precision_at_i * hits).sum(axis=1) / np.minimum(k, n_rel)))


def _hit_rate(hits, n_rel, k):
    return float(np.mean(hits.any(axis=1)))


# ---------------------------------------------------------------------- ranking: public metrics

_SHARED_PARAMS = """
    Parameters
    ----------
    recommended : array-like of int, shape (n_users, K)
        Row ``u`` is the ranked list of item indices for user ``u``; ``-1`` is padding (no item).
    test : scipy sparse matrix, shape (n_users, n_items)
        Stored non-zero entries are the relevant items.
    k : int, optional
        Cut-off; defaults to ``K``, the number of columns of ``recommended``. Must not exceed ``K``.

    Returns
    -------
    float
        Mean over the users with at least one relevant item.
"""


def precision_at_k(recommended, test, *, k: int | None = None) -> float:
    r"""Precision at k: the fraction of the top-k recommendations that are relevant.

    .. math:: \mathrm{P@k}(u) = \frac{h_u}{k}

    Padding entries (``-1``) count as misses, so a user with fewer than ``k`` relevant items cannot reach 1.
    """
    hits, n_rel, k = _hits(recommended, test, k)
    return _precision(hits, n_rel, k)


def precision_at_k_truncated(recommended, test, *, k: int | None = None) -> float:
    r"""Truncated precision at k: hits divided by the most hits possible.

    .. math:: \mathrm{P_{trunc}@k}(u) = \frac{h_u}{\min(k, |R_u|)}

    This is the quantity the ``implicit`` library reports as "precision". Since
    :math:`\min(k, |R_u|) \le k`, it is always at least :func:`precision_at_k` and inflates the value for
    users with few relevant items; it is offered only under this name so that results labelled "precision"
    keep the standard meaning.
    """
    hits, n_rel, k = _hits(recommended, test, k)
    return _precision_truncated(hits, n_rel, k)


def recall_at_k(recommended, test, *, k: int | None = None) -> float:
    r"""Recall at k: the fraction of the relevant items found in the top k.

    .. math:: \mathrm{R@k}(u) = \frac{h_u}{|R_u|}
    """
    hits, n_rel, k = _hits(recommended, test, k)
    return _recall(hits, n_rel, k)


def ndcg_at_k(recommended, test, *, k: int | None = None) -> float:
    r"""Normalized discounted cumulative gain at k with binary relevance.

    .. math::

        \mathrm{DCG@k}(u) = \sum_{i=1}^{k} \frac{\mathrm{rel}_{u,i}}{\log_2(i + 1)}, \qquad
        \mathrm{IDCG@k}(u) = \sum_{i=1}^{\min(k, |R_u|)} \frac{1}{\log_2(i + 1)}, \qquad
        \mathrm{NDCG@k}(u) = \frac{\mathrm{DCG@k}(u)}{\mathrm{IDCG@k}(u)}

    References
    ----------
    K. Järvelin and J. Kekäläinen, "Cumulated gain-based evaluation of IR techniques", ACM TOIS 20(4), 2002.
    """
    hits, n_rel, k = _hits(recommended, test, k)
    return _ndcg(hits, n_rel, k)


def map_at_k(recommended, test, *, k: int | None = None) -> float:
    r"""Mean average precision at k.

    .. math::

        \mathrm{AP@k}(u) = \frac{1}{\min(k, |R_u|)} \sum_{i=1}^{k} \mathrm{P@i}(u)\, \mathrm{rel}_{u,i},
        \qquad \mathrm{MAP@k} = \operatorname{mean}_u \mathrm{AP@k}(u)
    """
    hits, n_rel, k = _hits(recommended, test, k)
    return _map(hits, n_rel, k)


def hit_rate_at_k(recommended, test, *, k: int | None = None) -> float:
    r"""Hit rate at k: the fraction of users with at least one relevant item in their top k.

    .. math:: \mathrm{HR@k} = \operatorname{mean}_u \mathbb{1}[h_u \ge 1]
    """
    hits, n_rel, k = _hits(recommended, test, k)
    return _hit_rate(hits, n_rel, k)


for _f in (precision_at_k, precision_at_k_truncated, recall_at_k, ndcg_at_k, map_at_k, hit_rate_at_k):
    _f.__doc__ = _f.__doc__.rstrip() + "\n" + _SHARED_PARAMS
del _f


def coverage_at_k(recommended, n_items: int, *, k: int | None = None) -> float:
    r"""Catalog coverage at k: the fraction of the items that appear in at least one top-k list.

    .. math:: \mathrm{Cov@k} = \frac{|\bigcup_u \{\text{top-}k \text{ items of } u\}|}{n_{\mathrm{items}}}

    Every row of ``recommended`` counts, whatever the test data; padding (``-1``) is ignored.

    Parameters
    ----------
    recommended : array-like of int, shape (n_users, K)
        Ranked item indices per user; ``-1`` is padding.
    n_items : int
        Size of the catalog.
    k : int, optional
        Cut-off; defaults to ``K``.

    Returns
    -------
    float
    """
    if isinstance(n_items, bool) or not isinstance(n_items, numbers.Integral) or n_items < 1:
        raise ValueError(f"n_items must be a positive integer, got {n_items!r}.")
    rec, _ = _check_recommended(recommended, k, int(n_items))
    shown = np.zeros(int(n_items), dtype=bool)
    shown[rec[rec >= 0]] = True
    return float(shown.mean())


def ranking_metrics(
    recommended, test, *, k: int | None = None, n_items: int | None = None
) -> dict[str, float]:
    """Every ranking metric at once, computing the hit matrix a single time.

    Parameters
    ----------
    recommended : array-like of int, shape (n_users, K)
        Row ``u`` is the ranked list of item indices for user ``u``; ``-1`` is padding.
    test : scipy sparse matrix, shape (n_users, n_items)
        Stored non-zero entries are the relevant items.
    k : int, optional
        Cut-off; defaults to ``K``.
    n_items : int, optional
        Catalog size for the coverage; defaults to ``test.shape[1]``.

    Returns
    -------
    dict of str to float
        Keys ``"precision@k"``, ``"recall@k"``, ``"ndcg@k"``, ``"map@k"``, ``"hit_rate@k"`` and
        ``"coverage@k"``, with ``k`` written as its value (e.g. ``"ndcg@10"``). See :func:`precision_at_k`,
        :func:`recall_at_k`, :func:`ndcg_at_k`, :func:`map_at_k`, :func:`hit_rate_at_k` and
        :func:`coverage_at_k`.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> test = sp.csr_matrix(np.array([[1, 0, 1, 0], [0, 1, 0, 0]]))
    >>> ranking_metrics(np.array([[2, 1], [3, 1]]), test)["precision@2"]
    0.5
    """
    hits, n_rel, k = _hits(recommended, test, k)
    out = {
        f"precision@{k}": _precision(hits, n_rel, k),
        f"recall@{k}": _recall(hits, n_rel, k),
        f"ndcg@{k}": _ndcg(hits, n_rel, k),
        f"map@{k}": _map(hits, n_rel, k),
        f"hit_rate@{k}": _hit_rate(hits, n_rel, k),
    }
    out[f"coverage@{k}"] = coverage_at_k(recommended, test.shape[1] if n_items is None else n_items, k=k)
    return out
