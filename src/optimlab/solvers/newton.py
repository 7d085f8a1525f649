r"""Newton's method with an Armijo line search, for smooth objectives: Newton-CG or Newton-Cholesky.

**Newton-CG** (truncated Newton). Each iteration solves the Newton system
:math:`H_k d = -\nabla f(x_k)` approximately by conjugate gradients using only Hessian-vector
products, to the relative accuracy :math:`\eta_k = \min(1/2, \sqrt{\|\nabla f(x_k)\|})`
(Eisenstat-Walker forcing, giving superlinear convergence), and stops the inner loop at
directions of non-positive curvature. A backtracking line search on
:math:`f(x_k + t d) \le f(x_k) + c\, t\, \nabla f(x_k)^\top d` makes it globally convergent.
On a user function without ``hess``/``hessp``, Hessian-vector
products come from finite differences of the gradient (see
:class:`optimlab.objectives.function.FunctionObjective`).

**Newton-Cholesky**. When the objective offers its explicit Hessian (a GLM objective: the
weighted Gram matrix of ``[X, 1]``) and has few variables, the Newton system is solved exactly
by a Cholesky factorization, as scikit-learn's ``newton-cholesky`` and glum do. Forming the
Hessian costs about ``n p^2`` flops in BLAS-3, less than a few dozen Hessian-vector products
(each a pass over ``X``) when ``p`` is small, and exact steps converge quadratically.

References
----------
.. [1] J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer 2006,
   Algorithm 7.1 (line search Newton-CG).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from optimlab._validation import check_int
from optimlab.objectives.objective import BaseObjective
from optimlab.result import Result
from optimlab.solvers._monitor import Monitor
from optimlab.solvers._registry import initial_point, register

__all__ = ["newton"]

#: ``inner="auto"`` uses the explicit Hessian up to this many variables (a dense factorization
#: of at most 1000 x 1000 costs under 0.1 s, and forming it costs about ``n * size^2`` flops).
_CHOLESKY_MAX_SIZE = 1000
#: ... and when forming it costs at most this many Hessian-vector products (``hessian_cost``).
#: Measured on L2-logistic paths (20 alphas, 1 thread): a9a (sparse, cost 3.5) Cholesky 0.39 s
#: against CG 2.6 s; dense 16000 x 50 (cost 12.5) Cholesky 0.16 s against CG 0.12 s.
_CHOLESKY_MAX_COST = 8.0
_INNER = ("auto", "cg", "cholesky")


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


def _cholesky_direction(hess: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Solution of ``H d = -g`` by Cholesky, with a small damping where ``H`` is singular."""
    diag = np.einsum("ii->i", hess)
    # A relative damping of 1e-10 factorizes singular Hessians (the shift-invariant multinomial
    # intercepts, unregularized separable data) without changing the step elsewhere; it grows
    # only when the factorization still fails.
    damping = 1e-10 * max(float(np.mean(np.abs(diag))), np.finfo(float).tiny)
    for _ in range(6):
        diag += damping
        try:
            return -scipy.linalg.cho_solve(scipy.linalg.cho_factor(hess, check_finite=False), g,
                                           check_finite=False)
        except np.linalg.LinAlgError:
            damping *= 1e3
    return -g


@register("newton", requires={"gradient", "hessp"},
          summary="Newton (Newton-CG, or Newton-Cholesky for small GLMs) with Armijo line search.")
def newton(
    objective: BaseObjective,
    x0=None,
    *,
    tol: float = 1e-6,
    max_iter: int = 200,
    time_limit: float | None = None,
    callback=None,
    max_cg_iter: int | None = None,
    inner: str = "auto",
) -> Result:
    r"""Line-search Newton for smooth objectives, with a CG or a Cholesky inner solver.

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
    inner : {"cg", "cholesky", "auto"}, default "cg"
        How the Newton system is solved: ``"cg"`` approximately by conjugate gradients on
        Hessian-vector products, ``"cholesky"`` exactly with the explicit Hessian (objectives
        with the ``"hessian"`` capability, such as GLM objectives). ``"auto"`` takes
        ``"cholesky"`` when it is available, the objective has at most 1000 variables and
        forming the Hessian costs at most 8 Hessian-vector products
        (:meth:`~optimlab.objectives.Objective.hessian_cost`: sparse data with few non-zeros
        per row, or dense data with few features), else ``"cg"``.

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
    if inner not in _INNER:
        raise ValueError(f"inner must be one of {_INNER}, got {inner!r}.")
    has_hessian = "hessian" in objective.capabilities
    if inner == "cholesky" and not has_hessian:
        raise ValueError(
            "inner='cholesky' needs an objective with an explicit Hessian (the 'hessian' capability, "
            "e.g. a GLM Objective); use inner='cg'."
        )
    if inner == "auto":
        cheap = has_hessian and objective.size <= _CHOLESKY_MAX_SIZE and (
            objective.hessian_cost() <= _CHOLESKY_MAX_COST)
        inner = "cholesky" if cheap else "cg"
    f, g = objective.value_and_grad(x)
    if mon.check(x, fun=f, grad=g, advance=False):
        return mon.finish()
    while True:
        gnorm = float(np.linalg.norm(g))
        rtol = min(0.5, np.sqrt(gnorm))
        if inner == "cholesky":
            d = _cholesky_direction(objective.hessian(x), g)
        else:
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
