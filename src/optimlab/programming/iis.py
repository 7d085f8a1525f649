"""Why a program is infeasible: an irreducible infeasible subset, and the cheapest way to repair it.

An **irreducible infeasible subset** (IIS) is a set of constraints and variable bounds that has no
solution, while every proper subset has one: remove any single member and the rest is feasible.
It is what a user needs to read to understand an infeasible model. :func:`find_iis` asks HiGHS
for one (``iis_strategy = 10``: an elastic LP followed by a true IIS search; the default "light"
strategy returns nothing on most Netlib infeasible problems) and then checks it with a
**deletion filter** (Chinneck and Dravnieks 1991): each member is removed in turn, and kept only
if its removal makes the subsystem feasible. The filter both verifies irreducibility and repairs
a set that is not irreducible; where HiGHS finds nothing, the filter starts from the whole
problem.

:func:`feasibility_relaxation` solves the elastic program

.. math::

    \\min_{x, s, t}\\ \\sum_i w_i (s^+_i + s^-_i) + \\sum_j v_j (t^+_j + t^-_j)
    \\quad\\text{s.t.}\\quad r_\\ell - s^- \\le A x \\le r_u + s^+,\\quad
    \\ell - t^- \\le x \\le u + t^+,\\quad s, t \\ge 0,

which says which constraints (and, if ``bound_penalty`` is given, bounds) to loosen and by how
much, at the least weighted total violation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from .backends._dispatch import SolveOptions
from .problem import Block, Problem
from .solution import SolutionStatus

__all__ = ["IIS", "IISMember", "Relaxation", "feasibility_relaxation", "find_iis"]

# HiGHS IisBoundStatus codes
_HIGHS_SIDE = {2: "lower", 3: "upper", 4: "both"}


@dataclass(frozen=True)
class IISMember:
    """One member of an IIS: a constraint row or a variable bound.

    Attributes
    ----------
    kind : {"row", "bound"}
    index : int
        Row index (``kind == "row"``) or column index (``kind == "bound"``).
    side : {"lower", "upper", "both", "equality"}
        Which side takes part: a row's lower or upper limit, both (a ranged row), or an equality;
        for a bound, the lower or upper bound (both for a fixed or boxed variable).
    name : str
        The user's name (``"capacity[3]"``, a file's row name, ``"x[0,2]"``).
    lower, upper : float
        The limits of the row or variable.
    """

    kind: str
    index: int
    side: str
    name: str
    lower: float
    upper: float

    def describe(self) -> str:
        what = "constraint" if self.kind == "row" else "bound on"
        if self.side == "equality":
            limit = f"= {self.lower:g}"
        elif self.side == "lower":
            limit = f">= {self.lower:g}"
        elif self.side == "upper":
            limit = f"<= {self.upper:g}"
        else:
            limit = f"in [{self.lower:g}, {self.upper:g}]"
        return f"{what} {self.name} {limit}"


@dataclass
class IIS:
    """An irreducible infeasible subset, in the user's names.

    Attributes
    ----------
    rows, bounds : list of IISMember
        The constraint rows and the variable bounds of the subset.
    irreducible : bool or None
        True when verified by the deletion filter (removing any member makes the rest feasible),
        None when not verified (``verify=False``).
    source : str
        ``"highs"`` (HiGHS's IIS, verified or not), ``"highs+filter"`` (HiGHS's set shrunk by the
        filter) or ``"filter"`` (HiGHS found none; the filter started from the whole problem).
    n_solves : int
        LPs solved by the deletion filter.
    time : float
        Seconds.
    """

    rows: list[IISMember]
    bounds: list[IISMember]
    irreducible: bool | None
    source: str
    n_solves: int = 0
    time: float = 0.0
    blocks: list[Block] = field(default_factory=list, repr=False)
    var_blocks: list[Block] = field(default_factory=list, repr=False)

    def __len__(self) -> int:
        return len(self.rows) + len(self.bounds)

    @property
    def row_indices(self) -> np.ndarray:
        return np.array([m.index for m in self.rows], dtype=np.int64)

    @property
    def col_indices(self) -> np.ndarray:
        return np.array([m.index for m in self.bounds], dtype=np.int64)

    def describe(self) -> list[str]:
        """One plain-English line per member, constraints first."""
        return [m.describe() for m in (*self.rows, *self.bounds)]

    def by_block(self) -> dict[str, list]:
        """Members grouped by the named block they belong to (constraints and variables)."""
        out: dict[str, list] = {}
        for members, blocks in ((self.rows, self.blocks), (self.bounds, self.var_blocks)):
            for m in members:
                block = next((b for b in blocks if b.start <= m.index < b.stop), None)
                key = block.name if block is not None else m.name
                out.setdefault(key, []).append(m)
        return out


# ---------------------------------------------------------------------------------- subsystems
def _subsystem(problem: Problem, rows: np.ndarray, lower_cols: np.ndarray, upper_cols: np.ndarray) -> Problem:
    """Only the given rows and bounds (other bounds free), with a zero objective."""
    n = problem.n_vars
    lb = np.full(n, -np.inf)
    ub = np.full(n, np.inf)
    lb[lower_cols] = problem.lb[lower_cols]
    ub[upper_cols] = problem.ub[upper_cols]
    return Problem.build(
        np.zeros(n),
        A=problem.A[rows] if rows.size else sp.csr_matrix((0, n)),
        row_lower=problem.row_lower[rows],
        row_upper=problem.row_upper[rows],
        lb=lb,
        ub=ub,
        integrality=problem.integrality,
    )


def _feasible(problem: Problem, options: SolveOptions) -> bool:
    from .backends.highs import solve_highs

    out = solve_highs(problem, options, None)
    if out.status == SolutionStatus.OPTIMAL:
        return True
    if out.status in (SolutionStatus.INFEASIBLE, SolutionStatus.INFEASIBLE_OR_UNBOUNDED):
        return False
    raise RuntimeError(f"The feasibility check of an IIS candidate ended with status {out.status.value!r}.")


def _deletion_filter(problem, rows, lowers, uppers, options, deadline):
    """Shrink an infeasible set of members to an irreducible one. Returns (rows, lowers, uppers, solves)."""
    members = (
        [("row", int(i)) for i in rows] + [("lb", int(j)) for j in lowers] + [("ub", int(j)) for j in uppers]
    )
    keep = set(members)
    solves = 0
    for member in members:
        if deadline is not None and time.perf_counter() > deadline:
            raise TimeoutError("time limit reached in the deletion filter")
        trial = keep - {member}
        sub = _subsystem(
            problem,
            np.array(sorted(i for k, i in trial if k == "row"), dtype=np.int64),
            np.array(sorted(j for k, j in trial if k == "lb"), dtype=np.int64),
            np.array(sorted(j for k, j in trial if k == "ub"), dtype=np.int64),
        )
        solves += 1
        if not _feasible(sub, options):
            keep = trial
    return (
        np.array(sorted(i for k, i in keep if k == "row"), dtype=np.int64),
        np.array(sorted(j for k, j in keep if k == "lb"), dtype=np.int64),
        np.array(sorted(j for k, j in keep if k == "ub"), dtype=np.int64),
        solves,
    )


def _row_side(problem: Problem, i: int) -> str:
    lo, hi = problem.row_lower[i], problem.row_upper[i]
    if lo == hi:
        return "equality"
    if np.isfinite(lo) and np.isfinite(hi):
        return "both"
    return "lower" if np.isfinite(lo) else "upper"


def _highs_iis(problem: Problem, options: SolveOptions):
    """HiGHS's IIS as (rows, lower-bound columns, upper-bound columns, row sides), or None."""
    import highspy

    from .backends.highs import build_highs

    h = build_highs(problem, options)
    h.setOptionValue("iis_strategy", 10)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kInfeasible:
        return None
    status, iis = h.getIis()
    if status == highspy.HighsStatus.kError or not iis.valid_:
        return None
    rows = np.asarray(iis.row_index_, dtype=np.int64)
    row_sides = {int(i): _HIGHS_SIDE.get(int(b)) for i, b in zip(rows, iis.row_bound_, strict=True)}
    lowers, uppers = [], []
    for j, b in zip(iis.col_index_, iis.col_bound_, strict=True):
        j, b = int(j), int(b)
        if b in (2, 4) and np.isfinite(problem.lb[j]):
            lowers.append(j)
        if b in (3, 4) and np.isfinite(problem.ub[j]):
            uppers.append(j)
    if rows.size == 0 and not lowers and not uppers:
        return None
    return rows, np.array(lowers, dtype=np.int64), np.array(uppers, dtype=np.int64), row_sides


def find_iis(problem: Problem, *, verify: bool = True, time_limit: float | None = None) -> IIS:
    """An irreducible infeasible subset of an infeasible LP or MILP, named as the user named it.

    Parameters
    ----------
    problem : Problem
        An infeasible linear or mixed-integer linear program (the objective is ignored).
    verify : bool
        Run the deletion filter on HiGHS's set: prove that removing any member makes the rest
        feasible (one small LP per member), and shrink the set where it is not irreducible.
    time_limit : float or None
        Seconds for the whole diagnosis.

    Returns
    -------
    IIS

    Raises
    ------
    ValueError
        If the problem is a QP, or is feasible.
    TimeoutError
        If the time limit is reached before an IIS is known.
    """
    if problem.is_qp:
        raise ValueError("find_iis diagnoses linear constraints; the problem has a quadratic objective, "
                         "which does not affect feasibility: drop it (Q=None) and call find_iis again.")
    start = time.perf_counter()
    deadline = None if time_limit is None else start + float(time_limit)
    options = SolveOptions(time_limit=time_limit)
    all_rows = np.arange(problem.n_rows, dtype=np.int64)
    all_lower = np.flatnonzero(np.isfinite(problem.lb))
    all_upper = np.flatnonzero(np.isfinite(problem.ub))
    if _feasible(_subsystem(problem, all_rows, all_lower, all_upper), options):
        raise ValueError(f"The problem {problem.name!r} is feasible: there is no infeasible subset.")

    found = None if problem.is_mip else _highs_iis(problem, options)
    row_sides: dict[int, str | None] = {}
    solves = 0
    if found is not None:
        rows, lowers, uppers, row_sides = found
        source = "highs"
        irreducible = None
        if verify:
            if _feasible(_subsystem(problem, rows, lowers, uppers), options):
                found = None  # not even infeasible: start over from the whole problem
            else:
                new = _deletion_filter(problem, rows, lowers, uppers, options, deadline)
                solves = new[3] + 1
                shrunk = sum(map(len, new[:3])) < len(rows) + len(lowers) + len(uppers)
                rows, lowers, uppers = new[:3]
                source = "highs+filter" if shrunk else "highs"
                irreducible = True
    if found is None:
        rows, lowers, uppers, solves = _deletion_filter(
            problem, all_rows, all_lower, all_upper, options, deadline
        )
        source, irreducible = "filter", True

    def row_member(i: int) -> IISMember:
        side = row_sides.get(int(i)) or _row_side(problem, int(i))
        if problem.row_lower[i] == problem.row_upper[i]:
            side = "equality"
        return IISMember("row", int(i), side, problem.row_name(int(i)),
                         float(problem.row_lower[i]), float(problem.row_upper[i]))

    bounds = []
    lower_set, upper_set = set(lowers.tolist()), set(uppers.tolist())
    for j in sorted(lower_set | upper_set):
        lo_in, hi_in = j in lower_set, j in upper_set
        side = "both" if lo_in and hi_in else ("lower" if lo_in else "upper")
        if side == "both" and problem.lb[j] == problem.ub[j]:
            side = "equality"
        bounds.append(IISMember("bound", int(j), side, problem.col_name(int(j)),
                                float(problem.lb[j]), float(problem.ub[j])))
    return IIS(
        rows=[row_member(int(i)) for i in rows],
        bounds=bounds,
        irreducible=irreducible,
        source=source,
        n_solves=solves,
        time=time.perf_counter() - start,
        blocks=list(problem.row_blocks),
        var_blocks=list(problem.var_blocks),
    )


# ---------------------------------------------------------------------------------- relaxation
@dataclass(frozen=True)
class Loosening:
    """One constraint or bound to loosen: by how much, and the new limit."""

    kind: str
    index: int
    name: str
    side: str
    amount: float
    current: float
    new: float

    def describe(self) -> str:
        what = "constraint" if self.kind == "row" else "bound on"
        verb = "lower" if self.side == "lower" else "raise"
        return (f"{what} {self.name}: {verb} its {self.side} limit by {self.amount:.6g} "
                f"({self.current:g} -> {self.new:g})")


@dataclass
class Relaxation:
    """The least weighted violation that makes an infeasible program feasible.

    Attributes
    ----------
    status : SolutionStatus
        Of the elastic program (``"optimal"`` when a relaxation was found).
    total_violation : float
        The weighted sum of the violations (0 if the problem was feasible).
    changes : list of Loosening
        What to loosen, largest first.
    x : ndarray or None
        A point feasible for the loosened problem.
    """

    status: SolutionStatus
    total_violation: float
    changes: list[Loosening]
    x: np.ndarray | None

    def describe(self) -> list[str]:
        return [c.describe() for c in self.changes]


def _weights(value, size: int, what: str) -> np.ndarray:
    w = np.broadcast_to(np.asarray(value, dtype=float), (size,)).copy() if size else np.zeros(0)
    if not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise ValueError(f"{what} must be positive and finite; got {value!r}.")
    return w


def feasibility_relaxation(
    problem: Problem,
    *,
    row_penalty=1.0,
    bound_penalty=None,
    time_limit: float | None = None,
    tol: float = 1e-9,
) -> Relaxation:
    """Which constraints (and bounds) to loosen, by how much, at the least weighted total violation.

    Parameters
    ----------
    problem : Problem
        An LP or MILP (integrality is kept; a quadratic objective is ignored).
    row_penalty : float or array of shape (n_rows,)
        Cost per unit of violation of each constraint.
    bound_penalty : float, array of shape (n_vars,), or None
        Cost per unit of violation of each variable bound; None keeps the bounds hard.
    time_limit : float or None
    tol : float
        Violations under this value are not reported.
    """
    from .backends.highs import solve_highs

    n, m = problem.n_vars, problem.n_rows
    w = _weights(row_penalty, m, "row_penalty")
    has_lo, has_hi = np.isfinite(problem.row_lower), np.isfinite(problem.row_upper)
    lo_rows, hi_rows = np.flatnonzero(has_lo), np.flatnonzero(has_hi)
    # columns: x | s- (rows with a lower side) | s+ (rows with an upper side) | t- | t+
    # split each row into its lower and upper side so that s- and s+ act on one side each
    A_lo = problem.A[lo_rows]
    A_hi = problem.A[hi_rows]
    k_lo, k_hi = lo_rows.size, hi_rows.size
    top = sp.hstack([A_lo, sp.eye(k_lo), sp.csr_matrix((k_lo, k_hi))], format="csr")
    bottom = sp.hstack([A_hi, sp.csr_matrix((k_hi, k_lo)), -sp.eye(k_hi)], format="csr")
    A = sp.vstack([top, bottom], format="csr")
    row_lower = np.concatenate([problem.row_lower[lo_rows], np.full(k_hi, -np.inf)])
    row_upper = np.concatenate([np.full(k_lo, np.inf), problem.row_upper[hi_rows]])
    costs = [np.zeros(n), w[lo_rows], w[hi_rows]]
    lb = [problem.lb, np.zeros(k_lo), np.zeros(k_hi)]
    ub = [problem.ub, np.full(k_lo, np.inf), np.full(k_hi, np.inf)]
    col_lo = col_hi = np.zeros(0, dtype=np.int64)
    if bound_penalty is not None:
        v = _weights(bound_penalty, n, "bound_penalty")
        col_lo, col_hi = np.flatnonzero(np.isfinite(problem.lb)), np.flatnonzero(np.isfinite(problem.ub))
        rows_b = sp.vstack([
            sp.hstack([sp.eye(n, format="csr")[col_lo], sp.csr_matrix((col_lo.size, k_lo + k_hi)),
                       sp.eye(col_lo.size), sp.csr_matrix((col_lo.size, col_hi.size))]),
            sp.hstack([sp.eye(n, format="csr")[col_hi], sp.csr_matrix((col_hi.size, k_lo + k_hi)),
                       sp.csr_matrix((col_hi.size, col_lo.size)), -sp.eye(col_hi.size)]),
        ], format="csr")
        A = sp.vstack([sp.hstack([A, sp.csr_matrix((A.shape[0], col_lo.size + col_hi.size))]), rows_b],
                      format="csr")
        row_lower = np.concatenate([row_lower, problem.lb[col_lo], np.full(col_hi.size, -np.inf)])
        row_upper = np.concatenate([row_upper, np.full(col_lo.size, np.inf), problem.ub[col_hi]])
        costs += [v[col_lo], v[col_hi]]
        lb = [np.full(n, -np.inf), *lb[1:], np.zeros(col_lo.size), np.zeros(col_hi.size)]
        ub = [np.full(n, np.inf), *ub[1:], np.full(col_lo.size, np.inf), np.full(col_hi.size, np.inf)]
    c = np.concatenate(costs)
    elastic = Problem.build(
        c, A=A, row_lower=row_lower, row_upper=row_upper, lb=np.concatenate(lb), ub=np.concatenate(ub),
        integrality=np.concatenate([problem.integrality, np.zeros(c.size - n, dtype=bool)]),
    )
    out = solve_highs(elastic, SolveOptions(time_limit=time_limit, mip_gap=0.0 if problem.is_mip else None),
                      None)
    if out.x is None or out.status not in (SolutionStatus.OPTIMAL, SolutionStatus.TIME_LIMIT):
        return Relaxation(status=out.status, total_violation=np.nan, changes=[], x=None)
    z = out.x
    s_lo, s_hi = z[n : n + k_lo], z[n + k_lo : n + k_lo + k_hi]
    changes = []
    for rows, amounts, side in ((lo_rows, s_lo, "lower"), (hi_rows, s_hi, "upper")):
        for i, a in zip(rows, amounts, strict=True):
            if a > tol:
                cur = problem.row_lower[i] if side == "lower" else problem.row_upper[i]
                changes.append(Loosening("row", int(i), problem.row_name(int(i)), side, float(a), float(cur),
                                         float(cur - a if side == "lower" else cur + a)))
    if bound_penalty is not None:
        off = n + k_lo + k_hi
        t_lo, t_hi = z[off : off + col_lo.size], z[off + col_lo.size :]
        for cols, amounts, side in ((col_lo, t_lo, "lower"), (col_hi, t_hi, "upper")):
            for j, a in zip(cols, amounts, strict=True):
                if a > tol:
                    cur = problem.lb[j] if side == "lower" else problem.ub[j]
                    changes.append(Loosening("bound", int(j), problem.col_name(int(j)), side, float(a),
                                             float(cur), float(cur - a if side == "lower" else cur + a)))
    changes.sort(key=lambda ch: -ch.amount)
    return Relaxation(status=out.status, total_violation=float(c @ z), changes=changes, x=z[:n].copy())
