"""Matrix-form doors for people who already have arrays: ``linprog`` and ``quadprog``."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .backends import SolveOptions, solve_problem
from .problem import Block, Problem
from .solution import Solution

__all__ = ["linprog", "quadprog"]


def _matrix(A, n: int, what: str):
    if A is None:
        return sp.csr_matrix((0, n))
    if sp.issparse(A):
        A = sp.csr_matrix(A, dtype=float)
    else:
        A = sp.csr_matrix(np.atleast_2d(np.asarray(A, float)))
    if A.shape[1] != n:
        raise ValueError(f"{what} has {A.shape[1]} columns; expected {n} (the number of variables).")
    if A.nnz and not np.all(np.isfinite(A.data)):
        raise ValueError(f"{what} has NaN or infinite entries.")
    return A


def _vector(b, m: int, what: str, *, allow_inf: bool = False) -> np.ndarray:
    if b is None:
        if m:
            raise ValueError(f"{what} is missing for the {m} rows of its matrix.")
        return np.zeros(0)
    b = np.asarray(b, dtype=float).reshape(-1)
    if b.shape[0] != m:
        raise ValueError(f"{what} has {b.shape[0]} entries; expected {m}.")
    if np.isnan(b).any() or (not allow_inf and not np.all(np.isfinite(b))):
        raise ValueError(f"{what} has NaN{' or infinite' if not allow_inf else ''} entries.")
    return b


def _bounds(bounds, n: int, default=(0.0, None)) -> tuple[np.ndarray, np.ndarray]:
    """scipy's ``bounds``: None (default), one ``(lo, hi)`` pair for all, or one pair per variable."""
    if bounds is None:
        bounds = default
    if isinstance(bounds, tuple) and len(bounds) == 2 and not isinstance(bounds[0], tuple | list):
        pairs = [bounds] * n
    else:
        pairs = list(bounds)
        if len(pairs) != n:
            raise ValueError(f"bounds has {len(pairs)} pairs; expected {n} (one per variable) or one pair.")
    lb = np.array([-np.inf if p[0] is None else p[0] for p in pairs], dtype=float)
    ub = np.array([np.inf if p[1] is None else p[1] for p in pairs], dtype=float)
    return lb, ub


def _options(time_limit, mip_gap, verbose) -> SolveOptions:
    return SolveOptions(time_limit=time_limit, mip_gap=mip_gap, verbose=verbose)


def linprog(
    c,
    *,
    A_ub=None,
    b_ub=None,
    A_eq=None,
    b_eq=None,
    bounds=None,
    integrality=None,
    maximize: bool = False,
    backend: str = "auto",
    time_limit: float | None = None,
    mip_gap: float | None = None,
    verbose: bool = False,
) -> Solution:
    """Solve ``min (or max) c'x  s.t.  A_ub x <= b_ub,  A_eq x = b_eq,  bounds``, with scipy's arguments.

    Parameters
    ----------
    c : array of shape (n,)
    A_ub, b_ub, A_eq, b_eq : arrays (dense or sparse) and vectors, optional
    bounds : None, (lo, hi), or a sequence of n pairs
        As in :func:`scipy.optimize.linprog`: default ``(0, None)``; None means no bound.
    integrality : array of shape (n,), optional
        As in scipy: 0 continuous, 1 integer.
    maximize : bool
    backend, time_limit, mip_gap, verbose
        As in :meth:`optimlab.programming.Model.solve`.

    Returns
    -------
    Solution
        ``sol.x``; shadow prices ``sol.duals["ub"]`` and ``sol.duals["eq"]`` (derivatives of the
        optimal value with respect to ``b_ub`` and ``b_eq``: scipy's ``ineqlin.marginals`` and
        ``eqlin.marginals`` for a minimization), reduced costs ``sol.reduced_costs["x"]``.
    """
    c = np.asarray(c, dtype=float).reshape(-1)
    n = c.shape[0]
    if not np.all(np.isfinite(c)):
        raise ValueError("c has NaN or infinite entries.")
    A1 = _matrix(A_ub, n, "A_ub")
    A2 = _matrix(A_eq, n, "A_eq")
    b1 = _vector(b_ub, A1.shape[0], "b_ub", allow_inf=True)
    b2 = _vector(b_eq, A2.shape[0], "b_eq")
    lb, ub = _bounds(bounds, n)
    integ = None
    if integrality is not None:
        integ = np.broadcast_to(np.asarray(integrality), (n,))
        if not np.isin(integ, (0, 1)).all():
            raise ValueError("integrality takes 0 (continuous) or 1 (integer) per variable.")
    m1, m2 = A1.shape[0], A2.shape[0]
    blocks = []
    if m1:
        blocks.append(Block("ub", 0, (m1,)))
    if m2:
        blocks.append(Block("eq", m1, (m2,)))
    problem = Problem.build(
        c, A=sp.vstack([A1, A2], format="csr"),
        row_lower=np.concatenate([np.full(m1, -np.inf), b2]), row_upper=np.concatenate([b1, b2]),
        lb=lb, ub=ub, integrality=None if integ is None else integ.astype(bool),
        sense="maximize" if maximize else "minimize", name="linprog",
        var_blocks=[Block("x", 0, (n,))], row_blocks=blocks,
    )
    return solve_problem(problem, backend=backend, options=_options(time_limit, mip_gap, verbose))


def quadprog(
    P,
    q,
    *,
    A=None,
    l=None,
    u=None,
    bounds=None,
    backend: str = "auto",
    time_limit: float | None = None,
    verbose: bool = False,
) -> Solution:
    """Solve ``min 0.5 x'Px + q'x  s.t.  l <= Ax <= u,  bounds`` (OSQP's form).

    Parameters
    ----------
    P : array or sparse matrix of shape (n, n)
        Symmetric positive semidefinite (checked for symmetry; both triangles are used).
    q : array of shape (n,)
    A : array or sparse matrix of shape (m, n), optional
    l, u : arrays of shape (m,), optional
        ``-inf``/``inf`` where a side is absent; a missing ``l`` or ``u`` means no such side.
    bounds : None, (lo, hi), or a sequence of n pairs
        Variable bounds; default: none (``(None, None)``), unlike ``linprog``.

    Returns
    -------
    Solution
        Shadow prices of the rows in ``sol.duals["A"]``.
    """
    q = np.asarray(q, dtype=float).reshape(-1)
    n = q.shape[0]
    if not np.all(np.isfinite(q)):
        raise ValueError("q has NaN or infinite entries.")
    Pm = _matrix(P, n, "P")
    if Pm.shape != (n, n):
        raise ValueError(f"P has shape {Pm.shape}; expected ({n}, {n}).")
    Am = _matrix(A, n, "A")
    m = Am.shape[0]
    lo = np.full(m, -np.inf) if l is None else _vector(l, m, "l", allow_inf=True)
    hi = np.full(m, np.inf) if u is None else _vector(u, m, "u", allow_inf=True)
    lb, ub = _bounds(bounds, n, default=(None, None))
    problem = Problem.build(
        q, A=Am, row_lower=lo, row_upper=hi, lb=lb, ub=ub, Q=Pm, name="quadprog",
        var_blocks=[Block("x", 0, (n,))], row_blocks=[Block("A", 0, (m,))] if m else [],
    )
    options = SolveOptions(time_limit=time_limit, verbose=verbose)
    return solve_problem(problem, backend=backend, options=options)
