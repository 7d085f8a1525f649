r"""Working-set coordinate descent for GLMs with elastic-net-family penalties.

Minimizes

.. math::

    P(w, b) = \sum_i s_i\, \ell(y_i, x_i^\top w + b)
              + \lambda_1 \|w\|_1 + \frac{\lambda_2}{2} \|w\|_2^2

for the squared and logistic losses, in the manner of celer [2]_ and skglm [3]_: an outer loop
that certifies the full problem and an inner solver that only sees a small *working set* of
features.

**Outer iteration** (one :class:`~optimlab.solvers._monitor.Monitor` check each). From the
gradient :math:`\nabla F` at ``(w, b*)`` (``b*`` the best intercept for ``w``, which the iterate
takes after each subproblem):

1. the gradient is brought up to date only where it can matter: each feature keeps a bound
   :math:`|\nabla_j F| \le B_j + \|x_j\|\,\|d - d_{\text{ref}}\|` (``d`` the derivative of the
   datafit in the linear predictor, :math:`d_{\text{ref}}` the one of the last full pass), and a
   feature at zero whose bound is under :math:`\lambda_1` is not read; it can change neither the
   duality gap nor the optimality conditions, so this is exact, unlike strong rules. Along a
   warm-started path most features are not read at all, and a whole pass only happens when
   half of them would be. (This replaces gap-safe screening [4]_, which removes features for
   the optimum but still needs their gradient for the certificate of the iterate.)
2. the duality gap of the full problem (the certificate, the same as
   :meth:`~optimlab.objectives.Objective.duality_gap`);
3. the working set: the non-zero coefficients plus the features that violate the optimality
   conditions most (distance of :math:`-\nabla_j F` to the subdifferential), at least ``p0`` and
   twice the support, as skglm;
4. the subproblem on the working set is solved to ``0.3`` times the largest violation of the
   full problem.

**Squared loss subproblem**: cyclic coordinate descent with exact steps

.. math::

    w_j \leftarrow \frac{S_{\lambda_1 / L_j}\big(w_j - \nabla_j F(w, b) / L_j\big)}{1 + \lambda_2 / L_j},
    \qquad L_j = \sum_i s_i X_{ij}^2,

the intercept minimized exactly after each pass, and Anderson extrapolation of the iterates
every 5 passes, kept when it lowers the objective [3]_.

**Logistic loss subproblem**: proximal Newton restricted to the working set, as glmnet [1]_ and
skglm's ``ProxNewton``: the quadratic model of the loss with weights
:math:`h_i = s_i \sigma_i (1 - \sigma_i)` is minimized by coordinate passes on the weighted Gram
matrix of the working set (glmnet's covariance mode), followed by a backtracking (Armijo) line
search on the objective.

Dense ``X`` is read as Fortran-ordered columns, sparse ``X`` as CSC; all-zero columns are never
visited (their coefficient is 0).

References
----------
.. [1] J. Friedman, T. Hastie and R. Tibshirani, "Regularization paths for generalized linear
   models via coordinate descent", Journal of Statistical Software 33(1), 2010.
.. [2] M. Massias, A. Gramfort and J. Salmon, "Celer: a fast solver for the Lasso with dual
   extrapolation", ICML 2018.
.. [3] Q. Bertrand, Q. Klopfenstein, P.-A. Bannier, G. Gidel and M. Massias, "Beyond L1: faster
   and better sparse models with skglm", NeurIPS 2022.
.. [4] E. Ndiaye, O. Fercoq, A. Gramfort and J. Salmon, "Gap safe screening rules for sparsity
   enforcing penalties", JMLR 18, 2017.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from optimlab.objectives.objective import Objective
from optimlab.result import Result
from optimlab.solvers import _kernels
from optimlab.solvers._monitor import Monitor
from optimlab.solvers._registry import initial_point, register

__all__ = ["CDData", "cd", "cd_run"]

#: Smallest working set, and the ratio of the inner tolerance to the full problem's largest
#: optimality violation (skglm's and celer's choices).
_P0 = 10
_INNER_RATIO = 0.3
#: Iterates combined by Anderson extrapolation (skglm's K); 0 turns it off.
_ANDERSON = 5
#: Caps of one subproblem solve: CD passes (squared), Newton steps and their inner passes
#: (logistic). The inner relative threshold of a Newton direction is on the largest
#: Hessian-weighted squared change of a pass relative to the first pass.
_MAX_EPOCHS = 10_000
_MAX_NEWTON = 50
_MAX_INNER = 100
_INNER_TOL = 1e-4
#: Above this fraction of features to recompute, the whole gradient is, and becomes the
#: reference of the bounds of the others (see :func:`~optimlab.solvers._kernels.refresh_gradient`).
_FULL_FRACTION = 0.5


class CDData:
    """What coordinate descent reads from an objective's data, computed once.

    The layout of ``X`` for the kernels, the coordinate Lipschitz constants and the column norms
    depend on ``X``, ``y``, the weights and the datafit only, so a regularization path computes
    them once and shares them between the fits of every ``alpha``. The gradient state at the
    last solution (:class:`_Gradient`) does not depend on the penalty either: it is kept, so
    that the next fit of a path, started from that solution, does not compute it again.
    """

    def __init__(self, objective: Objective) -> None:
        X = objective.X_csc
        if sp.issparse(X):
            self.layout = (np.zeros((2, 2), order="F"), X.data, X.indices, X.indptr, True)
        else:
            empty = np.zeros(1, dtype=np.int32)
            self.layout = (X, np.zeros(1), empty, empty, False)
        # The coordinate Lipschitz constants are Objective.coordinate_lipschitz(), computed here
        # along with the norms, without its temporary copy of X and its threaded BLAS product.
        self.norms, self.lip = np.empty(objective.n_features), np.empty(objective.n_features)
        _kernels.column_norms(*self.layout, objective.s, self.norms, self.lip)
        self.lip *= objective.datafit.curvature
        self.squared = _kernels.datafit_code(objective.datafit) == _kernels.SQUARED
        self.last: _Gradient | None = None

    def datafit(self, objective: Objective, z) -> tuple[float, np.ndarray]:
        """Datafit value and derivative in ``z`` (compiled for the logistic loss)."""
        if self.squared:
            return objective.datafit.value_and_derivative(objective.y, z, objective.s)
        d = np.empty_like(z)
        return _kernels.logistic_value_and_derivative(objective.y, objective.s, z, d), d

    def full_gradient(self, objective: Objective, x) -> np.ndarray:
        """The datafit gradient in ``w`` at ``x``'s ``w`` and best intercept, every entry exact.

        It is kept as the state of the next fit started from ``x``.
        """
        p = objective.n_features
        w, b = x[:p], (x[p] if objective.fit_intercept else 0.0)
        z0 = np.empty(objective.n_samples)
        _kernels.linear_predictor_ws(*self.layout, w, np.flatnonzero(w), z0)
        state = _Gradient(self, objective)
        state.move(self, objective, w, np.array([b]), z0, adopt=False)
        state.refresh(self, w, np.inf)  # every entry can reach an infinite threshold
        state.x = np.array(x, copy=True)
        self.last = state
        return state.grad


class _Gradient:
    """The datafit gradient in ``w`` at ``(w, b*)``, exact wherever it can matter.

    ``b*`` is the best intercept for ``w``, ``z = Xw + b*``, ``loss`` the datafit value and ``d``
    its derivative in the linear predictor there (``grad = X^T d``). Entries that cannot reach
    the L1 threshold are only bounded, not recomputed
    (:func:`~optimlab.solvers._kernels.refresh_gradient`): they change neither the duality gap
    nor the working set.
    """

    def __init__(self, data: CDData, objective: Objective) -> None:
        p = objective.n_features
        self.grad = np.zeros(p)
        # Infinite bounds: every entry is computed, with the first derivative as the reference.
        self.bound = np.full(p, np.inf)
        self.fresh = np.zeros(p, dtype=bool)
        self.d_ref = np.zeros(objective.n_samples)
        self.d = np.zeros(objective.n_samples)
        self.b_star = 0.0
        self.z = self.loss = None
        self.x: np.ndarray | None = None

    def move(self, data: CDData, objective: Objective, w, b, z0, adopt: bool) -> None:
        """Go to the point ``(w, b[0])`` with ``z0 = X w``: new ``b*`` and ``d``, no entry exact.

        With ``adopt``, the iterate takes the best intercept (``b[0] = b*``, a descent step that
        spares evaluating the datafit at two intercepts).
        """
        y, s = objective.y, objective.s
        self.b_star = b[0]
        if objective.fit_intercept:
            self.b_star = (objective.datafit.optimal_intercept(y, z0, s, b[0]) if data.squared
                           else _kernels.logistic_intercept(y, s, z0, b[0]))
            if adopt:
                b[0] = self.b_star
        self.z = z0 + self.b_star
        self.loss, self.d = data.datafit(objective, self.z)
        self.fresh[:] = False
        objective.n_fev += 1

    def refresh(self, data: CDData, w, l1: float) -> None:
        """Make exact every entry that can reach ``l1`` (and those of the support)."""
        _kernels.refresh_gradient(*data.layout, self.d, data.norms, w, l1, _FULL_FRACTION, self.grad,
                                  self.bound, self.d_ref, self.fresh)


def _gap(objective: Objective, data: CDData, w, b: float, z0, state: _Gradient):
    """Primal value at ``(w, b)`` and duality gap, as :meth:`Objective.duality_gap`."""
    penalty = objective.penalty
    loss = state.loss if b == state.b_star else data.datafit(objective, z0 + b)[0]
    primal = loss + penalty.value(w)
    c = penalty.dual_scale(state.grad)
    y, s = objective.y, objective.s
    dual = (objective.datafit.dual_value(y, state.z, s, c) if data.squared
            else _kernels.logistic_dual_value(y, s, state.d, c))
    dual -= penalty.conjugate(c * state.grad)
    return primal, max(primal - dual, 0.0)


def cd_run(
    objective: Objective,
    x0=None,
    *,
    tol: float,
    max_iter: int,
    time_limit: float | None = None,
    callback=None,
    data: CDData | None = None,
    warn: bool = True,
) -> Result:
    """The engine behind :func:`cd`; ``data`` shares precomputed pieces between fits (paths).

    Every certificate is the duality gap of the full problem: the gradient entries left
    outdated are provably under the L1 threshold, where they do not change it.
    """
    mon = Monitor(objective, "cd", tol=tol, max_iter=max_iter, time_limit=time_limit, callback=callback)
    data = CDData(objective) if data is None else data
    x = initial_point(objective, x0)
    p = objective.n_features
    w = x[:p]
    b = x[p:] if objective.fit_intercept else np.zeros(1)
    # Coefficients of all-zero columns are optimal at 0 and never visited.
    w[data.lip == 0.0] = 0.0
    y, s = objective.y, objective.s
    l1, l2 = float(objective.penalty.l1_weight), float(objective.penalty.l2_weight)
    z0 = np.empty(objective.n_samples)
    _kernels.linear_predictor_ws(*data.layout, w, np.flatnonzero(w), z0)
    state, data.last = data.last, None  # not valid while this run moves the point
    if state is None or not np.array_equal(state.x, x):
        state = _Gradient(data, objective) if state is None else state
        state.move(data, objective, w, b, z0, adopt=False)
    advance = False  # the first check is the starting point's
    while True:
        state.refresh(data, w, l1)
        primal, gap = _gap(objective, data, w, b[0], z0, state)
        if mon.check(x, fun=primal, certificate=gap, advance=advance):
            break
        advance = True
        ws, largest = _kernels.select_working_set(w, state.grad, l1, l2, _P0)
        tol_in = _INNER_RATIO * largest
        if ws.size == 0:
            # Every coefficient is optimal: only the intercept can still move.
            if not objective.fit_intercept or b[0] == state.b_star:
                mon.stall("every feature satisfies the optimality conditions to rounding")
                break
            b[0] = state.b_star
        elif data.squared:
            r = z0 + b[0] - y
            _kernels.ws_cd_squared(*data.layout, y, s, w, b, r, data.lip, ws, l1, l2,
                                   objective.fit_intercept, tol_in, _MAX_EPOCHS, _ANDERSON)
        else:
            # Newton starts from the gradient's point, (w, b*), where the datafit and the gradient
            # on the working set (exact there: it holds the support and entries above l1) are known.
            b[0] = state.b_star
            _kernels.ws_prox_newton(*data.layout, y, s, w, b, state.z.copy(), state.loss, state.d.copy(),
                                    state.grad[ws], ws, l1, l2, objective.fit_intercept, tol_in,
                                    _MAX_NEWTON, _MAX_INNER, _INNER_TOL)
        # An exact X w each outer iteration (the working set holds the support): rounding errors
        # of the incremental updates of the kernels do not accumulate into the certificate.
        _kernels.linear_predictor_ws(*data.layout, w, ws, z0)
        state.move(data, objective, w, b, z0, adopt=True)
    # Every stop follows a check, so the state is at x.
    state.x = x.copy()
    data.last = state
    return mon.finish(warn=warn)


@register("cd", requires={"coordinates"}, handles={"nonsmooth"},
          summary="Working-set coordinate descent (squared/logistic, elastic net), dense or sparse.")
def cd(
    objective: Objective,
    x0=None,
    *,
    tol: float = 1e-6,
    max_iter: int = 1000,
    time_limit: float | None = None,
    callback=None,
) -> Result:
    r"""Working-set coordinate descent: CD for the squared loss, proximal Newton for the logistic.

    One iteration is one outer iteration: the full gradient and duality gap, screening, a new
    working set and the subproblem solved on it (see the module docstring).

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
        Stop when the certificate (duality gap, or subgradient norm without a dual) of the full
        problem is at or under ``tol``.
    max_iter : int, default 1000
        Maximum number of outer iterations.
    time_limit : float, optional
        Seconds.
    callback : callable, optional
        ``callback(result_so_far)`` once per outer iteration; raise ``StopIteration`` to stop.

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
    return cd_run(objective, x0, tol=tol, max_iter=max_iter, time_limit=time_limit, callback=callback)
