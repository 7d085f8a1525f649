r"""SAGA: a variance-reduced stochastic proximal gradient method for GLMs.

The datafit is written as an average of per-sample functions,
:math:`F(x) = \frac1n \sum_i f_i(x)` with :math:`f_i = n\, s_i\, \ell(y_i, x_i^\top W + b)`, and
the penalty :math:`g` enters through its prox. SAGA keeps the last derivative of every
:math:`f_i` in a table and, for a sample ``j`` drawn uniformly,

.. math::

    x \leftarrow \operatorname{prox}_{\gamma g}\Big(x - \gamma\big(\nabla f_j(x)
        - \nabla f_j(\phi_j) + \tfrac1n \textstyle\sum_i \nabla f_i(\phi_i)\big)\Big),
    \qquad \phi_j \leftarrow x .

For GLMs :math:`\nabla f_i` is :math:`x_i` times the derivative of the loss in the linear
predictor, so the table holds ``n x K`` numbers. The step is :math:`\gamma = 1 / (3 L_{\max})`
with :math:`L_{\max} = \max_i c\, n s_i (\|x_i\|^2 + 1_{\text{intercept}})` the largest
per-sample Lipschitz constant (``c`` the curvature bound of the loss), the step of the paper's
convergence theorem. One iteration is one epoch: ``n`` updates.

References
----------
.. [1] A. Defazio, F. Bach and S. Lacoste-Julien, "SAGA: a fast incremental gradient method with
   support for non-strongly convex composite objectives", NeurIPS 2014.
.. [2] M. Schmidt, N. Le Roux and F. Bach, "Minimizing finite sums with the stochastic average
   gradient", Mathematical Programming 162, 2017.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from optimlab._validation import check_random_state, check_real
from optimlab.objectives.objective import Objective
from optimlab.result import Result
from optimlab.solvers import _kernels
from optimlab.solvers._monitor import Monitor
from optimlab.solvers._registry import initial_point, register

__all__ = ["saga", "saga_step_size"]


def saga_step_size(objective: Objective) -> float:
    r"""The default step :math:`1 / (3 L_{\max})` (see the module docstring)."""
    X = objective.X
    sq = np.asarray(X.multiply(X).sum(axis=1)).ravel() if sp.issparse(X) else np.einsum("ij,ij->i", X, X)
    lip = objective.datafit.curvature * objective.n_samples * objective.s * (sq + objective.fit_intercept)
    l_max = float(np.max(lip))
    return 1.0 / (3.0 * l_max) if l_max > 0 else 1.0


@register("saga", requires={"samples"}, handles={"nonsmooth"}, stochastic=True,
          summary="SAGA, variance-reduced stochastic proximal gradient (squared/logistic/multinomial).")
def saga(
    objective: Objective,
    x0=None,
    *,
    tol: float = 1e-6,
    max_iter: int = 1000,
    time_limit: float | None = None,
    callback=None,
    random_state=None,
    learning_rate: float | None = None,
) -> Result:
    r"""SAGA with a proximal step for the penalty (one iteration is one epoch of ``n`` updates).

    Parameters
    ----------
    objective : Objective
        A GLM objective (squared, logistic or multinomial datafit) with an elastic-net-family
        penalty (:class:`~optimlab.objectives.L1`, :class:`~optimlab.objectives.L2`,
        :class:`~optimlab.objectives.ElasticNet` or none); dense or sparse ``X`` (sparse rows are
        read from CSR).
    x0 : array-like, optional
        Starting point ``[coef.ravel(), intercept(s)]`` (warm start). The gradient table starts
        at the per-sample derivatives in ``x0``.
    tol : float, default 1e-6
        Stop when the certificate (duality gap, or subgradient norm without a dual) is at or
        under ``tol``; it is evaluated once per epoch.
    max_iter : int, default 1000
        Maximum number of epochs.
    time_limit : float, optional
        Seconds.
    callback : callable, optional
        ``callback(result_so_far)`` once per epoch; raise ``StopIteration`` to stop.
    random_state : None, int or numpy Generator
        Seed of the sampling (with replacement); the same seed gives the same result.
    learning_rate : float, optional
        Step size :math:`\gamma`; default :func:`saga_step_size`, :math:`1/(3L_{\max})`.

    Returns
    -------
    Result

    Examples
    --------
    >>> import numpy as np
    >>> from optimlab.objectives import Objective, L2
    >>> from optimlab.solvers.variance_reduced import saga
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 5)); y = (X[:, 0] > 0).astype(int)
    >>> res = saga(Objective(X, y, datafit="logistic", penalty=L2(0.1)), random_state=0)
    >>> bool(res.success)
    True
    """
    rng = check_random_state(random_state)
    step = check_real(learning_rate, "learning_rate", low=0.0, low_open=True, allow_none=True)
    mon = Monitor(objective, "saga", tol=tol, max_iter=max_iter, time_limit=time_limit,
                  callback=callback)
    x = initial_point(objective, x0)
    if mon.check(x, advance=False):
        return mon.finish()
    if step is None:
        step = saga_step_size(objective)
    n, p, K = objective.n_samples, objective.n_features, objective.n_outputs
    W = x[: objective.n_coef].reshape(p, K)
    b = x[objective.n_coef :] if objective.fit_intercept else np.zeros(K)
    Y = objective.y.reshape(n, -1)
    ns = n * objective.s
    kind = _kernels.datafit_code(objective.datafit)
    l1, l2 = float(objective.penalty.l1_weight), float(objective.penalty.l2_weight)
    X = objective.X_csr
    _, d = objective.datafit.value_and_derivative(objective.y, objective.linear_predictor(x), objective.s)
    table = n * np.asarray(d, dtype=np.float64).reshape(n, K)
    while True:
        # Exact averages once per epoch; the kernel updates them incrementally in between.
        avg = np.ascontiguousarray(np.asarray(X.T @ table).reshape(p, K) / n)
        avg_b = table.sum(axis=0) / n
        order = rng.integers(0, n, size=n)
        if sp.issparse(X):
            _kernels.saga_epoch_csr(X.data, X.indices, X.indptr, Y, ns, W, b, table, avg, avg_b, order,
                                    kind, step, l1, l2, objective.fit_intercept)
        else:
            _kernels.saga_epoch_dense(X, Y, ns, W, b, table, avg, avg_b, order, kind, step, l1, l2,
                                      objective.fit_intercept)
        if mon.check(x):
            break
    return mon.finish()
