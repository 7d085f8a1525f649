"""HiGHS (``highspy``) for LP, MILP and convex QP: one ``passModel`` call, duals, ranging, warm starts.

HiGHS receives the minimization form (see :meth:`Problem.minimize_form`), so its row duals and
reduced costs already follow the convention of :mod:`optimlab.programming.solution`
(``c + Qx - A'y - z = 0``); ranging is turned back into the user's sense here.
"""

from __future__ import annotations

import time

import highspy
import numpy as np
import scipy.sparse as sp

from ..problem import Problem
from ..solution import BackendOutput, Ranging, SolutionStatus
from ._dispatch import SolveOptions

__all__ = ["DEFAULT_MIP_GAP", "Highs", "build_highs", "solve_highs"]

#: Relative MIP gap when the caller gives none. HiGHS's own default (1e-4) stops short of the
#: optimum on ordinary instances (MIPLIB 3 cap6000: -2451279 against the optimum -2451377).
DEFAULT_MIP_GAP = 1e-6

#: The compiled solver class. highspy's Python wrapper ``Highs`` adds a modelling layer and
#: callbacks we do not use, and its constructor prints a banner on stdout even when the solver is
#: silenced; the core class it wraps has the same solve API without either.
Highs = getattr(getattr(highspy, "_core", None), "_Highs", highspy.Highs)

#: HiGHS refuses feasibility tolerances under this value.
_MIN_TOL = 1e-10

_STATUS = {
    highspy.HighsModelStatus.kOptimal: SolutionStatus.OPTIMAL,
    highspy.HighsModelStatus.kInfeasible: SolutionStatus.INFEASIBLE,
    highspy.HighsModelStatus.kUnbounded: SolutionStatus.UNBOUNDED,
    highspy.HighsModelStatus.kUnboundedOrInfeasible: SolutionStatus.INFEASIBLE_OR_UNBOUNDED,
    highspy.HighsModelStatus.kTimeLimit: SolutionStatus.TIME_LIMIT,
    highspy.HighsModelStatus.kIterationLimit: SolutionStatus.ITERATION_LIMIT,
    highspy.HighsModelStatus.kSolutionLimit: SolutionStatus.ITERATION_LIMIT,
    highspy.HighsModelStatus.kInterrupt: SolutionStatus.TIME_LIMIT,
}


def _inf(v: np.ndarray) -> np.ndarray:
    return np.clip(v, -highspy.kHighsInf, highspy.kHighsInf)


def build_highs(problem: Problem, options: SolveOptions | None = None) -> Highs:
    """A silent ``Highs`` instance holding the minimization form of ``problem`` (one ``passModel``)."""
    options = options or SolveOptions()
    p = problem.minimize_form()
    A = sp.csc_matrix(p.A)
    A.sort_indices()
    n, m = p.n_vars, p.n_rows
    integrality = p.integrality.astype(np.int32)  # an empty array is read as garbage by HiGHS
    h = Highs()
    h.setOptionValue("output_flag", bool(options.verbose))
    # the overloads that take NumPy arrays copy buffers; setting HighsLp fields converts element
    # by element (0.6 s for a million variables)
    lp_args = (
        float(p.offset), p.c, _inf(p.lb), _inf(p.ub), _inf(p.row_lower), _inf(p.row_upper),
        A.indptr.astype(np.int32), A.indices.astype(np.int32), A.data.astype(float),
    )
    colwise, minimize = 1, 1
    if p.is_qp:
        lower = sp.tril(p.Q, format="csc")
        lower.sort_indices()
        triangular = 1
        status = h.passModel(
            n, m, int(A.nnz), int(lower.nnz), colwise, triangular, minimize, *lp_args,
            lower.indptr.astype(np.int32), lower.indices.astype(np.int32), lower.data.astype(float),
            integrality,
        )
    else:
        status = h.passModel(n, m, int(A.nnz), colwise, minimize, *lp_args, integrality)
    if status == highspy.HighsStatus.kError:
        raise ValueError(f"HiGHS rejected the problem {problem.name!r} (passModel returned an error).")
    _set_options(h, problem, options)
    return h


def _set(h: Highs, name: str, value) -> None:
    if h.setOptionValue(name, value) == highspy.HighsStatus.kError:
        raise ValueError(f"HiGHS option {name}={value!r} is not valid (unknown name or value out of range).")


def _set_options(h: Highs, problem: Problem, options: SolveOptions) -> None:
    if options.time_limit is not None:
        _set(h, "time_limit", float(options.time_limit))
    if problem.is_mip:
        _set(h, "mip_rel_gap", float(DEFAULT_MIP_GAP if options.mip_gap is None else options.mip_gap))
    if options.tol is not None:
        tol = max(float(options.tol), _MIN_TOL)
        _set(h, "primal_feasibility_tolerance", tol)
        _set(h, "dual_feasibility_tolerance", tol)
    if options.max_iter is not None:
        for name in ("simplex_iteration_limit", "ipm_iteration_limit", "qp_iteration_limit"):
            _set(h, name, int(options.max_iter))
    for name, value in options.extra.items():
        _set(h, name, value)


def _basis(h: Highs):
    basis = h.getBasis()
    return basis if basis.valid else None


def _warm_start(h: Highs, problem: Problem, warm) -> None:
    if not isinstance(warm, dict) or warm.get("backend") != "highs":
        return
    if warm.get("shape") != (problem.n_vars, problem.n_rows):
        return
    if problem.is_mip and warm.get("x") is not None:
        sol = highspy.HighsSolution()
        sol.col_value = list(warm["x"])
        sol.value_valid = True
        h.setSolution(sol)
    elif not problem.is_mip and warm.get("basis") is not None:
        h.setBasis(warm["basis"])


def _ranging(h: Highs, problem: Problem) -> Ranging | None:
    status, rng = h.getRanging()
    if status != highspy.HighsStatus.kOk or not rng.valid:
        return None
    n, m = problem.n_vars, problem.n_rows
    cost_lo = np.asarray(rng.col_cost_dn.value_, dtype=float)[:n]
    cost_hi = np.asarray(rng.col_cost_up.value_, dtype=float)[:n]
    if problem.sense == "maximize":  # HiGHS ranged the negated costs
        cost_lo, cost_hi = -cost_hi, -cost_lo
    return Ranging(
        cost_lower=cost_lo,
        cost_upper=cost_hi,
        rhs_lower=np.asarray(rng.row_bound_dn.value_, dtype=float)[:m],
        rhs_upper=np.asarray(rng.row_bound_up.value_, dtype=float)[:m],
        bound_lower=np.asarray(rng.col_bound_dn.value_, dtype=float)[:n],
        bound_upper=np.asarray(rng.col_bound_up.value_, dtype=float)[:n],
    )


def solve_highs(problem: Problem, options: SolveOptions, warm=None) -> BackendOutput:
    """Solve an LP, MILP or convex QP with HiGHS.

    ``iterations`` counts simplex, interior-point and QP iterations for continuous problems and
    branch-and-bound nodes for MILP. ``mip_gap=None`` means :data:`DEFAULT_MIP_GAP`. When HiGHS
    cannot tell infeasible from unbounded (its presolve sometimes stops there), the LP is solved
    again without presolve to get the definite answer.
    """
    if problem.kind == "miqp":
        raise ValueError("HiGHS does not solve mixed-integer quadratic programs (MIQP).")
    if problem.n_vars == 0:
        return _empty(problem)
    h = build_highs(problem, options)
    _warm_start(h, problem, warm)
    start = time.perf_counter()
    h.run()
    model_status = h.getModelStatus()
    notes = []
    if model_status == highspy.HighsModelStatus.kUnboundedOrInfeasible and not problem.is_mip:
        h.setOptionValue("presolve", "off")
        h.clearSolver()
        h.run()
        model_status = h.getModelStatus()
        notes.append("re-solved without presolve to tell infeasible from unbounded")
    if model_status not in _STATUS and not problem.is_mip and "solver" not in options.extra:
        # The simplex sometimes ends in "unknown" on badly scaled LPs (Netlib klein1) where the
        # interior-point method (with crossover) decides.
        h.setOptionValue("solver", "ipm")
        h.clearSolver()
        h.run()
        model_status = h.getModelStatus()
        notes.append("simplex ended in 'unknown': re-solved with the interior-point method")
    elapsed = time.perf_counter() - start
    status = _STATUS.get(model_status, SolutionStatus.NUMERICAL_TROUBLE)
    info = h.getInfo()
    solution = h.getSolution()
    x = np.asarray(solution.col_value, dtype=float) if solution.value_valid else None
    if problem.is_mip:
        y = z = None
        iterations = max(int(info.mip_node_count), 0)
        bound = float(info.mip_dual_bound) if x is not None else None
        if status == SolutionStatus.OPTIMAL and bound is not None and not np.isfinite(bound):
            bound = None
    else:
        has_duals = solution.dual_valid
        y = np.asarray(solution.row_dual, dtype=float) if has_duals else None
        z = np.asarray(solution.col_dual, dtype=float) if has_duals else None
        iterations = sum(
            max(int(v), 0)
            for v in (info.simplex_iteration_count, info.ipm_iteration_count, info.qp_iteration_count)
        )
        bound = None
    ranging = None
    if status == SolutionStatus.OPTIMAL and problem.kind == "lp":
        def ranging():  # computed when the solution's ranging is first read
            return _ranging(h, problem)
    warm_out = {
        "backend": "highs",
        "shape": (problem.n_vars, problem.n_rows),
        "basis": None if problem.is_mip else _basis(h),
        "x": x,
    }
    message = h.modelStatusToString(model_status)
    if status == SolutionStatus.NUMERICAL_TROUBLE:
        message = f"HiGHS stopped with model status {message!r}"
    if notes:
        message += f" ({'; '.join(notes)})"
    return BackendOutput(
        status=status,
        message=message,
        backend="highs",
        x=x,
        y=y,
        z=z,
        bound=bound,
        iterations=iterations,
        ranging=ranging,
        warm=warm_out,
        time=elapsed,
    )


def _empty(problem: Problem) -> BackendOutput:
    """A problem without variables: feasible iff every row admits 0."""
    feasible = bool(np.all(problem.row_lower <= 0.0) and np.all(problem.row_upper >= 0.0))
    m = problem.n_rows
    return BackendOutput(
        status=SolutionStatus.OPTIMAL if feasible else SolutionStatus.INFEASIBLE,
        message="no variables" + ("" if feasible else ": a row excludes 0"),
        backend="highs",
        x=np.zeros(0) if feasible else None,
        y=np.zeros(m) if feasible else None,
        z=np.zeros(0) if feasible else None,
        bound=problem.minimize_form().offset if problem.is_mip and feasible else None,
    )
