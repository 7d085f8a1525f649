"""0/1 and bounded knapsack by dynamic programming over the capacity.

``best[c]`` = the largest value of items of total weight at most ``c``; each item updates the whole
array at once (``best[w:] = max(best[w:], best[:-w] + v)``), and a bit per (item, capacity) says
whether the item was taken, to recover the choice. Bounded copies are split in binary
(1, 2, 4, ..., rest) so that ``k`` copies cost ``log2 k`` passes. Time and memory are
``O(items x capacity)``: beyond :data:`MAX_CELLS` cells the MILP formulation is the better tool.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["MAX_CELLS", "KnapsackResult", "knapsack"]

#: Largest DP table (item passes x (capacity + 1)) built: 2e8 one-byte cells.
MAX_CELLS = 200_000_000


@dataclass
class KnapsackResult:
    """The chosen items.

    Attributes
    ----------
    value : float
        Total value of the choice (optimal).
    items : ndarray of int
        Indices of the chosen items (each once for 0/1; with repeats for bounded).
    counts : ndarray of int, shape (n,)
        Copies chosen of each item.
    weight : int
        Total weight.
    """

    value: float
    items: np.ndarray
    counts: np.ndarray
    weight: int


def _integers(values, what: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float).reshape(-1)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} contain NaN or infinite values.")
    if np.any(arr != np.round(arr)):
        raise ValueError(
            f"{what} must be integers (scale them, e.g. to cents), or use the MILP formulation: "
            "optimlab.programming.linprog(-values, A_ub=[weights], b_ub=[capacity], bounds=(0, 1), "
            "integrality=1)."
        )
    if np.any(arr < 0):
        raise ValueError(f"{what} must be non-negative.")
    return arr.astype(np.int64)


def knapsack(values, weights, capacity, *, counts=None) -> KnapsackResult:
    """Choose items of maximum total value within ``capacity``.

    .. math::

        \\max_{n} \\sum_i v_i n_i \\quad \\text{s.t.} \\quad \\sum_i w_i n_i \\le C,\\quad
        n_i \\in \\{0, 1, \\dots, k_i\\}

    Parameters
    ----------
    values : array of shape (n,)
        Item values (any real numbers; items of value <= 0 are never chosen).
    weights : array of int, shape (n,)
        Non-negative integer weights.
    capacity : int
        Non-negative integer capacity.
    counts : array of int, shape (n,), optional
        Copies available of each item (bounded knapsack); default one each (0/1 knapsack).

    Returns
    -------
    KnapsackResult

    Raises
    ------
    ValueError
        For non-integer or negative weights or capacity, mismatched lengths, or a DP table over
        :data:`MAX_CELLS` cells (the message gives the MILP formulation to use instead).
    """
    v = np.asarray(values, dtype=float).reshape(-1)
    if not np.all(np.isfinite(v)):
        raise ValueError("values contain NaN or infinite values.")
    w = _integers(weights, "weights")
    if v.shape != w.shape:
        raise ValueError(f"values has {v.size} entries and weights {w.size}.")
    cap = int(_integers([capacity], "capacity")[0])
    k = np.ones(v.size, dtype=np.int64) if counts is None else _integers(counts, "counts")
    if k.shape != v.shape:
        raise ValueError(f"counts has {k.size} entries; expected {v.size}.")
    # binary splitting: item i with k copies -> pieces of 1, 2, 4, ..., rest copies
    piece_item, piece_mult = [], []
    for i in np.flatnonzero((v > 0) & (k > 0) & (w <= cap)):
        left, m = int(k[i]), 1
        while left > 0:
            take = min(m, left)
            piece_item.append(i)
            piece_mult.append(take)
            left -= take
            m *= 2
    piece_item = np.asarray(piece_item, dtype=np.int64)
    piece_mult = np.asarray(piece_mult, dtype=np.int64)
    cells = piece_item.size * (cap + 1)
    if cells > MAX_CELLS:
        raise ValueError(
            f"The DP table would have {cells:,} cells (over {MAX_CELLS:,}): solve it as a MILP instead, "
            "optimlab.programming.linprog(-values, A_ub=[weights], b_ub=[capacity], bounds=[(0, k) ...], "
            "integrality=1)."
        )
    best = np.zeros(cap + 1)
    took = np.zeros((piece_item.size, cap + 1), dtype=bool)
    for j, (i, m) in enumerate(zip(piece_item, piece_mult, strict=True)):
        pw, pv = int(w[i] * m), float(v[i] * m)
        if pw > cap:
            continue
        if pw == 0:
            best += pv
            took[j, :] = True
            continue
        cand = best[: cap + 1 - pw] + pv
        better = cand > best[pw:]
        took[j, pw:] = better
        best[pw:] = np.where(better, cand, best[pw:])
    chosen = np.zeros(v.size, dtype=np.int64)
    c = cap
    for j in range(piece_item.size - 1, -1, -1):
        if took[j, c]:
            i, m = piece_item[j], piece_mult[j]
            chosen[i] += m
            c -= int(w[i] * m)
    return KnapsackResult(
        value=float(v @ chosen),
        items=np.repeat(np.arange(v.size), chosen),
        counts=chosen,
        weight=int(w @ chosen),
    )
