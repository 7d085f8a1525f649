"""Interior-point and ADMM QP solvers: PIQP, Clarabel and OSQP, for LP and convex QP.

Each converts the minimization form ``min 0.5 x'Qx + c'x, r_l <= Ax <= r_u, l <= x <= u`` to the
solver's own form (sparse, no loop over rows) and maps its duals back to HiGHS's signs
(``c + Qx - A'y - z = 0``, see :mod:`optimlab.programming.solution`):

- PIQP: ``Ax = b`` for the equality rows, ``h_l <= Gx <= h_u`` for the others, ``x_l <= x <= x_u``;
  its KKT reads ``Px + c + A'y + G'(z_u - z_l) + (z_bu - z_bl) = 0``, so ``y_row = z_l - z_u``
  (``-y`` on equality rows) and ``z = z_bl - z_bu``.
- Clarabel: ``Ax + s = b`` with ``s`` in a zero cone (equalities) or the non-negative orthant
  (one row per finite side: ``A_i x <= u_i`` and ``-A_i x <= -l_i``, bounds likewise); its KKT
  reads ``Px + q + A'z = 0`` with ``z >= 0`` on the orthant.
- OSQP: ``l <= [A; I_B] x <= u`` (``I_B``: the rows of the identity for variables with a finite
  bound); ``Px + q + A'y = 0``, so HiGHS's duals are ``-y``. OSQP is a first-order method: it is
  run with polishing and tight tolerances so that objectives reach 1e-6 relative where it
  converges at all.

Rows with no finite side are dropped (their dual is 0).
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from ..problem import Problem
from ..solution import BackendOutput, SolutionStatus
from ._dispatch import SolveOptions

__all__ = ["solve_clarabel", "solve_osqp", "solve_piqp"]

#: Default tolerance of the QP backends when the caller gives none (relative and absolute).
DEFAULT_TOL = 1e-10


class _Split:
    """The rows of the minimization form split by kind, and the pieces every solver needs."""

    def __init__(self, problem: Problem) -> None:
        p = problem.minimize_form()
        self.p = p
        self.n, self.m = p.n_vars, p.n_rows
        lo, hi = p.row_lower, p.row_upper
        self.eq = np.flatnonzero(lo == hi)
        self.ineq = np.flatnonzero((lo != hi) & (np.isfinite(lo) | np.isfinite(hi)))
        A = p.A.tocsr()
        self.A_eq = A[self.eq].tocsc()
        self.A_in = A[self.ineq].tocsc()
        self.P = (p.Q if p.Q is not None else sp.csc_matrix((self.n, self.n))).tocsc()
        self.c = p.c

    def y_full(self, y_eq: np.ndarray, y_in: np.ndarray) -> np.ndarray:
        y = np.zeros(self.m)
        y[self.eq] = y_eq
        y[self.ineq] = y_in
        return y


def _tol(options: SolveOptions) -> float:
    return DEFAULT_TOL if options.tol is None else float(options.tol)


def _apply_extra(settings, options: SolveOptions, solver: str) -> None:
    for name, value in options.extra.items():
        if not hasattr(settings, name):
            valid = ", ".join(sorted(a for a in dir(settings) if not a.startswith("_")))
            raise ValueError(f"{solver} has no setting {name!r}; valid settings: {valid}.")
        setattr(settings, name, value)


# ------------------------------------------------------------------------------------ PIQP
def solve_piqp(problem: Problem, options: SolveOptions, warm=None) -> BackendOutput:
    """Solve with PIQP (proximal interior point; sparse KKT). ``warm`` is not used: PIQP has no
    warm start for a new problem."""
    import piqp

    s = _Split(problem)
    solver = piqp.SparseSolver()
    settings = solver.settings
    settings.verbose = bool(options.verbose)
    tol = _tol(options)
    settings.eps_abs = tol
    settings.eps_rel = tol
    settings.eps_duality_gap_abs = tol
    settings.eps_duality_gap_rel = tol
    if options.max_iter is not None:
        settings.max_iter = int(options.max_iter)
    _apply_extra(settings, options, "PIQP")
    p = s.p
    solver.setup(
        s.P, s.c,
        s.A_eq if s.eq.size else None, p.row_lower[s.eq] if s.eq.size else None,
        s.A_in if s.ineq.size else None,
        p.row_lower[s.ineq] if s.ineq.size else None, p.row_upper[s.ineq] if s.ineq.size else None,
        p.lb, p.ub,
    )
    start = time.perf_counter()
    status = solver.solve()
    elapsed = time.perf_counter() - start
    r = solver.result
    names = {
        piqp.PIQP_SOLVED: SolutionStatus.OPTIMAL,
        piqp.PIQP_PRIMAL_INFEASIBLE: SolutionStatus.INFEASIBLE,
        piqp.PIQP_DUAL_INFEASIBLE: SolutionStatus.UNBOUNDED,
        piqp.PIQP_MAX_ITER_REACHED: SolutionStatus.ITERATION_LIMIT,
    }
    st = names.get(status, SolutionStatus.NUMERICAL_TROUBLE)
    if options.time_limit is not None and elapsed > options.time_limit and st != SolutionStatus.OPTIMAL:
        st = SolutionStatus.TIME_LIMIT
    x = np.asarray(r.x, dtype=float)
    y_in = np.asarray(r.z_l, dtype=float) - np.asarray(r.z_u, dtype=float)
    y = s.y_full(-np.asarray(r.y, dtype=float), y_in)
    z = np.asarray(r.z_bl, dtype=float) - np.asarray(r.z_bu, dtype=float)
    # PIQP reports bound duals of infinite bounds as 0 already; clean tiny values of absent sides
    z = np.where(np.isinf(p.lb) & (z > 0), 0.0, z)
    z = np.where(np.isinf(p.ub) & (z < 0), 0.0, z)
    return BackendOutput(status=st, message=f"PIQP: {status.name}", backend="piqp", x=x, y=y, z=z,
                         iterations=int(r.info.iter), time=elapsed)


# ------------------------------------------------------------------------------------ Clarabel
def solve_clarabel(problem: Problem, options: SolveOptions, warm=None) -> BackendOutput:
    """Solve with Clarabel (interior point, homogeneous embedding). ``warm`` is not used."""
    import clarabel

    s = _Split(problem)
    p = s.p
    lo, hi = p.row_lower[s.ineq], p.row_upper[s.ineq]
    up_rows, lo_rows = np.flatnonzero(np.isfinite(hi)), np.flatnonzero(np.isfinite(lo))
    ub_cols, lb_cols = np.flatnonzero(np.isfinite(p.ub)), np.flatnonzero(np.isfinite(p.lb))
    eye = sp.eye(s.n, format="csr")
    A = sp.vstack([
        s.A_eq, s.A_in[up_rows], -s.A_in[lo_rows], eye[ub_cols], -eye[lb_cols],
    ], format="csc")
    b = np.concatenate([p.row_lower[s.eq], hi[up_rows], -lo[lo_rows], p.ub[ub_cols], -p.lb[lb_cols]])
    cones = []
    if s.eq.size:
        cones.append(clarabel.ZeroConeT(int(s.eq.size)))
    k = up_rows.size + lo_rows.size + ub_cols.size + lb_cols.size
    if k:
        cones.append(clarabel.NonnegativeConeT(int(k)))
    settings = clarabel.DefaultSettings()
    settings.verbose = bool(options.verbose)
    tol = _tol(options)
    settings.tol_feas = tol
    settings.tol_gap_abs = tol
    settings.tol_gap_rel = tol
    settings.tol_ktratio = 1e-7
    if options.max_iter is not None:
        settings.max_iter = int(options.max_iter)
    if options.time_limit is not None:
        settings.time_limit = float(options.time_limit)
    _apply_extra(settings, options, "Clarabel")
    start = time.perf_counter()
    sol = clarabel.DefaultSolver(sp.triu(s.P, format="csc"), s.c, A, b, cones, settings).solve()
    elapsed = time.perf_counter() - start
    S = clarabel.SolverStatus
    names = {
        S.Solved: SolutionStatus.OPTIMAL,
        S.PrimalInfeasible: SolutionStatus.INFEASIBLE,
        S.DualInfeasible: SolutionStatus.UNBOUNDED,
        S.MaxIterations: SolutionStatus.ITERATION_LIMIT,
        S.MaxTime: SolutionStatus.TIME_LIMIT,
    }
    st = names.get(sol.status, SolutionStatus.NUMERICAL_TROUBLE)
    x = np.asarray(sol.x, dtype=float)
    zc = np.asarray(sol.z, dtype=float)
    e, off = s.eq.size, [0]
    pieces = []
    for size in (e, up_rows.size, lo_rows.size, ub_cols.size, lb_cols.size):
        pieces.append(zc[off[0]: off[0] + size])
        off[0] += size
    z_eq, z_up, z_lo, z_ub, z_lb = pieces
    y_in = np.zeros(s.ineq.size)
    y_in[up_rows] -= z_up
    y_in[lo_rows] += z_lo
    z = np.zeros(s.n)
    z[ub_cols] -= z_ub
    z[lb_cols] += z_lb
    return BackendOutput(status=st, message=f"Clarabel: {sol.status}", backend="clarabel", x=x,
                         y=s.y_full(-z_eq, y_in), z=z, iterations=int(sol.iterations), time=elapsed)


# ------------------------------------------------------------------------------------ OSQP
def solve_osqp(problem: Problem, options: SolveOptions, warm=None) -> BackendOutput:
    """Solve with OSQP (ADMM, with solution polishing). ``warm``: a previous OSQP answer on a
    problem of the same shape starts the iterations from its primal-dual point."""
    import osqp

    s = _Split(problem)
    p = s.p
    bounded = np.flatnonzero(np.isfinite(p.lb) | np.isfinite(p.ub))
    A = sp.vstack([s.A_eq, s.A_in, sp.eye(s.n, format="csr")[bounded]], format="csc")
    lower = np.concatenate([p.row_lower[s.eq], p.row_lower[s.ineq], p.lb[bounded]])
    upper = np.concatenate([p.row_upper[s.eq], p.row_upper[s.ineq], p.ub[bounded]])
    tol = _tol(options)
    kwargs = dict(verbose=bool(options.verbose), eps_abs=tol, eps_rel=tol, polishing=True,
                  max_iter=int(options.max_iter) if options.max_iter is not None else 100_000)
    if options.time_limit is not None:
        kwargs["time_limit"] = float(options.time_limit)
    solver = osqp.OSQP()
    kwargs.update(options.extra)
    try:
        solver.setup(sp.triu(s.P, format="csc"), s.c, A, lower, upper, **kwargs)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"OSQP rejected the settings or the problem: {exc}") from exc
    if isinstance(warm, dict) and warm.get("backend") == "osqp" and warm.get("shape") == A.shape:
        solver.warm_start(x=warm["x"], y=warm["y"])
    start = time.perf_counter()
    res = solver.solve(raise_error=False)
    elapsed = time.perf_counter() - start
    status = str(res.info.status).lower()
    if status == "solved":
        st = SolutionStatus.OPTIMAL
    elif "primal infeasible" in status and "inaccurate" not in status:
        st = SolutionStatus.INFEASIBLE
    elif "dual infeasible" in status and "inaccurate" not in status:
        st = SolutionStatus.UNBOUNDED
    elif "maximum iterations" in status:
        st = SolutionStatus.ITERATION_LIMIT
    elif "time limit" in status:
        st = SolutionStatus.TIME_LIMIT
    else:  # includes "solved inaccurate": not certified
        st = SolutionStatus.NUMERICAL_TROUBLE
    x = np.asarray(res.x, dtype=float) if res.x is not None else None
    yo = np.asarray(res.y, dtype=float) if res.y is not None else None
    y = z = None
    if x is not None and yo is not None and np.all(np.isfinite(yo)):
        k_eq, k_in = s.eq.size, s.ineq.size
        y = s.y_full(-yo[:k_eq], -yo[k_eq:k_eq + k_in])
        z = np.zeros(s.n)
        z[bounded] = -yo[k_eq + k_in:]
    warm_out = None if x is None or yo is None else {"backend": "osqp", "shape": A.shape, "x": x, "y": yo}
    return BackendOutput(status=st, message=f"OSQP: {res.info.status}", backend="osqp", x=x, y=y, z=z,
                         iterations=int(res.info.iter), time=elapsed, warm=warm_out)
