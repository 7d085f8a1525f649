"""Read the Maros-Meszaros QP test set in its MATLAB ``.mat`` form (OSQP benchmark conversion).

The file holds ``P, q, r, A, l, u, n, m`` for ``min 0.5 x'Px + q'x + r`` subject to ``l <= Ax <= u``,
with infinity written as ``+-1e20`` and, by the converter's convention, the last ``n`` rows of ``A``
being the identity that carries the variable bounds. Those rows become ``lb``/``ub`` here (checked,
not assumed: if they are not the identity they stay constraint rows).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.io
import scipy.sparse as sp

from ..problem import Block, Problem

__all__ = ["read_mat"]

_BIG = 1e19


def _vector(data: dict, key: str, path: Path) -> np.ndarray:
    if key not in data:
        raise ValueError(f"{path}: the .mat file has no {key!r} (expected P, q, r, A, l, u).")
    return np.asarray(data[key], dtype=float).reshape(-1)


def _infinite(v: np.ndarray) -> np.ndarray:
    v = v.copy()
    v[v >= _BIG] = np.inf
    v[v <= -_BIG] = -np.inf
    return v


def read_mat(path) -> Problem:
    """Read a Maros-Meszaros ``.mat`` file into a :class:`Problem` (bounds split from the rows)."""
    path = Path(path)
    try:
        data = scipy.io.loadmat(path)
    except (OSError, ValueError, TypeError) as exc:
        raise ValueError(f"{path}: not a readable MATLAB .mat file ({exc}).") from exc
    q = _vector(data, "q", path)
    n = q.shape[0]
    r = float(_vector(data, "r", path)[0]) if "r" in data else 0.0
    if "P" not in data or "A" not in data:
        raise ValueError(f"{path}: the .mat file needs the matrices 'P' and 'A'.")
    P = sp.csr_matrix(data["P"], dtype=float)
    A = sp.csr_matrix(data["A"], dtype=float)
    lower = _infinite(_vector(data, "l", path))
    upper = _infinite(_vector(data, "u", path))
    if P.shape != (n, n) or A.shape[1] != n or lower.shape[0] != A.shape[0] or upper.shape[0] != A.shape[0]:
        raise ValueError(
            f"{path}: inconsistent shapes (P {P.shape}, q ({n},), A {A.shape}, l {lower.shape}, "
            f"u {upper.shape})."
        )
    m_total = A.shape[0]
    lb = np.full(n, -np.inf)
    ub = np.full(n, np.inf)
    m = m_total
    if m_total >= n:
        tail = A[m_total - n :]
        if tail.nnz == n and (tail != sp.eye(n, format="csr")).nnz == 0:
            m = m_total - n
            lb, ub = lower[m:], upper[m:]
            A, lower, upper = A[:m], lower[:m], upper[:m]
    P = ((P + P.T) * 0.5).tocsr()
    name = path.name.removesuffix(".mat")
    return Problem.build(
        q,
        A=A,
        row_lower=lower,
        row_upper=upper,
        lb=lb,
        ub=ub,
        Q=P if P.nnz else None,
        offset=r,
        name=name,
        var_blocks=[Block("x", 0, (n,))],
        row_blocks=[Block("rows", 0, (m,))] if m else [],
    )
