"""0/1 and bounded knapsack, solved exactly by dynamic programming over the capacity.

``best[c]`` is the largest value of a choice of total weight at most ``c``. Each item (or piece of
an item, below) updates the whole array at once,

.. math::

    \\text{best}_{j}[c] = \\max\\big(\\text{best}_{j-1}[c],\\;
                                    \\text{best}_{j-1}[c - w_j] + v_j\\big),

and one bit per (piece, capacity) records whether the piece was taken, which recovers the choice
by walking back from ``best[C]``. Bounded counts are split in binary (1, 2, 4, ..., rest copies),
so ``k`` copies cost ``O(log k)`` passes and every count ``0..k`` stays reachable.

Before the DP the instance is shrunk without changing its optimum: items that cannot help (value
<= 0, weight > capacity, no copies) are dropped, weightless items of positive value are all taken,
counts are cut to ``capacity // weight``, weights and capacity are divided by the gcd of the
weights, and the capacity is cut to the total weight available. Time is ``O(pieces x capacity)``,
memory ``(capacity + 1)`` floats plus one bit per cell; above :data:`MAX_CELLS` cells the MILP
formulation (HiGHS's branch and bound) is the better tool, and the error says how to write it.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd

import numpy as np

from optimlab._validation import check_finite_array

__all__ = ["MAX_CELLS", "KnapsackResult", "knapsack"]

#: Largest DP table built, in cells (pieces x (reduced capacity + 1)); 2e8 cells take a few seconds
#: and 25 MB of bits.
MAX_CELLS = 200_000_000


@dataclass
class KnapsackResult:
    """An optimal choice of items.

    Attributes
    ----------
    value : float
        Total value of the choice, ``values @ counts`` (the optimum).
    items : ndarray of int
        Indices of the chosen items, in increasing order; an item taken several times (bounded
        knapsack) is repeated.
    counts : ndarray of int, shape (n,)
        Copies taken of each item (0 or 1 for the 0/1 knapsack).
    weight : int
        Total weight of the choice, ``weights @ counts`` (at most ``capacity``).
    """

    value: float
    items: np.ndarray
    counts: np.ndarray
    weight: int


def _milp_hint(bounded: bool) -> str:
    bounds = "[(0, k) for k in counts]" if bounded else "(0, 1)"
    return (
        "optimlab.programming.linprog(values, A_ub=[weights], b_ub=[capacity], "
        f"bounds={bounds}, integrality=1, maximize=True)"
    )


def _nonnegative_integers(x, name: str, bounded: bool) -> np.ndarray:
    arr = np.asarray(x)
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise ValueError(f"{name} must be non-negative integers; got an array of {arr.dtype}.")
    if np.issubdtype(arr.dtype, np.floating):
        arr = check_finite_array(arr, name)
        fractional = np.flatnonzero(arr != np.round(arr))
        if fractional.size:
            where = f" (entry {fractional[0]})" if arr.ndim else ""
            kind = "integers" if arr.ndim else "an integer"
            raise ValueError(
                f"{name} must be {kind}; got {float(arr.flat[fractional[0]])!r}{where}. Scale the weights "
                f"and capacity to integers (e.g. grams, cents), or solve the MILP: {_milp_hint(bounded)}."
            )
        if np.any(np.abs(arr) > 2.0**62):
            raise ValueError(f"{name} must be below 2**62; got {np.abs(arr).max():g}.")
    arr = arr.astype(np.int64)
    negative = np.flatnonzero(arr.reshape(-1) < 0)
    if negative.size:
        where = f" (entry {negative[0]})" if arr.ndim else ""
        raise ValueError(f"{name} must be non-negative; got {arr.flat[negative[0]]}{where}.")
    return arr


def knapsack(values, weights, capacity, *, counts=None) -> KnapsackResult:
    """Choose items of maximum total value within a weight capacity.

    .. math::

        \\max_{n \\in \\mathbb{Z}^n} \\sum_i v_i n_i \\quad \\text{s.t.} \\quad
        \\sum_i w_i n_i \\le C, \\qquad 0 \\le n_i \\le k_i

    with ``k_i = 1`` (0/1 knapsack) or ``k_i = counts[i]`` (bounded knapsack). The answer is exact.

    Parameters
    ----------
    values : array of shape (n,)
        Item values, any finite reals. Items of value <= 0 are never chosen (they cannot raise the
        total).
    weights : array of int, shape (n,)
        Non-negative integer weights (floats holding integers are accepted). Weightless items of
        positive value are always taken, all their copies.
    capacity : int
        Non-negative integer capacity.
    counts : array of int, shape (n,), optional
        Copies available of each item (bounded knapsack). Default: one of each (0/1 knapsack).

    Returns
    -------
    KnapsackResult
        ``value``, chosen ``items`` (indices), ``counts`` per item and total ``weight``. Among
        several optimal choices, one is returned.

    Raises
    ------
    ValueError
        For mismatched lengths, non-finite values, non-integer or negative weights, capacity or
        counts, or a DP table over :data:`MAX_CELLS` cells; the messages for the last two give
        the MILP formulation to solve instead.

    Examples
    --------
    >>> from optimlab.programming.dp import knapsack
    >>> res = knapsack([60, 100, 120], [10, 20, 30], 50)
    >>> res.value, res.items.tolist(), res.weight
    (220.0, [1, 2], 50)
    >>> knapsack([60, 100, 120], [10, 20, 30], 50, counts=[2, 1, 1]).counts.tolist()
    [2, 0, 1]
    """
    v = check_finite_array(values, "values", ndim=1)
    bounded = counts is not None
    w = _nonnegative_integers(weights, "weights", bounded).reshape(-1)
    if w.shape != v.shape:
        raise ValueError(f"weights has {w.size} entries but values has {v.size}; give one weight per item.")
    cap_arr = _nonnegative_integers(capacity, "capacity", bounded)
    if cap_arr.ndim:
        raise ValueError(f"capacity must be one integer; got an array of shape {cap_arr.shape}.")
    cap = int(cap_arr)
    if bounded:
        k = _nonnegative_integers(counts, "counts", bounded).reshape(-1)
        if k.shape != v.shape:
            raise ValueError(f"counts has {k.size} entries but values has {v.size}; give one count per item.")
    else:
        k = np.ones(v.size, dtype=np.int64)

    chosen = np.zeros(v.size, dtype=np.int64)
    useful = (v > 0) & (k > 0) & (w <= cap)
    free = useful & (w == 0)
    chosen[free] = k[free]
    idx = np.flatnonzero(useful & (w > 0))
    if idx.size:
        item_w = w[idx]
        item_k = np.minimum(k[idx], cap // item_w)
        # Only multiples of the gcd are reachable, and capacity beyond the total weight is unused.
        g = gcd(*item_w.tolist())
        item_w = item_w // g
        reduced_cap = min(cap // g, int(item_w @ item_k))
        taken = _dp(v[idx], item_w, item_k, reduced_cap, bounded)
        chosen[idx] = taken
    return KnapsackResult(
        value=float(v @ chosen),
        items=np.repeat(np.arange(v.size), chosen),
        counts=chosen,
        weight=int(w @ chosen),
    )


def _dp(v: np.ndarray, w: np.ndarray, k: np.ndarray, cap: int, bounded: bool) -> np.ndarray:
    """Copies of each item in an optimal choice; every ``w > 0``, ``1 <= k <= cap // w``."""
    if int(w @ k) <= cap:
        return k.copy()
    # binary splitting: k copies -> pieces of 1, 2, 4, ..., and the rest
    n_pieces = np.floor(np.log2(k)).astype(np.int64) + 1
    piece_item = np.repeat(np.arange(k.size), n_pieces)
    first = np.repeat(np.cumsum(n_pieces) - n_pieces, n_pieces)
    power = np.arange(piece_item.size) - first
    mult = np.minimum(2**power, k[piece_item] - (2**power - 1))
    cells = piece_item.size * (cap + 1)
    if cells > MAX_CELLS:
        raise ValueError(
            f"The knapsack DP table would have {cells:,} cells ({piece_item.size:,} item pieces x "
            f"{cap + 1:,} capacities after reduction by the gcd of the weights), over MAX_CELLS = "
            f"{MAX_CELLS:,}. Solve it as a MILP instead: {_milp_hint(bounded)}."
        )
    piece_w = w[piece_item] * mult
    piece_v = v[piece_item] * mult
    best = np.zeros(cap + 1)
    taken_bits = np.zeros((piece_item.size, (cap + 8) // 8), dtype=np.uint8)
    better = np.zeros(cap + 1, dtype=bool)
    for j in range(piece_item.size):
        pw = int(piece_w[j])
        candidate = best[: cap + 1 - pw] + piece_v[j]
        better[:pw] = False
        np.greater(candidate, best[pw:], out=better[pw:])
        np.maximum(best[pw:], candidate, out=best[pw:])
        taken_bits[j] = np.packbits(better, bitorder="little")
    taken = np.zeros(k.size, dtype=np.int64)
    c = cap
    for j in range(piece_item.size - 1, -1, -1):
        if (taken_bits[j, c >> 3] >> (c & 7)) & 1:
            taken[piece_item[j]] += mult[j]
            c -= int(piece_w[j])
    return taken
