r"""Cyclic coordinate descent for GLMs with elastic-net-family penalties.

Minimizes

.. math::

    P(w, b) = \sum_i s_i\, \ell(y_i, x_i^\top w + b)
              + \lambda_1 \|w\|_1 + \frac{\lambda_2}{2} \|w\|_2^2

for the squared and logistic losses. Each coordinate takes a proximal step with its own
Lipschitz constant :math:`L_j = c \sum_i s_i X_{ij}^2` (``c`` the curvature bound of the loss):

.. math::

    w_j \leftarrow \frac{S_{\lambda_1 / L_j}\big(w_j - \nabla_j F(w, b) / L_j\big)}{1 + \lambda_2 / L_j},
    \qquad S_\tau(u) = \operatorname{sign}(u) \max(|u| - \tau, 0),

which is the exact minimizer along ``j`` for the squared loss and a majorization step for the
logistic loss. The intercept is one more coordinate, without penalty. The linear predictor
:math:`z = Xw + b` is kept up to date, so a coordinate costs one pass over its column (its
non-zeros for sparse ``X``), and it is recomputed exactly once per epoch.

References
----------
.. [1] J. Friedman, T. Hastie and R. Tibshirani, "Regularization paths for generalized linear
   models via coordinate descent", Journal of Statistical Software 33(1), 2010.
.. [2] S. J. Wright, "Coordinate descent algorithms", Mathematical Programming 151, 2015.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from optimlab.objectives.objective import Objective
from optimlab.result import Result
from optimlab.solvers import _kernels
from optimlab.solvers._monitor import Monitor
from optimlab.solvers._registry import initial_point, register

__all__ = ["coordinate_descent"]


@register("cd", requires={"coordinates"}, handles={"nonsmooth"},
          summary="Cyclic coordinate descent (squared/logistic, elastic net), dense or sparse.")
def coordinate_descent(
    objective: Objective,
    x0=None,
    *,
    tol: float = 1e-6,
    max_iter: int = 1000,
    time_limit: float | None = None,
    callback=None,
) -> Result:
    r"""Cyclic coordinate descent (one iteration is one pass over the features and the intercept).

    Parameters
    ----------
    objective : Objective
        A GLM objective with a :class:`~optimlab.objectives.Squared` or
        :class:`~optimlab.objectives.Logistic` datafit and an elastic-net-family penalty
        (:class:`~optimlab.objectives.L1`, :class:`~optimlab.objectives.L2`,
        :class:`~optimlab.objectives.ElasticNet` or none); dense, CSR or CSC ``X``.
    x0 : array-like, optional
        Starting point ``[coef, intercept]`` (warm start).
    tol : float, default 1e-6
        Stop when the certificate (duality gap, or subgradient norm without a dual) is at or
        under ``tol``.
    max_iter : int, default 1000
        Maximum number of epochs.
    time_limit : float, optional
        Seconds.
    callback : callable, optional
        ``callback(result_so_far)`` once per epoch; raise ``StopIteration`` to stop.

    Returns
    -------
    Result

    Examples
    --------
    >>> import numpy as np
    >>> from optimlab.objectives import Objective, L1
    >>> from optimlab.solvers.coordinate import coordinate_descent
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 20)); y = X[:, 0] - 2 * X[:, 1]
    >>> res = coordinate_descent(Objective(X, y, penalty=L1(0.1)))
    >>> bool(res.success)
    True
    """
    mon = Monitor(objective, "cd", tol=tol, max_iter=max_iter, time_limit=time_limit, callback=callback)
    x = initial_point(objective, x0)
    if mon.check(x, advance=False):
        return mon.finish()
    p = objective.n_features
    w = x[:p]
    b = x[p:] if objective.fit_intercept else np.zeros(1)
    lip = objective.coordinate_lipschitz()
    if not objective.fit_intercept:
        lip = np.append(lip, 1.0)
    y, s = objective.y, objective.s
    kind = _kernels.datafit_code(objective.datafit)
    l1, l2 = float(objective.penalty.l1_weight), float(objective.penalty.l2_weight)
    X = objective.X_csc
    while True:
        # The cached linear predictor of the last checked iterate: an exact restart each epoch,
        # so rounding errors of the incremental updates do not accumulate.
        z = np.array(objective.linear_predictor(x), dtype=np.float64)
        if sp.issparse(X):
            _kernels.cd_epoch_csc(X.data, X.indices, X.indptr, y, s, w, b, z, lip, kind, l1, l2,
                                  objective.fit_intercept)
        else:
            _kernels.cd_epoch_dense(X, y, s, w, b, z, lip, kind, l1, l2, objective.fit_intercept)
        if mon.check(x):
            break
    return mon.finish()
