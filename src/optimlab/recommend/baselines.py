r"""Baselines that well-tuned factor models must beat: popularity, item-kNN, EASE."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from optimlab._validation import check_int, check_real
from optimlab.recommend import _kernels
from optimlab.recommend._base import Recommender, closed_form_result
from optimlab.result import Result

__all__ = ["EASE", "ItemKNN", "Popularity"]


class Popularity(Recommender):
    r"""Recommends the items with the most training interactions (the same list for everyone,
    minus what each user has seen): :math:`s_{ui} = |\{v : (v, i) \in \Omega\}|`.

    No optimization: ``result_`` has one entry and certificate 0 (``certificate_kind="none"``).
    """

    _param_names = ()

    def __init__(self, *, validation_k: int = 10) -> None:
        self.validation_k = validation_k

    def _fit(self, X: sp.csr_matrix, validate: Callable | None, callback: Callable | None) -> Result:
        t0 = time.perf_counter()
        self.item_counts_ = np.asarray((X != 0).sum(axis=0), dtype=float).ravel()
        return closed_form_result("Popularity", self.item_counts_, 0.0, "none", time.perf_counter() - t0)

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.item_counts_, (rows.size, self.item_counts_.size))

    def _fold_in(self, row, cols, vals, *, new: bool) -> None:
        """Nothing to fit: scores do not depend on the user (seen items are still excluded)."""


class _ItemSimilarity(Recommender):
    """Scores ``s_u = x_u B`` from the user's row ``x_u`` and an item-item matrix ``B``."""

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        s = self._rows_matrix[rows] @ self.similarity_
        return s.toarray() if sp.issparse(s) else np.asarray(s)

    def _fold_in(self, row, cols, vals, *, new: bool) -> None:
        x = sp.csr_matrix((self._transform(vals), (np.zeros(cols.size, int), cols)),
                          shape=(1, self._rows_matrix.shape[1]))
        if new:
            self._rows_matrix = sp.vstack([self._rows_matrix, x], format="csr")
        else:
            lil = self._rows_matrix.tolil()
            lil[row] = x
            self._rows_matrix = lil.tocsr()

    def _keep_rows(self, X: sp.csr_matrix) -> sp.csr_matrix:
        """Keep the training rows that scores are computed from (0/1 when ``binary``). ``X`` is
        the fit's own copy, changed in place."""
        X.data = self._transform(X.data)
        self._rows_matrix = X
        return X

    def _transform(self, values: np.ndarray) -> np.ndarray:
        return np.ones_like(values) if self.binary else values


class ItemKNN(_ItemSimilarity):
    r"""Item-based nearest neighbours with cosine similarity (Sarwar et al. 2001; Deshpande and
    Karypis 2004).

    :math:`\mathrm{sim}(i, j) = x_i^\top x_j / (\|x_i\| \|x_j\| + h)` between the item columns
    of the interaction matrix (shrinkage :math:`h`), each item keeping its ``neighbors`` most
    similar items; a user's score of item :math:`j` is :math:`\sum_{i \in I_u} x_{ui}\,
    \mathrm{sim}(i, j)`.

    Parameters
    ----------
    neighbors : int
        Neighbours kept per item.
    shrinkage : float
        :math:`h \ge 0`.
    binary : bool
        Use 0/1 interactions instead of the values (ratings or counts).
    """

    _param_names = ("neighbors", "shrinkage", "binary")

    def __init__(self, *, neighbors: int = 100, shrinkage: float = 0.0, binary: bool = True,
                 validation_k: int = 10) -> None:
        self.neighbors = neighbors
        self.shrinkage = shrinkage
        self.binary = binary
        self.validation_k = validation_k

    def _check_params(self) -> None:
        check_int(self.neighbors, "neighbors", low=1)
        check_real(self.shrinkage, "shrinkage", low=0.0)

    def _fit(self, X: sp.csr_matrix, validate: Callable | None, callback: Callable | None) -> Result:
        t0 = time.perf_counter()
        X = self._keep_rows(X)
        Xc = X.tocsc()
        norms = np.sqrt(np.asarray(Xc.multiply(Xc).sum(axis=0)).ravel())
        G = (Xc.T @ Xc).tocsr()
        G.setdiag(0.0)
        G.eliminate_zeros()
        G.sort_indices()
        rows = np.repeat(np.arange(G.shape[0]), np.diff(G.indptr))
        sim = G.data / (norms[rows] * norms[G.indices] + self.shrinkage + 1e-12)
        # G is symmetric: row j holds sim(j, i) for every i, so the top entries of row j are the
        # `neighbors` items i that score j (column j of the similarity matrix)
        keep = _kernels.top_per_row(G.indptr.astype(np.int64), sim, int(self.neighbors))
        self.similarity_ = sp.csr_matrix((sim[keep], (G.indices[keep], rows[keep])), shape=G.shape)
        return closed_form_result("ItemKNN", self.similarity_.data, 0.0, "none", time.perf_counter() - t0)


class EASE(_ItemSimilarity):
    r"""Embarrassingly shallow autoencoder (Steck 2019): the closed-form item-item model.

    Solves :math:`\min_B \|X - XB\|_F^2 + \lambda \|B\|_F^2` subject to
    :math:`\mathrm{diag}(B) = 0`, whose solution is :math:`B = I - P\,\mathrm{diag}(1/\mathrm{diag}(P))`
    with :math:`P = (X^\top X + \lambda I)^{-1}`. The certificate is the largest violation of
    the stationarity condition off the diagonal, :math:`\max_{i \ne j} |((X^\top X + \lambda I) B
    - X^\top X)_{ij}|` relative to :math:`\max |X^\top X|` (the diagonal carries the
    constraint's multipliers).

    The item-item matrix is dense: memory :math:`8 n_{items}^2` bytes and time
    :math:`O(n_{items}^3)`; above ``max_items`` items the fit refuses (use ImplicitALS).

    Parameters
    ----------
    l2 : float
        :math:`\lambda > 0`.
    binary : bool
        Use 0/1 interactions.
    max_items : int
        Refuse above this many items (default 10,000: 0.8 GB and about 20 s on two cores;
        ML-1M's 3,706 items take 6 s).
    """

    _param_names = ("l2", "binary", "max_items")

    def __init__(self, *, l2: float = 500.0, binary: bool = True, max_items: int = 10_000,
                 validation_k: int = 10) -> None:
        self.l2 = l2
        self.binary = binary
        self.max_items = max_items
        self.validation_k = validation_k

    def _check_params(self) -> None:
        check_real(self.l2, "l2", low=0.0, low_open=True)
        check_int(self.max_items, "max_items", low=1)

    def _fit(self, X: sp.csr_matrix, validate: Callable | None, callback: Callable | None) -> Result:
        n_items = X.shape[1]
        if n_items > self.max_items:
            raise ValueError(
                f"EASE needs a dense {n_items} x {n_items} item matrix ({8 * n_items**2 / 2**30:.1f} GiB) "
                f"and its inverse; that is above max_items={self.max_items}. Raise max_items if you "
                "have the memory and time, or use ImplicitALS."
            )
        t0 = time.perf_counter()
        X = self._keep_rows(X)
        G = (X.T @ X).toarray()
        A = G.copy()
        A[np.diag_indices(n_items)] += self.l2
        P = scipy.linalg.inv(A, overwrite_a=False, check_finite=False)
        B = -P / np.diag(P)[None, :]
        B[np.diag_indices(n_items)] = 0.0
        R = A @ B - G
        R[np.diag_indices(n_items)] = 0.0
        residual = float(np.abs(R).max() / max(np.abs(G).max(), 1.0))
        self.similarity_ = B
        return closed_form_result("EASE", B.ravel(), residual, "stationarity_residual",
                                  time.perf_counter() - t0)

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self._rows_matrix[rows] @ self.similarity_)
