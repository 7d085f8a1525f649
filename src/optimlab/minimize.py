r"""``minimize``: one door for user-defined objectives, scipy's methods and optimlab's solvers.

:func:`minimize` takes scipy's signature. With one of scipy's methods it calls
:func:`scipy.optimize.minimize`; with one of optimlab's registered solvers (``"gd"``, ``"adam"``,
``"fista"``, ``"lbfgs"``, ...) it runs that solver on a
:class:`~optimlab.objectives.function.FunctionObjective` (or on an optimlab objective passed as
``fun``). Either way it returns one :class:`~optimlab.result.Result`, whose ``success`` comes from
optimlab's own optimality certificate and nothing else:

* unconstrained: the gradient norm :math:`\|\nabla f(x)\|_2`;
* bounds only: the projected-gradient norm :math:`\|x - \Pi_{[l,u]}(x - \nabla f(x))\|_2`;
* general constraints :math:`h(x) = 0`, :math:`c(x) \ge 0` (bounds included as rows of
  :math:`c`): the KKT residual

  .. math::

      r(x) = \min_{\lambda,\ \mu \ge 0}
      \Big(\|\nabla f - J_h^\top\lambda - J_c^\top\mu\|_2^2 + \|\mu \circ c(x)\|_2^2
      + \|h(x)\|_2^2 + \|\min(c(x), 0)\|_2^2\Big)^{1/2},

  stationarity of the Lagrangian, complementarity and primal infeasibility, with the multipliers
  that make it smallest (a bounded linear least-squares problem). Because the minimum is over
  all multipliers, the residual is never larger than the one scipy's own multipliers would give.

scipy's stopping tolerances are derived from ``tol`` so that scipy can reach the certificate
(scipy's defaults often stop early: SLSQP's ``ftol=1e-6`` is a bound on the change of the
objective, not on optimality). When scipy stops with the certificate still above ``tol``, the
method is restarted from the point reached with its derived tolerances a hundred times
tighter, at most ``max_restarts`` times (default 3) and only while the certificate keeps
decreasing; the result then says ``success=False`` with the certificate that shows why.
"""

from __future__ import annotations

import math
import re
import time
import warnings

import numpy as np
import scipy.optimize
import scipy.sparse as sp
from scipy.optimize import LinearConstraint, NonlinearConstraint

from optimlab._validation import check_int, check_real
from optimlab.exceptions import ConvergenceWarning, UnsupportedProblemError
from optimlab.objectives.function import FD_SCHEMES, FunctionObjective, fd_jacobian
from optimlab.objectives.objective import BaseObjective
from optimlab.result import STATUS_MESSAGES, History, Result, Status
from optimlab.solvers import _registry

__all__ = ["ML_OPTIONS", "SCIPY_METHODS", "minimize"]

#: scipy's methods, as scipy spells them.
SCIPY_METHODS = (
    "Nelder-Mead", "Powell", "CG", "BFGS", "Newton-CG", "L-BFGS-B", "TNC", "COBYLA", "COBYQA",
    "SLSQP", "trust-constr", "dogleg", "trust-ncg", "trust-exact", "trust-krylov",
)
_CANONICAL = {m.lower(): m for m in SCIPY_METHODS}

_DERIVATIVE_FREE = {"nelder-mead", "powell", "cobyla", "cobyqa"}
_BOUNDS = {"nelder-mead", "powell", "l-bfgs-b", "tnc", "cobyla", "cobyqa", "slsqp", "trust-constr"}
_CONSTRAINTS = {"cobyla", "cobyqa", "slsqp", "trust-constr"}
_HESS = {"newton-cg", "dogleg", "trust-ncg", "trust-constr", "trust-krylov", "trust-exact"}
_HESSP = {"newton-cg", "trust-ncg", "trust-constr", "trust-krylov"}
_HESS_MATRIX = {"dogleg", "trust-exact"}

_TRUST = {"initial_trust_radius", "max_trust_radius", "eta", "gtol", "maxiter", "disp", "workers",
          "subproblem_maxiter"}
_GRAD_FD = {"eps", "finite_diff_rel_step", "workers"}
#: The options each scipy method takes, in scipy's spelling (scipy 1.17).
_SCIPY_OPTIONS = {
    "nelder-mead": {"maxiter", "maxfev", "disp", "initial_simplex", "xatol", "fatol", "adaptive"},
    "powell": {"xtol", "ftol", "maxiter", "maxfev", "disp", "direc"},
    "cg": {"gtol", "norm", "maxiter", "disp", "c1", "c2"} | _GRAD_FD,
    "bfgs": {"gtol", "norm", "maxiter", "disp", "xrtol", "c1", "c2", "hess_inv0"} | _GRAD_FD,
    "newton-cg": {"xtol", "maxiter", "disp", "c1", "c2"} | _GRAD_FD,
    "l-bfgs-b": {"disp", "maxcor", "ftol", "gtol", "maxfun", "maxiter", "iprint", "maxls"} | _GRAD_FD,
    "tnc": {"scale", "offset", "mesg_num", "maxCGit", "eta", "stepmx", "accuracy", "minfev", "ftol",
            "xtol", "gtol", "rescale", "disp", "maxfun"} | _GRAD_FD,
    "cobyla": {"rhobeg", "rhoend", "maxiter", "disp", "catol", "f_target"},
    "cobyqa": {"disp", "maxfev", "maxiter", "f_target", "feasibility_tol", "initial_tr_radius",
               "final_tr_radius", "scale"},
    "slsqp": {"maxiter", "ftol", "iprint", "disp"} | _GRAD_FD,
    "trust-constr": {"xtol", "gtol", "barrier_tol", "sparse_jacobian", "maxiter", "verbose",
                     "initial_constr_penalty", "initial_tr_radius", "initial_barrier_parameter",
                     "initial_barrier_tolerance", "factorization_method", "disp"} | _GRAD_FD,
    "dogleg": set(_TRUST),
    "trust-ncg": set(_TRUST),
    "trust-exact": set(_TRUST),
    "trust-krylov": _TRUST | {"inexact"},
}
#: optimlab's names, shared by every method (mapped to scipy's spelling for scipy's methods).
_SHARED_SCIPY = {"tol", "max_iter", "time_limit", "max_restarts"}
#: Options of optimlab's solvers that no scipy method takes (named in the error message).
ML_OPTIONS = ("learning_rate", "batch_size", "momentum", "random_state")
_DEFAULT_TOL = 1e-6


class _Halt(Exception):
    """Raised from inside scipy's callback to stop the run (time limit or the user's StopIteration)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _describe(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unknown_method(method, ours) -> ValueError:
    return ValueError(
        f"Unknown method {method!r}. scipy's methods: {', '.join(SCIPY_METHODS)}. "
        f"optimlab's methods: {', '.join(sorted(ours)) or 'none registered'}."
    )


# -- constraints and the KKT residual -------------------------------------------------------------
def _dense(J, m: int, n: int, who: str) -> np.ndarray:
    if sp.issparse(J):
        J = J.toarray()
    elif not isinstance(J, np.ndarray | list | tuple) and hasattr(J, "matmat"):
        J = J @ np.eye(n)
    J = np.asarray(J, dtype=float)
    if J.size != m * n:
        raise ValueError(f"{who} must return a Jacobian of shape ({m}, {n}), got shape {J.shape}.")
    return J.reshape(m, n)


class _Constraints:
    """scipy's constraints (dicts, NonlinearConstraint, LinearConstraint) as ``h(x) = 0``, ``c(x) >= 0``."""

    def __init__(self, constraints, n: int) -> None:
        if constraints is None:
            constraints = ()
        if isinstance(constraints, dict | NonlinearConstraint | LinearConstraint):
            constraints = (constraints,)
        try:
            self.items = list(constraints)
        except TypeError:
            raise TypeError(
                "constraints must be a dict, a NonlinearConstraint, a LinearConstraint or a sequence "
                f"of them, got {_describe(constraints)}."
            ) from None
        self.n = n
        for item in self.items:
            if isinstance(item, dict):
                if item.get("type") not in ("eq", "ineq") or not callable(item.get("fun")):
                    raise ValueError(
                        "a constraint dict needs 'type' ('eq' or 'ineq') and a callable 'fun', "
                        f"got {_describe(item)}."
                    )
            elif not isinstance(item, NonlinearConstraint | LinearConstraint):
                raise TypeError(
                    "each constraint must be a dict, a NonlinearConstraint or a LinearConstraint, "
                    f"got {_describe(item)}."
                )

    def __bool__(self) -> bool:
        return bool(self.items)

    def evaluate(self, x: np.ndarray):
        """``(h, J_h, c, J_c)`` at ``x``, Jacobians from the user's or by finite differences."""
        n = self.n
        h, Jh, c, Jc = [], [], [], []
        for item in self.items:
            if isinstance(item, dict):
                args = tuple(item.get("args", ()))
                fun = item["fun"]
                val = np.atleast_1d(np.asarray(fun(x, *args), dtype=float)).ravel()
                jac = item.get("jac")
                if callable(jac):
                    J = _dense(jac(x, *args), val.size, n, "a constraint's jac")
                else:
                    J = np.atleast_2d(fd_jacobian(lambda z, f=fun, a=args: f(z, *a), x, f0=val))
                (h if item["type"] == "eq" else c).append(val)
                (Jh if item["type"] == "eq" else Jc).append(J)
                continue
            if isinstance(item, LinearConstraint):
                A = _dense(item.A, np.atleast_2d(item.A).shape[0] if not sp.issparse(item.A)
                           else item.A.shape[0], n, "LinearConstraint.A")
                val, J = A @ x, A
            else:
                val = np.atleast_1d(np.asarray(item.fun(x), dtype=float)).ravel()
                if callable(item.jac):
                    J = _dense(item.jac(x), val.size, n, "NonlinearConstraint.jac")
                else:
                    scheme = item.jac if item.jac in FD_SCHEMES else "3-point"
                    J = np.atleast_2d(fd_jacobian(item.fun, x, f0=val if scheme != "cs" else None,
                                                  scheme=scheme))
            lb = np.broadcast_to(np.asarray(item.lb, dtype=float), val.shape)
            ub = np.broadcast_to(np.asarray(item.ub, dtype=float), val.shape)
            eq = lb == ub
            h.append((val - lb)[eq])
            Jh.append(J[eq])
            for sign, bound in ((1.0, lb), (-1.0, ub)):
                keep = ~eq & np.isfinite(bound)
                c.append(sign * (val - bound)[keep])
                Jc.append(sign * J[keep])
        return _stack(h), _rows(Jh, n), _stack(c), _rows(Jc, n)


def _stack(parts) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0)


def _rows(parts, n: int) -> np.ndarray:
    return np.vstack(parts) if parts else np.zeros((0, n))


def _kkt_residual(grad: np.ndarray, x: np.ndarray, constraints: _Constraints, bounds) -> float:
    """The KKT residual of the module docstring, minimized over the multipliers."""
    n = x.size
    h, Jh, c, Jc = constraints.evaluate(x)
    if bounds is not None:
        eye = np.eye(n)
        lo, hi = np.isfinite(bounds.lb), np.isfinite(bounds.ub)
        c = np.concatenate([c, (x - bounds.lb)[lo], (bounds.ub - x)[hi]])
        Jc = np.vstack([Jc, eye[lo], -eye[hi]])
    me, mi = h.size, c.size
    infeasibility = float(np.sum(h * h) + np.sum(np.minimum(c, 0.0) ** 2))
    if me + mi == 0:
        return float(np.sqrt(grad @ grad + infeasibility))
    A = np.vstack([np.hstack([Jh.T, Jc.T]), np.hstack([np.zeros((mi, me)), np.diag(c)])])
    rhs = np.concatenate([grad, np.zeros(mi)])
    scale = np.maximum(np.linalg.norm(A, axis=0), 1e-300)
    if mi == 0:
        m = np.linalg.lstsq(A / scale, rhs, rcond=None)[0]
    else:
        lower = np.concatenate([np.full(me, -np.inf), np.zeros(mi)])
        m = scipy.optimize.lsq_linear(A / scale, rhs, bounds=(lower, np.inf), method="bvls").x
    resid = A @ (m / scale) - rhs
    return float(np.sqrt(resid @ resid + infeasibility))


# -- options -----------------------------------------------------------------------------------------
def _split_options(meth: str, options: dict, tol, n: int):
    """Our tol/max_iter/time_limit/max_restarts and scipy's options (user's and derived) for ``meth``."""
    accepted = _SCIPY_OPTIONS[meth]
    unknown = sorted(set(options) - accepted - _SHARED_SCIPY)
    if unknown:
        raise TypeError(
            f"method {_CANONICAL[meth]!r} does not take option(s) {unknown}; it takes "
            f"{sorted(_SHARED_SCIPY | accepted)} (scipy's spelling or optimlab's shared names)."
        )
    scipy_opts = {k: v for k, v in options.items() if k in accepted}
    limit_key = "maxfun" if meth == "tnc" else "maxiter"
    max_iter = options.get("max_iter")
    if max_iter is not None:
        if limit_key in scipy_opts:
            raise TypeError(f"give max_iter or {limit_key}, not both.")
        max_iter = check_int(max_iter, "max_iter", low=1)
        scipy_opts[limit_key] = max_iter
    elif limit_key in scipy_opts:
        max_iter = check_int(scipy_opts[limit_key], limit_key, low=1)
    if "rhoend" in scipy_opts:
        scipy_opts["tol"] = scipy_opts.pop("rhoend")
    time_limit = check_real(options.get("time_limit"), "time_limit", low=0.0, low_open=True,
                            allow_none=True)
    restarts = check_int(options.get("max_restarts", 3), "max_restarts", low=0)
    derived = {k: v for k, v in _derived_tolerances(meth, tol, n).items() if k not in scipy_opts}
    return scipy_opts, derived, max_iter, time_limit, restarts


def _derived_tolerances(meth: str, tol: float, n: int) -> dict:
    """scipy tolerances under which scipy's own test implies (roughly) ``certificate <= tol``.

    Tests on the infinity norm of the gradient get ``tol / sqrt(n)`` (so the 2-norm is under
    ``tol``) with a safety factor 1/2; tests on the change of ``f`` get ``tol**2`` (near a
    minimum the decrease is of the order of the squared gradient norm); tests on the step of ``x``
    get ``tol / 1000``.
    """
    g_inf = 0.5 * tol / math.sqrt(n)
    f_tol = max(tol * tol, 1e-300)
    x_tol = 1e-3 * tol
    table = {
        "nelder-mead": {"xatol": x_tol, "fatol": f_tol},
        "powell": {"xtol": x_tol, "ftol": f_tol},
        "cg": {"gtol": g_inf},
        "bfgs": {"gtol": g_inf},
        "newton-cg": {"xtol": x_tol},
        "l-bfgs-b": {"gtol": g_inf, "ftol": f_tol},
        "tnc": {"gtol": g_inf, "ftol": f_tol, "xtol": x_tol},
        "cobyla": {"tol": x_tol, "catol": x_tol},
        "cobyqa": {"final_tr_radius": x_tol, "feasibility_tol": x_tol},
        "slsqp": {"ftol": f_tol},
        "trust-constr": {"gtol": g_inf, "xtol": x_tol, "barrier_tol": x_tol},
    }
    return table.get(meth, {"gtol": 0.5 * tol})


# -- scipy's methods ---------------------------------------------------------------------------------
class _ScipyRun:
    """One call of :func:`minimize` with a scipy method: bookkeeping, certificate, history, callback."""

    def __init__(self, objective: FunctionObjective, meth: str, constraints: _Constraints, *,
                 tol: float, time_limit, callback) -> None:
        self.obj, self.meth, self.cons = objective, meth, constraints
        self.tol, self.time_limit, self.callback = tol, time_limit, callback
        self.t0 = time.perf_counter()
        self.history = History()
        self.n_iter = 0
        self.kind = "kkt_residual" if constraints else objective.certificate_kind

    def certificate(self, x: np.ndarray) -> float:
        if not self.cons:
            return self.obj.certificate(x)
        grad = self.obj.grad(x)
        return _kkt_residual(grad, x, self.cons, self.obj.bounds)

    def cheap_certificate(self, x: np.ndarray) -> float:
        """The certificate when the gradient is at hand (exact or cached), else NaN."""
        if self.obj.exact_gradient or self.obj.gradient_cached(x):
            return self.certificate(x)
        return np.nan

    def result(self, x, fun, cert, status, message, n_fev) -> Result:
        return Result(
            x=np.array(x, copy=True), fun=float(fun), success=bool(cert <= self.tol), status=status,
            message=message, n_iter=self.n_iter, n_fev=n_fev, certificate=float(cert),
            certificate_kind=self.kind, solver=_CANONICAL[self.meth],
            time=time.perf_counter() - self.t0, history=self.history, tol=self.tol,
        )

    def record(self, x, fun=None) -> tuple[float, float]:
        fun = self.obj.smooth_value(x) if fun is None else float(fun)
        cert = self.cheap_certificate(x)
        self.last = (np.array(x, copy=True), fun)
        self.history.append(self.n_iter, time.perf_counter() - self.t0, fun, cert)
        return fun, cert

    def scipy_callback(self, intermediate_result):
        if isinstance(intermediate_result, np.ndarray):  # TNC calls callback(xk)
            x, fun = intermediate_result, None
        else:
            x, fun = intermediate_result.x, intermediate_result.get("fun")
        self.n_iter += 1
        fun, cert = self.record(np.asarray(x, dtype=float), fun)
        if self.callback is not None:
            so_far = self.result(x, fun, cert, Status.MAX_ITER, "running", self.obj.n_fev)
            try:
                self.callback(so_far)
            except StopIteration:
                raise _Halt(Status.CALLBACK) from None
        if self.time_limit is not None and time.perf_counter() - self.t0 >= self.time_limit:
            raise _Halt(Status.TIME_LIMIT)


_LIMIT_MESSAGE = re.compile(r"max(imum)?\.? number|maxfun|maxiter|limit|exceed", re.IGNORECASE)


def _scipy_arguments(obj: FunctionObjective, meth: str, hess, hessp) -> dict:
    kwargs = {}
    if meth not in _DERIVATIVE_FREE:
        kwargs["jac"] = obj.grad
    if meth in _HESS:
        if callable(hess):
            kwargs["hess"] = lambda x, *_: obj.user_hessian(x)
        elif hess is not None:
            kwargs["hess"] = hess  # trust-constr's '2-point', BFGS(), ...
        elif meth in _HESS_MATRIX:
            kwargs["hess"] = lambda x, *_: obj.hessian(x)
    if meth in _HESSP and "hess" not in kwargs and (hessp is not None or meth != "trust-constr"):
        kwargs["hessp"] = lambda x, p, *_: obj.hessp(x, p)
    return kwargs


def _minimize_scipy(obj, meth, x0, constraints, hess, hessp, tol, options, callback) -> Result:
    n = obj.size
    if obj.bounds is not None and meth not in _BOUNDS:
        raise ValueError(
            f"method {_CANONICAL[meth]!r} cannot handle bounds; use one of "
            f"{', '.join(_CANONICAL[m] for m in sorted(_BOUNDS))} (or an optimlab method that handles "
            "bounds, such as 'fista')."
        )
    if constraints and meth not in _CONSTRAINTS:
        raise ValueError(
            f"method {_CANONICAL[meth]!r} cannot handle constraints; use one of "
            f"{', '.join(_CANONICAL[m] for m in sorted(_CONSTRAINTS))}."
        )
    if hess is not None and not callable(hess) and meth != "trust-constr":
        raise TypeError(f"hess must be callable for method {_CANONICAL[meth]!r}, got {_describe(hess)}.")
    scipy_opts, derived, max_iter, time_limit, restarts = _split_options(meth, options, tol, n)
    run = _ScipyRun(obj, meth, constraints, tol=tol, time_limit=time_limit, callback=callback)
    fev0 = obj.n_fev
    kwargs = _scipy_arguments(obj, meth, hess, hessp)
    if obj.bounds is not None:
        kwargs["bounds"] = scipy.optimize.Bounds(obj.lb, obj.ub)
    if constraints:
        kwargs["constraints"] = constraints.items
    x = obj.default_x0() if x0 is None else x0
    fun, _ = run.record(x)
    run.history.certificate[-1] = run.certificate(x)
    best = None  # the point with the smallest certificate among the ends of scipy's runs
    status, scipy_message, attempts, previous = None, "", 0, np.inf
    while True:
        opts = dict(scipy_opts, **derived)
        limit_key = "maxfun" if meth == "tnc" else "maxiter"
        if max_iter is not None:
            opts[limit_key] = max(1, max_iter - run.n_iter)
        try:
            res = scipy.optimize.minimize(obj.smooth_value, x, method=meth, callback=run.scipy_callback,
                                          options=opts, **kwargs)
        except _Halt as halt:
            status = halt.status
            x, fun = run.last
            cert = run.certificate(x)
            if best is None or cert <= best[2]:
                best = (x, fun, cert)
            break
        attempts += 1
        x = np.asarray(res.x, dtype=float)
        fun = obj.smooth_value(x)
        cert = run.certificate(x) if np.all(np.isfinite(x)) else np.inf
        scipy_message = f"scipy {_CANONICAL[meth]} (run {attempts}): {res.message}"
        improved = cert < 0.5 * previous
        previous = cert
        if best is None or cert <= best[2]:
            best = (x, fun, cert)
        if cert <= tol or not np.isfinite(cert):
            status = Status.CONVERGED if cert <= tol else Status.NUMERICAL
            break
        out_of_budget = max_iter is not None and run.n_iter >= max_iter
        if attempts > restarts or out_of_budget or not improved:
            if _LIMIT_MESSAGE.search(str(res.message)) or out_of_budget:
                status = Status.MAX_ITER
            else:
                status = Status.NOT_CERTIFIED if res.success else Status.NUMERICAL
            break
        derived = {k: v * 1e-2 for k, v in derived.items()}
    x, fun, cert = best
    if cert <= tol:
        status = Status.CONVERGED
    message = STATUS_MESSAGES[status] + (f" [{scipy_message}]" if scipy_message else "")
    if run.history.iteration and not np.array_equal(run.last[0], x):
        run.history.append(run.n_iter, time.perf_counter() - run.t0, fun, cert)
    elif run.history.iteration:
        run.history.certificate[-1] = cert
    result = run.result(x, fun, cert, status, message, obj.n_fev - fev0)
    result.history = run.history.freeze()
    return result


# -- optimlab's solvers --------------------------------------------------------------------------------
def _minimize_registry(objective, name, x0, tol, options, callback, registered) -> Result:
    spec = registered[name]
    accepted = set(spec.options) - {"callback"}
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise TypeError(
            f"method {name!r} does not take option(s) {unknown}; it takes {sorted(accepted)}."
        )
    opts = dict(options)
    if "tol" in accepted:
        opts["tol"] = tol
    if callback is not None:
        opts["callback"] = callback
    return _registry.solve(objective, name, x0, **opts)


def _default_ml_method(objective: BaseObjective, registered) -> str:
    able = [name for name in _registry.solvers_for(objective) if name in registered]
    for name in ("lbfgs", "fista"):
        if name in able:
            return name
    if not able:
        raise UnsupportedProblemError(f"No registered solver can minimize {objective!r}.")
    return able[0]


# -- the door ------------------------------------------------------------------------------------------
def minimize(fun, x0, args=(), *, method=None, jac=None, hess=None, hessp=None, bounds=None,
             constraints=(), tol=None, callback=None, options=None) -> Result:
    r"""Minimize a function with one of scipy's methods or one of optimlab's solvers.

    .. math:: \min_x f(x) \quad \text{s.t.} \quad l \le x \le u,\ h(x) = 0,\ c(x) \ge 0

    Parameters
    ----------
    fun : callable or BaseObjective
        ``fun(x, *args) -> float`` (scipy's convention), or an optimlab objective such as
        :class:`~optimlab.objectives.Objective` (then ``args``, ``jac``, ``hess``, ``hessp`` and
        ``bounds`` must be left out, and ``x0`` may be None).
    x0 : array-like, shape (n,)
        Starting point (projected into the bounds).
    args : tuple, optional
        Extra arguments of ``fun``, ``jac``, ``hess`` and ``hessp``.
    method : str, optional
        One of scipy's methods (:data:`SCIPY_METHODS`, case-insensitive) or a registered optimlab
        solver (``"gd"``, ``"adam"``, ``"sgd"``, ``"fista"``, ``"lbfgs"``, ``"newton"``, ...). Default:
        ``"SLSQP"`` with constraints, ``"L-BFGS-B"`` with bounds, ``"BFGS"`` otherwise; for an
        optimlab objective, ``"lbfgs"`` when it can solve it, else ``"fista"``.
    jac : callable, True, {"2-point", "3-point", "cs"} or None
        Gradient (see :class:`~optimlab.objectives.function.FunctionObjective`); None means
        central finite differences, which are also what scipy's gradient-based methods receive.
    hess, hessp : callable, optional
        Hessian, or Hessian-vector product; finite differences of the gradient when needed.
    bounds : sequence of (min, max), scipy.optimize.Bounds or optimlab Bounds, optional
    constraints : dict, NonlinearConstraint, LinearConstraint or a sequence of them
        scipy's forms; only for COBYLA, COBYQA, SLSQP and trust-constr.
    tol : float, optional
        Tolerance on the certificate (default 1e-6); ``success`` is ``certificate <= tol``.
    callback : callable, optional
        ``callback(result_so_far)`` once per iteration, with a :class:`~optimlab.result.Result`
        (for scipy's derivative-free methods its certificate is NaN, not computed); raise
        ``StopIteration`` to stop (status ``CALLBACK``).
    options : dict, optional
        Shared names: ``max_iter``, ``tol``, ``time_limit`` (seconds) for every method;
        ``max_restarts`` (default 3) for scipy's methods; ``learning_rate``, ``batch_size``,
        ``momentum``, ``random_state``, ... for the optimlab solvers that take them. scipy's own
        spellings (``maxiter``, ``ftol``, ``gtol``, ...) are accepted for scipy's methods;
        COBYLA's final trust-region radius is ``rhoend``. An option the method does not take is
        a ``TypeError`` listing those it does.

    Returns
    -------
    Result
        With ``success`` set from the certificate only; a scipy method that stops with the
        certificate above ``tol`` gives status ``NOT_CERTIFIED`` (or ``MAX_ITER``/``NUMERICAL``)
        and scipy's own message in ``message``.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.optimize import rosen
    >>> from optimlab.minimize import minimize
    >>> res = minimize(rosen, [-1.2, 1.0], method="BFGS")
    >>> res.success, np.round(res.x, 6)
    (True, array([1., 1.]))
    """
    options = {} if options is None else dict(options)
    if "callback" in options:
        raise TypeError("give the callback as minimize(..., callback=...), not in options.")
    if "tol" in options:
        if tol is not None and options["tol"] != tol:
            raise TypeError(f"tol given twice, as tol={tol!r} and options['tol']={options['tol']!r}.")
        tol = options.pop("tol")
    tol = _DEFAULT_TOL if tol is None else check_real(tol, "tol", low=0.0)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable, got {_describe(callback)}.")
    if method is not None and not isinstance(method, str):
        raise TypeError(f"method must be a string or None, got {_describe(method)}.")
    registered = _registry.available_solvers()
    meth = None if method is None else method.lower()
    if meth is not None and meth not in _CANONICAL and meth not in registered:
        raise _unknown_method(method, registered)

    if isinstance(fun, BaseObjective) and not isinstance(fun, FunctionObjective):
        for name, value in (("jac", jac), ("hess", hess), ("hessp", hessp), ("bounds", bounds)):
            if value is not None:
                raise TypeError(
                    f"{name} must be left out when fun is an optimlab objective (it has its own); "
                    f"got {name}={_describe(value)}."
                )
        if args:
            raise TypeError("args must be left out when fun is an optimlab objective.")
        if _Constraints(constraints, fun.size):
            raise ValueError(f"constraints are not supported with an optimlab objective {fun!r}.")
        if meth is None:
            meth = _default_ml_method(fun, registered)
        if meth not in _CANONICAL:
            return _minimize_registry(fun, meth, x0, tol, options, callback, registered)
        if not fun.smooth:
            raise UnsupportedProblemError(
                f"scipy's {_CANONICAL[meth]} needs a smooth objective, but {fun!r} has "
                f"{sorted(fun.features)} parts; use one of {', '.join(_registry.solvers_for(fun))}."
            )
        x0 = _registry.initial_point(fun, x0)
        objective = FunctionObjective(fun.value_and_grad, x0, jac=True, hessp=fun.hessp)
    else:
        if x0 is None:
            raise ValueError("x0 is required when fun is a Python function; got None.")
        objective = FunctionObjective(fun, x0, args, jac=jac, hess=hess if callable(hess) else None,
                                      hessp=hessp, bounds=bounds)
    cons = _Constraints(constraints, objective.size)
    if meth is None:
        meth = "slsqp" if cons else ("l-bfgs-b" if objective.bounds is not None else "bfgs")
    if meth not in _CANONICAL:
        if cons:
            raise ValueError(
                f"method {method!r} cannot handle constraints; use one of "
                f"{', '.join(_CANONICAL[m] for m in sorted(_CONSTRAINTS))}."
            )
        return _minimize_registry(objective, meth, objective.default_x0(), tol, options, callback,
                                  registered)
    result = _minimize_scipy(objective, meth, objective.default_x0(), cons, hess, hessp, tol, options,
                             callback)
    if not result.success and result.status != Status.CALLBACK:
        warnings.warn(
            f"{result.solver} stopped with certificate {result.certificate:.3e} > tol={tol:.1e}: "
            f"{result.message}",
            ConvergenceWarning,
            stacklevel=2,
        )
    return result
