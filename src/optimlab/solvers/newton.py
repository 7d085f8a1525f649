r"""Truncated Newton (Newton-CG) with an Armijo line search, for smooth objectives.

Each iteration solves the Newton system :math:`H_k d = -\nabla f(x_k)` approximately by
conjugate gradients using only Hessian-vector products, to the relative accuracy
:math:`\eta_k = \min(1/2, \sqrt{\|\nabla f(x_k)\|})` (Eisenstat-Walker forcing, giving
superlinear convergence), and stops the inner loop at directions of non-positive curvature.
A backtracking line search on :math:`f(x_k + t d) \le f(x_k) + c\, t\, \nabla f(x_k)^\top d`
makes it globally convergent. On a user function without ``hess``/``hessp``, Hessian-vector
products come from finite differences of the gradient (see
:class:`optimlab.objectives.function.FunctionObjective`).

References
----------
.. [1] J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer 2006,
   Algorithm 7.1 (line search Newton-CG).
"""

from __future__ import annotations

import numpy as np

from optimlab._validation import check_int
from optimlab.objectives.objective import BaseObjective
from optimlab.result import Result
from optimlab.solvers._monitor import Monitor
from optimlab.solvers._registry import initial_point, register

__all__ = ["newton"]


def _cg_direction(hessp, g: np.ndarray, rtol: float, max_cg: int) -> np.ndarray:
    """Approximate solution of ``H d = -g`` by CG, truncated at negative curvature."""
    d = np.zeros_like(g)
    r = -g
    p = r.copy()
    rr = r @ r
    stop = rtol * np.sqrt(rr)
    for _ in range(max_cg):
        Hp = hessp(p)
        curv = p @ Hp
        if curv <= 1e-14 * (p @ p):
            # Non-positive curvature: use what CG has so far, or steepest descent on the first step.
            return d if np.any(d) else -g
        a = rr / curv
        d = d + a * p
        r = r - a * Hp
        rr_new = r @ r
        if np.sqrt(rr_new) <= stop:
            break
        p = r + (rr_new / rr) * p
        rr = rr_new
    return d


@register("newton", requires={"gradient", "hessp"},
          summary="Newton-CG (Hessian-vector products) with Armijo line search.")
def newton(
    objective: BaseObjective,
    x0=None,
    *,
    tol: float = 1e-6,
    max_iter: int = 200,
    time_limit: float | None = None,
    callback=None,
    max_cg_iter: int | None = None,
) -> Result:
    r"""Line-search Newton-CG for smooth objectives.

    Parameters
    ----------
    objective : BaseObjective
        Smooth (no L1 term, no bounds); needs gradients and Hessian-vector products.
    x0 : array-like, optional
    tol : float, default 1e-6
        Stop when the certificate is at or under ``tol``.
    max_iter : int, default 200
        Newton iterations.
    time_limit : float, optional
    callback : callable, optional
        ``callback(result_so_far)`` once per iteration; raise ``StopIteration`` to stop.
    max_cg_iter : int, optional
        Conjugate-gradient iterations per Newton step (default ``max(20, min(size, 200))``).

    Returns
    -------
    Result
    """
    mon = Monitor(objective, "newton", tol=tol, max_iter=max_iter, time_limit=time_limit,
                  callback=callback)
    x = initial_point(objective, x0)
    max_cg = check_int(max_cg_iter, "max_cg_iter", low=1, allow_none=True)
    if max_cg is None:
        max_cg = max(20, min(objective.size, 200))
    f, g = objective.value_and_grad(x)
    if mon.check(x, fun=f, grad=g, advance=False):
        return mon.finish()
    while True:
        gnorm = float(np.linalg.norm(g))
        rtol = min(0.5, np.sqrt(gnorm))
        d = _cg_direction(lambda v, x=x: objective.hessp(x, v), g, rtol, max_cg)
        slope = float(g @ d)
        if slope >= 0:  # not a descent direction (numerical trouble): fall back to the gradient
            d, slope = -g, -gnorm * gnorm
        t = 1.0
        while True:
            x_new = x + t * d
            f_new = objective.value(x_new)
            if np.isfinite(f_new) and f_new <= f + 1e-4 * t * slope:
                break
            t *= 0.5
            if t < 1e-12:
                break
        if t < 1e-12:
            mon.stall("the line search could not decrease the objective; "
                      "floating-point precision may be reached")
            break
        x = x_new
        f, g = objective.value_and_grad(x)
        if mon.check(x, fun=f, grad=g):
            break
    return mon.finish()
