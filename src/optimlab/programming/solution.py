"""What every backend returns: :class:`Solution`, with a certificate recomputed by us.

Dual conventions
----------------
Backends work on the minimization form of the problem (see :meth:`Problem.minimize_form`) with
HiGHS's sign convention: at an optimum of ``min 0.5 x'Qx + c'x`` subject to ``r_l <= Ax <= r_u`` and
``l <= x <= u`` there are row duals ``y`` and reduced costs ``z`` with

.. math::

    c + Q x - A^\\top y - z = 0, \\qquad y_i \\ge 0 \\text{ if only } r_{\\ell,i} \\text{ is active},
    \\quad y_i \\le 0 \\text{ if only } r_{u,i} \\text{ is active},

and likewise for ``z`` and the variable bounds. ``y_i`` is the derivative of the optimal value with
respect to the active bound of row ``i``. :class:`Solution` reports duals in the **user's sense**:
``duals`` are the derivatives of the user's objective (maximized or minimized) with respect to the
right-hand side, i.e. shadow prices: "one more unit of capacity is worth ``duals['capacity'][i]``".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from .problem import Block, Problem

__all__ = ["BackendOutput", "Certificate", "Ranging", "Solution", "SolutionStatus", "certify", "finish"]


class SolutionStatus(StrEnum):
    """Status of a solve (compares equal to its lower-case string: ``status == "optimal"``)."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible-or-unbounded"
    TIME_LIMIT = "time-limit"
    ITERATION_LIMIT = "iteration-limit"
    NUMERICAL_TROUBLE = "numerical-trouble"


@dataclass
class Ranging:
    """LP sensitivity ranges for the optimal basis, in the user's sense.

    Attributes
    ----------
    cost_lower, cost_upper : ndarray of shape (n,)
        Each cost coefficient may move in ``[cost_lower, cost_upper]`` (one at a time) without
        changing the optimal basis (the primal solution stays optimal).
    rhs_lower, rhs_upper : ndarray of shape (m,)
        The active bound of each row may move in this interval with the same duals
        (the shadow price stays valid). For an inactive row the interval contains every value that
        keeps the row inactive.
    bound_lower, bound_upper : ndarray of shape (n,)
        The same for the active bound of each variable.
    """

    cost_lower: np.ndarray
    cost_upper: np.ndarray
    rhs_lower: np.ndarray
    rhs_upper: np.ndarray
    bound_lower: np.ndarray
    bound_upper: np.ndarray


@dataclass(frozen=True)
class Certificate:
    """Optimality measures computed by optimlab from the returned point, not by the backend.

    Attributes
    ----------
    primal_residual : float
        Largest violation of a row bound, a variable bound or (MILP) integrality, absolute.
    dual_residual : float
        Largest entry of ``|c + Qx - A'y - z|`` and of the dual sign violations (a positive dual on a
        side without a bound), absolute; NaN for mixed-integer problems and where no duals exist.
    gap : float
        Continuous problems: relative duality gap ``|p - d| / (1 + s)`` between the primal
        objective ``p`` and the dual objective ``d`` of the returned ``(x, y, z)``, where ``s`` is
        the largest of ``|p|``, ``|d|``, ``|c'x|``, ``|x'Qx| / 2`` and the constant's magnitude. Mixed-integer
        problems: relative gap to the proven bound, ``|p - bound| / max(1, |p|)``.
    rel_primal_residual, rel_dual_residual : float
        The residuals divided by ``1 +`` the size of the data they are made of (largest finite bound,
        ``|Ax|``, ``|x|``; largest of ``|c|``, ``|Qx|``, ``|A'y|``, ``|z|``).
    integrality_violation : float
        Largest distance of an integer variable to the nearest integer (0 for continuous problems).
    primal_objective, dual_objective : float
        The objective of ``x`` and the dual objective (MILP: the backend's proven bound), user's sense.
    """

    primal_residual: float
    dual_residual: float
    gap: float
    rel_primal_residual: float
    rel_dual_residual: float
    integrality_violation: float
    primal_objective: float
    dual_objective: float

    def ok(self, tol: float = 1e-6) -> bool:
        """True when every relative measure is at or under ``tol`` (NaN measures are ignored)."""
        measures = (self.rel_primal_residual, self.rel_dual_residual, self.gap)
        return all(not (m > tol) for m in measures if not np.isnan(m))

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.__dict__.items()}


@dataclass
class BackendOutput:
    """What a backend hands back, in the minimization form with HiGHS's dual signs.

    ``x``, ``y``, ``z`` may be None when the backend has no point (infeasible, error). ``bound`` is
    the proven bound of a MILP (minimization form). ``warm`` is an opaque warm-start token
    (a basis, a primal-dual point) that the same backend accepts on the next solve.
    """

    status: SolutionStatus
    message: str
    backend: str
    x: np.ndarray | None = None
    y: np.ndarray | None = None
    z: np.ndarray | None = None
    bound: float | None = None
    iterations: int = 0
    ranging: Ranging | Callable[[], Ranging | None] | None = None
    warm: object | None = None
    time: float = 0.0
    extra: dict = field(default_factory=dict)


@dataclass
class Solution:
    """The answer to a mathematical program.

    Attributes
    ----------
    status : SolutionStatus
        ``"optimal"``, ``"infeasible"``, ``"unbounded"``, ``"infeasible-or-unbounded"``,
        ``"time-limit"``, ``"iteration-limit"`` or ``"numerical-trouble"``.
    message : str
        The backend's words, plus ours.
    objective : float
        Objective value of ``x`` in the user's sense, constant included; ``-inf`` (minimize) or
        ``+inf`` (maximize) when unbounded, NaN without a point.
    x : ndarray of shape (n,) or None
        All variable values, flat, in column order.
    values : dict of str to ndarray
        Variable values per named block, shaped like the variables.
    duals : dict of str to ndarray
        Shadow prices per named constraint block, shaped like the block: the derivative of the
        objective (user's sense) with respect to the block's right-hand side. Empty for MILP.
    reduced_costs : dict of str to ndarray
        Derivative of the objective with respect to each variable's active bound, per block.
    row_dual, col_dual : ndarray or None
        The same, flat.
    ranging : Ranging or None
        LP cost and right-hand-side ranges (HiGHS on an LP only), computed on first access: on
        large LPs it costs a fraction of the solve, which loops that do not read it need not pay.
    certificate : Certificate or None
        Residuals and gap recomputed from ``x`` and the duals (None without a point).
    bound : float or None
        MILP: the proven bound on the optimal value (user's sense).
    backend : str
    time : float
        Wall time of the backend's solve, seconds.
    iterations : int
    problem : Problem
        The problem that was solved.
    warm : object or None
        Warm-start data for a re-solve by the same backend.
    fallbacks : list of str
        Backends tried before this one (``backend="auto"``) and why they were left.
    iis : IIS or None
        For an infeasible problem, when diagnosis was asked for: an irreducible infeasible subset
        (see :func:`optimlab.programming.iis.find_iis`).
    """

    status: SolutionStatus
    message: str
    objective: float
    x: np.ndarray | None
    values: dict[str, np.ndarray]
    duals: dict[str, np.ndarray]
    reduced_costs: dict[str, np.ndarray]
    row_dual: np.ndarray | None
    col_dual: np.ndarray | None
    ranging_source: object
    certificate: Certificate | None
    bound: float | None
    backend: str
    time: float
    iterations: int
    problem: Problem
    warm: object | None = None
    fallbacks: list[str] = field(default_factory=list)
    iis: object | None = None

    @property
    def ranging(self) -> Ranging | None:
        if callable(self.ranging_source):
            self.ranging_source = self.ranging_source()
        return self.ranging_source

    @property
    def success(self) -> bool:
        return self.status == SolutionStatus.OPTIMAL

    def __getitem__(self, key):
        """Values of a variable block by name, or of any object with a ``flat_index`` array."""
        if isinstance(key, str):
            return self.values[key]
        index = getattr(key, "flat_index", None)
        if index is None:
            raise KeyError(f"Expected a variable name or a variable array; got {type(key).__name__}.")
        if self.x is None:
            raise ValueError(f"No values: the solve ended with status {self.status.value!r}.")
        return self.x[np.asarray(index)]

    def dual(self, key):
        """Shadow prices of a constraint block by name, or of an object with a ``flat_index``."""
        if isinstance(key, str):
            return self.duals[key]
        index = getattr(key, "flat_index", None)
        if index is None:
            raise KeyError(f"Expected a constraint name or handle; got {type(key).__name__}.")
        if self.row_dual is None:
            raise ValueError(f"No duals (status {self.status.value!r}, problem {self.problem.kind}).")
        return self.row_dual[np.asarray(index)]

    def summary(self) -> dict:
        """A JSON-ready dict: status, objective, variables by block, duals by block, certificate."""
        out = {
            "status": self.status.value,
            "message": self.message,
            "objective": None if np.isnan(self.objective) else float(self.objective),
            "backend": self.backend,
            "time": self.time,
            "iterations": self.iterations,
            "variables": {k: v.tolist() for k, v in self.values.items()},
            "duals": {k: v.tolist() for k, v in self.duals.items()},
            "reduced_costs": {k: v.tolist() for k, v in self.reduced_costs.items()},
            "certificate": None if self.certificate is None else self.certificate.as_dict(),
        }
        if self.bound is not None:
            out["bound"] = self.bound
        return out


def _finite_max(*arrays) -> float:
    best = 0.0
    for a in arrays:
        a = np.asarray(a, dtype=float)
        a = a[np.isfinite(a)]
        if a.size:
            best = max(best, float(np.max(np.abs(a))))
    return best


def certify(problem: Problem, x, y=None, z=None, *, bound: float | None = None) -> Certificate:
    """Recompute the optimality certificate of ``(x, y, z)`` for ``problem``.

    ``y`` and ``z`` are in the minimization form with HiGHS's signs (see the module docstring);
    ``bound`` is a MILP's proven bound in the minimization form.
    """
    p = problem.minimize_form()
    x = np.asarray(x, dtype=float)
    ax = p.A @ x if p.n_rows else np.zeros(0)
    viol = [
        np.maximum(p.row_lower - ax, 0.0),
        np.maximum(ax - p.row_upper, 0.0),
        np.maximum(p.lb - x, 0.0),
        np.maximum(x - p.ub, 0.0),
    ]
    int_viol = 0.0
    if p.is_mip:
        xi = x[p.integrality]
        int_viol = float(np.max(np.abs(xi - np.round(xi)))) if xi.size else 0.0
    primal_res = max([float(v.max()) if v.size else 0.0 for v in viol] + [int_viol])
    scale_p = 1.0 + _finite_max(p.row_lower, p.row_upper, p.lb, p.ub, ax, x)
    qx = p.Q @ x if p.is_qp else np.zeros_like(x)
    primal_obj = float(p.c @ x + 0.5 * x @ qx + p.offset)

    dual_res = rel_dual = np.nan
    if p.is_mip:
        dual_obj = np.nan if bound is None else float(bound)
        gap = np.nan if bound is None else abs(primal_obj - dual_obj) / max(1.0, abs(primal_obj))
    elif y is None or z is None:
        dual_obj = gap = np.nan
    else:
        y = np.asarray(y, dtype=float)
        z = np.asarray(z, dtype=float)
        aty = p.A.T @ y if p.n_rows else np.zeros_like(x)
        stationarity = p.c + qx - aty - z
        yp, ym = np.maximum(y, 0.0), np.maximum(-y, 0.0)
        zp, zm = np.maximum(z, 0.0), np.maximum(-z, 0.0)
        # A positive dual on a side with no bound makes the dual objective -inf: count it as a
        # residual and leave it out of the dual objective.
        sign = np.concatenate([
            np.where(np.isinf(p.row_lower), yp, 0.0),
            np.where(np.isinf(p.row_upper), ym, 0.0),
            np.where(np.isinf(p.lb), zp, 0.0),
            np.where(np.isinf(p.ub), zm, 0.0),
        ])
        dual_res = max(
            float(np.max(np.abs(stationarity))) if stationarity.size else 0.0,
            float(sign.max()) if sign.size else 0.0,
        )
        rel_dual = dual_res / (1.0 + _finite_max(p.c, qx, aty, z))

        def _pair(plus, minus, lo, hi):
            lo_term = np.where(np.isfinite(lo), plus * np.where(np.isfinite(lo), lo, 0.0), 0.0)
            hi_term = np.where(np.isfinite(hi), minus * np.where(np.isfinite(hi), hi, 0.0), 0.0)
            return float(lo_term.sum() - hi_term.sum())

        dual_obj = (
            p.offset
            - 0.5 * float(x @ qx)
            + _pair(yp, ym, p.row_lower, p.row_upper)
            + _pair(zp, zm, p.lb, p.ub)
        )
        # relative to the size of the objective's parts, not only of its value: a QP whose
        # constant cancels its other terms (Maros-Meszaros HS268: optimum 0, parts ~1e4) cannot
        # be certified to 1e-6 of 1 in floating point
        scale = max(abs(primal_obj), abs(dual_obj), abs(p.offset), abs(float(p.c @ x)),
                    0.5 * abs(float(x @ qx)))
        gap = abs(primal_obj - dual_obj) / (1.0 + scale)
    if problem.sense == "maximize":
        primal_obj, dual_obj = -primal_obj, -dual_obj
    return Certificate(
        primal_residual=primal_res,
        dual_residual=dual_res,
        gap=gap,
        rel_primal_residual=primal_res / scale_p,
        rel_dual_residual=rel_dual,
        integrality_violation=int_viol,
        primal_objective=primal_obj,
        dual_objective=dual_obj,
    )


def _by_block(blocks: list[Block], vector: np.ndarray | None) -> dict[str, np.ndarray]:
    if vector is None:
        return {}
    return {b.name: b.take(vector) for b in blocks}


_NO_POINT = frozenset({
    SolutionStatus.INFEASIBLE, SolutionStatus.UNBOUNDED, SolutionStatus.INFEASIBLE_OR_UNBOUNDED,
})


def finish(problem: Problem, out: BackendOutput, *, fallbacks: list[str] | None = None) -> Solution:
    """Turn a backend's output into a :class:`Solution` (user's sense, per-block views, certificate)."""
    status = SolutionStatus(out.status)
    x = None if out.x is None else np.asarray(out.x, dtype=float) + 0.0  # + 0.0 turns -0.0 into 0.0
    # A point that comes with "infeasible" or "unbounded" is the backend's last iterate, not an
    # answer: it is not reported (the objective of an unbounded problem is -inf / +inf).
    has_point = (
        x is not None
        and status not in _NO_POINT
        and x.shape == (problem.n_vars,)
        and bool(np.all(np.isfinite(x)))
    )
    if not has_point:
        x = None
    flip = -1.0 if problem.sense == "maximize" else 1.0
    if has_point:
        objective = problem.objective(x)
    elif status == SolutionStatus.UNBOUNDED:
        objective = -flip * np.inf
    else:
        objective = np.nan
    duals_ok = has_point and not problem.is_mip and out.y is not None and out.z is not None
    row_dual = flip * np.asarray(out.y, dtype=float) if duals_ok else None
    col_dual = flip * np.asarray(out.z, dtype=float) if duals_ok else None
    cert = (
        certify(problem, x, out.y if duals_ok else None, out.z if duals_ok else None, bound=out.bound)
        if has_point
        else None
    )
    bound = None if out.bound is None else flip * float(out.bound)
    return Solution(
        status=status,
        message=out.message,
        objective=objective,
        x=x,
        values=_by_block(problem.var_blocks, x),
        duals=_by_block(problem.row_blocks, row_dual),
        reduced_costs=_by_block(problem.var_blocks, col_dual),
        row_dual=row_dual,
        col_dual=col_dual,
        ranging_source=out.ranging,
        certificate=cert,
        bound=bound,
        backend=out.backend,
        time=out.time,
        iterations=out.iterations,
        problem=problem,
        warm=out.warm,
        fallbacks=list(fallbacks or []),
    )
