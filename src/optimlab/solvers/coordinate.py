r"""Cyclic coordinate descent for GLMs with elastic-net-family penalties.

Minimizes

.. math::

    P(w, b) = \sum_i s_i\, \ell(y_i, x_i^\top w + b)
              + \lambda_1 \|w\|_1 + \frac{\lambda_2}{2} \|w\|_2^2

for the squared and logistic losses.

**Squared loss**: cyclic coordinate descent. Coordinate ``j`` takes the exact minimizing step

.. math::

    w_j \leftarrow \frac{S_{\lambda_1 / L_j}\big(w_j - \nabla_j F(w, b) / L_j\big)}{1 + \lambda_2 / L_j},
    \qquad L_j = \sum_i s_i X_{ij}^2, \quad S_\tau(u) = \operatorname{sign}(u) \max(|u| - \tau, 0),

and the intercept is one more (unpenalized, exactly minimized) coordinate. One iteration is one
pass over the features and the intercept.

**Logistic loss**: proximal Newton, as glmnet [1]_ and skglm [3]_. Each iteration builds the
quadratic model of the loss at the current linear predictor,
:math:`\nabla F^\top X\Delta + \tfrac12 \sum_i h_i (X\Delta)_i^2` with
:math:`h_i = s_i \sigma_i (1 - \sigma_i)`, minimizes it plus the penalty by the same cyclic
coordinate steps (with :math:`L_j = \sum_i h_i X_{ij}^2`), and moves along the direction with a
backtracking (Armijo) line search on the full objective. One iteration is one Newton step.

The linear predictor :math:`z = Xw + b` is kept up to date, so a coordinate costs one pass over
its column (its non-zeros for sparse ``X``, read from CSC); it is recomputed exactly once per
iteration. All-zero columns are skipped (their coefficient is 0).

References
----------
.. [1] J. Friedman, T. Hastie and R. Tibshirani, "Regularization paths for generalized linear
   models via coordinate descent", Journal of Statistical Software 33(1), 2010.
.. [2] S. J. Wright, "Coordinate descent algorithms", Mathematical Programming 151, 2015.
.. [3] Q. Bertrand, Q. Klopfenstein, P.-A. Bannier, G. Gidel and M. Massias, "Beyond L1: faster
   and better sparse models with skglm", NeurIPS 2022.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from optimlab.objectives.objective import Objective
from optimlab.result import Result
from optimlab.solvers import _kernels
from optimlab.solvers._monitor import Monitor
from optimlab.solvers._registry import initial_point, register

__all__ = ["cd"]

#: Inner coordinate passes of a proximal Newton step, and their relative stopping threshold
#: (on the largest Hessian-weighted squared change of a pass, relative to the first pass);
#: a loose cap made a9a (correlated one-hot columns) 2x slower through extra Newton steps.
_MAX_INNER = 100
_INNER_TOL = 1e-4


@register("cd", requires={"coordinates"}, handles={"nonsmooth"},
          summary="Cyclic coordinate descent (squared/logistic, elastic net), dense or sparse.")
def cd(
    objective: Objective,
    x0=None,
    *,
    tol: float = 1e-6,
    max_iter: int = 1000,
    time_limit: float | None = None,
    callback=None,
) -> Result:
    r"""Coordinate descent: cyclic for the squared loss, proximal Newton for the logistic loss.

    One iteration is one pass over the features and the intercept (squared loss) or one
    proximal Newton step whose direction is found by such passes (logistic loss); see the
    module docstring.

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
        Maximum number of iterations (epochs, or Newton steps for the logistic loss).
    time_limit : float, optional
        Seconds.
    callback : callable, optional
        ``callback(result_so_far)`` once per iteration; raise ``StopIteration`` to stop.

    Returns
    -------
    Result

    Examples
    --------
    >>> import numpy as np
    >>> from optimlab.objectives import Objective, L1
    >>> from optimlab.solvers.coordinate import cd
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 20)); y = X[:, 0] - 2 * X[:, 1]
    >>> res = cd(Objective(X, y, penalty=L1(0.1)))
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
    fit_intercept = objective.fit_intercept
    # Coefficients of all-zero columns are optimal at 0 and never visited.
    w[lip[:p] == 0.0] = 0.0
    X = objective.X_csc
    layout = (X.data, X.indices, X.indptr) if sp.issparse(X) else (X,)
    newton = kind == _kernels.LOGISTIC
    while True:
        # The cached linear predictor of the last checked iterate: an exact restart each epoch,
        # so rounding errors of the incremental updates do not accumulate.
        z = np.array(objective.linear_predictor(x), dtype=np.float64)
        if newton:
            step = _kernels.prox_newton_step_csc if len(layout) == 3 else _kernels.prox_newton_step_dense
            step(*layout, y, s, w, b, z, l1, l2, fit_intercept, _MAX_INNER, _INNER_TOL)
        else:
            epoch = _kernels.cd_epoch_csc if len(layout) == 3 else _kernels.cd_epoch_dense
            epoch(*layout, y, s, w, b, z, lip, kind, l1, l2, fit_intercept)
        if mon.check(x):
            break
    return mon.finish()
