r"""Proximal gradient methods: ISTA and FISTA for :math:`\min_x f(x) + g(x)`.

``f`` is smooth (its gradient comes from the objective) and ``g`` is handled through its prox
(L1/elastic-net penalties, box constraints). The step is ``1/L``; ``L`` starts from the
objective's Lipschitz constant when it has one and is otherwise found by backtracking on the
sufficient-decrease condition

.. math:: f(x^+) \le f(y) + \nabla f(y)^\top (x^+ - y) + \tfrac{L}{2}\|x^+ - y\|^2 .

References
----------
.. [1] A. Beck and M. Teboulle, "A fast iterative shrinkage-thresholding algorithm for linear
   inverse problems", SIAM J. Imaging Sciences 2(1), 2009.
.. [2] B. O'Donoghue and E. Candès, "Adaptive restart for accelerated gradient schemes",
   Foundations of Computational Mathematics 15, 2015.
"""

from __future__ import annotations

import numpy as np

from optimlab._validation import check_real
from optimlab.objectives.objective import BaseObjective
from optimlab.result import Result
from optimlab.solvers._monitor import Monitor
from optimlab.solvers._registry import initial_point, register
from optimlab.solvers._steps import probe_lipschitz

__all__ = ["fista", "ista"]


def _prox_step(objective, y, fy, gy, L, known_L):
    """One proximal gradient step from ``y``; backtracks on ``L`` unless it is a known bound."""
    while True:
        x_new = objective.prox(y - gy / L, 1.0 / L)
        if known_L:
            return x_new, L
        d = x_new - y
        f_new = objective.smooth_value(x_new)
        if f_new <= fy + gy @ d + 0.5 * L * (d @ d) + 1e-12 * abs(fy):
            return x_new, L
        L *= 2.0
        if not np.isfinite(L) or L > 1e300:
            return None, L


def _initial_lipschitz(objective: BaseObjective, x: np.ndarray, g: np.ndarray,
                       lipschitz: float | None):
    if lipschitz is not None:
        return check_real(lipschitz, "lipschitz", low=0.0, low_open=True), True
    known = objective.lipschitz()
    if known is not None and known > 0:
        return float(known), True
    return probe_lipschitz(objective.smooth_value_and_grad, x, g), False


def _run(objective, x0, *, accelerated, name, tol, max_iter, time_limit, callback, lipschitz,
         restart):
    mon = Monitor(objective, name, tol=tol, max_iter=max_iter, time_limit=time_limit,
                  callback=callback)
    x = initial_point(objective, x0)
    if mon.check(x, advance=False):
        return mon.finish()
    fy, gy = objective.smooth_value_and_grad(x)
    L, known_L = _initial_lipschitz(objective, x, gy, lipschitz)
    y, t = x, 1.0
    while True:
        x_new, L = _prox_step(objective, y, fy, gy, L, known_L)
        if x_new is None:
            mon.fail("backtracking could not find a step size")
            break
        if accelerated:
            if restart and (y - x_new) @ (x_new - x) > 0:
                t, y = 1.0, x_new
            else:
                t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
                y = x_new + ((t - 1.0) / t_new) * (x_new - x)
                t = t_new
        else:
            y = x_new
        x = x_new
        if mon.check(x):
            break
        if not known_L:
            L *= 0.9  # let the step grow again when the local curvature is lower
        fy, gy = objective.smooth_value_and_grad(y)
    return mon.finish()


@register("ista", requires={"gradient", "prox"}, handles={"nonsmooth", "bounds"},
          summary="Proximal gradient descent (ISTA) with backtracking.")
def ista(
    objective: BaseObjective,
    x0=None,
    *,
    tol: float = 1e-6,
    max_iter: int = 10_000,
    time_limit: float | None = None,
    callback=None,
    lipschitz: float | None = None,
) -> Result:
    r"""Proximal gradient descent (ISTA).

    .. math:: x_{k+1} = \operatorname{prox}_{g/L}\big(x_k - \nabla f(x_k)/L\big)

    Parameters
    ----------
    objective : BaseObjective
        Needs the gradient of its smooth part and a prox; handles L1/elastic-net and bounds.
    x0 : array-like, optional
        Starting point (projected into the box, if there is one).
    tol : float
        Stop when the certificate (duality gap or subgradient norm) is at or under ``tol``.
    max_iter : int
    time_limit : float, optional
        Seconds.
    callback : callable, optional
        ``callback(result_so_far)`` once per iteration; raise ``StopIteration`` to stop.
    lipschitz : float, optional
        A known Lipschitz constant of the smooth gradient (skips backtracking).

    Returns
    -------
    Result
    """
    return _run(objective, x0, accelerated=False, name="ista", tol=tol, max_iter=max_iter,
                time_limit=time_limit, callback=callback, lipschitz=lipschitz, restart=False)


@register("fista", requires={"gradient", "prox"}, handles={"nonsmooth", "bounds"},
          summary="Accelerated proximal gradient (FISTA) with backtracking and adaptive restart.")
def fista(
    objective: BaseObjective,
    x0=None,
    *,
    tol: float = 1e-6,
    max_iter: int = 10_000,
    time_limit: float | None = None,
    callback=None,
    lipschitz: float | None = None,
    restart: bool = True,
) -> Result:
    r"""Accelerated proximal gradient (FISTA) with gradient-based adaptive restart.

    .. math::

        x_{k+1} = \operatorname{prox}_{g/L}\big(y_k - \nabla f(y_k)/L\big), \quad
        t_{k+1} = \tfrac{1 + \sqrt{1 + 4 t_k^2}}{2}, \quad
        y_{k+1} = x_{k+1} + \tfrac{t_k - 1}{t_{k+1}} (x_{k+1} - x_k)

    The momentum is reset (``t = 1``) whenever :math:`(y_k - x_{k+1})^\top (x_{k+1} - x_k) > 0`,
    which restores linear convergence on strongly convex problems [2]_.

    Parameters
    ----------
    objective, x0, tol, max_iter, time_limit, callback, lipschitz
        As for :func:`ista`.
    restart : bool, default True
        Adaptive (gradient) restart of the momentum.

    Returns
    -------
    Result
    """
    return _run(objective, x0, accelerated=True, name="fista", tol=tol, max_iter=max_iter,
                time_limit=time_limit, callback=callback, lipschitz=lipschitz, restart=restart)
