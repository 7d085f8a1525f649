r"""Limited-memory BFGS, on scipy's L-BFGS-B, stopped by our certificate.

scipy's L-BFGS-B is a well-kept implementation of the two-loop recursion with a Moré-Thuente
line search and bound handling [1]_; we do not rewrite it. What we add is the stopping rule:
scipy's own tests (``ftol`` on the relative decrease, ``gtol`` on the projected gradient) are
switched off, and the run stops when *our* certificate (duality gap, gradient or projected
gradient norm) is at or under ``tol``, evaluated once per iteration with the gradient scipy
already computed, so certification costs no extra pass where the certificate is a gradient norm.

References
----------
.. [1] R. H. Byrd, P. Lu, J. Nocedal and C. Zhu, "A limited memory algorithm for bound
   constrained optimization", SIAM J. Scientific Computing 16(5), 1995.
"""

from __future__ import annotations

import contextlib
import os

import numpy as np
import scipy.optimize

from optimlab._validation import check_int
from optimlab.objectives.objective import BaseObjective
from optimlab.result import Result
from optimlab.solvers._monitor import Monitor
from optimlab.solvers._registry import initial_point, register

__all__ = ["lbfgs"]

_MAX_RESTARTS = 3
_SCIPY_BLAS = []


def _scipy_blas_one_thread():
    """Context that runs scipy's own BLAS (the one L-BFGS-B links) on one thread.

    L-BFGS-B's linear algebra is on ``m x m`` matrices and a few vectors of the problem's size:
    microseconds of work, for which a threaded OpenBLAS waits on its helper threads. On a loaded
    machine the wait costs milliseconds per iteration (a9a, 124 variables: 2 of 2.6 s in
    ``setulb``). Only a BLAS shipped inside scipy's package is limited, so the objective's own
    products with ``X`` (numpy's BLAS) keep their threads; where scipy and numpy share one BLAS
    (conda), or threadpoolctl is missing, nothing changes.
    """
    if not _SCIPY_BLAS:
        try:
            from threadpoolctl import ThreadpoolController

            controller = ThreadpoolController()
            root = os.path.dirname(os.path.dirname(os.path.abspath(scipy.__file__)))
            paths = [lib.filepath for lib in controller.lib_controllers
                     if lib.user_api == "blas" and os.path.abspath(lib.filepath).startswith(
                         (os.path.join(root, "scipy.libs"), os.path.join(root, "scipy") + os.sep))]
            _SCIPY_BLAS.append(controller.select(filepath=paths) if paths else None)
        except Exception:  # threadpoolctl absent or unable to inspect this platform's libraries
            _SCIPY_BLAS.append(None)
    selected = _SCIPY_BLAS[0]
    return selected.limit(limits=1) if selected is not None else contextlib.nullcontext()


class _GradCache:
    """Remembers the last (x, f, g) so the per-iteration certificate reuses scipy's evaluation."""

    def __init__(self, objective: BaseObjective, bounded: bool):
        # With a box, the box is handled by L-BFGS-B and the rest of the objective is smooth.
        self.evaluate = objective.smooth_value_and_grad if bounded else objective.value_and_grad
        self.x = None
        self.f = None
        self.g = None

    def __call__(self, x):
        f, g = self.evaluate(x)
        self.x, self.f, self.g = x.copy(), f, g
        return f, g

    def at(self, x):
        if self.x is not None and np.array_equal(self.x, x):
            return self.f, self.g
        return None, None


@register("lbfgs", requires={"gradient"}, handles={"bounds"},
          summary="L-BFGS-B (scipy's) with certificate-based stopping.")
def lbfgs(
    objective: BaseObjective,
    x0=None,
    *,
    tol: float = 1e-6,
    max_iter: int = 1000,
    time_limit: float | None = None,
    callback=None,
    memory: int = 10,
) -> Result:
    r"""Limited-memory BFGS with bounds (L-BFGS-B), stopped on the optimality certificate.

    Builds a rank-``2m`` approximation of the inverse Hessian from the last ``m`` pairs
    :math:`(s_k, y_k) = (x_{k+1} - x_k, \nabla f_{k+1} - \nabla f_k)` and moves along the
    quasi-Newton direction (projected onto the box when there are bounds).

    Parameters
    ----------
    objective : BaseObjective
        Smooth objective (no L1 term); box bounds are handled.
    x0 : array-like, optional
    tol : float, default 1e-6
        Stop when the certificate is at or under ``tol``.
    max_iter : int, default 1000
    time_limit : float, optional
    callback : callable, optional
        ``callback(result_so_far)`` once per iteration; raise ``StopIteration`` to stop.
    memory : int, default 10
        Number of correction pairs ``m``.

    Returns
    -------
    Result
        When scipy's line search can make no more progress before the certificate reaches
        ``tol`` (typically at the limit of floating-point precision), ``success`` is False and
        the message gives scipy's reason.
    """
    memory = check_int(memory, "memory", low=1)
    mon = Monitor(objective, "lbfgs", tol=tol, max_iter=max_iter, time_limit=time_limit,
                  callback=callback)
    box = objective.box()
    x = initial_point(objective, x0)
    cache = _GradCache(objective, box is not None)
    f, g = cache(x)
    if mon.check(x, fun=f, grad=None if box is not None else g, advance=False):
        return mon.finish()

    def on_iteration(intermediate_result):
        xk = intermediate_result.x
        fk, gk = cache.at(xk)
        if mon.check(xk, fun=fk, grad=None if box is not None else gk):
            raise StopIteration

    bounds = None if box is None else scipy.optimize.Bounds(*box)
    # scipy stops by itself only when a line search cannot decrease f any more (f is at its
    # floating-point resolution while the gradient may still be above tol). A restart with
    # fresh curvature pairs often gets the last digits; a few are tried before giving up.
    for _restart in range(_MAX_RESTARTS + 1):
        with _scipy_blas_one_thread():
            out = scipy.optimize.minimize(
                cache, x, jac=True, method="L-BFGS-B", bounds=bounds, callback=on_iteration,
                options={"maxiter": max_iter - mon.n_iter + 1, "maxfun": 50 * (max_iter + 1),
                         "ftol": 0.0, "gtol": 0.0, "maxcor": memory},
            )
        if mon.status is not None or np.array_equal(out.x, x):
            break
        x = out.x
    if mon.status is None:
        mon.stall(f"scipy L-BFGS-B: {out.message}")
    return mon.finish()
