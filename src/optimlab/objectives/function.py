r"""A user's Python function as an objective, with scipy's conventions.

:class:`FunctionObjective` wraps ``fun(x, *args) -> float`` (plus optional ``jac``, ``hess``,
``hessp`` and box ``bounds``) so that every optimlab solver, and :func:`optimlab.minimize.minimize`,
can use it. Missing derivatives are replaced by finite differences:

* the gradient by central differences with the step
  :math:`h_i = \epsilon^{1/3}\max(1, |x_i|)` (error :math:`O(\epsilon^{2/3})`, about 1e-11
  relative), switching to second-order one-sided differences next to a bound so that ``fun`` is
  never evaluated outside the box;
* Hessian-vector products by central differences of the gradient along ``v``, with the step
  :math:`\epsilon^{1/3}` when the gradient is exact and :math:`\epsilon^{2/9}` when the gradient
  is itself a finite difference (the step that balances the two truncation errors).

The certificate is the gradient norm :math:`\|\nabla f(x)\|_2`, or with bounds the norm of the
projected gradient :math:`\|x - \Pi_{[l,u]}(x - \nabla f(x))\|_2`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from optimlab._validation import check_finite_array
from optimlab.objectives.objective import BaseObjective
from optimlab.objectives.penalties import Bounds

__all__ = ["FunctionObjective", "fd_jacobian", "make_bounds"]

_EPS = np.finfo(float).eps
#: Gradient finite-difference schemes (scipy's names); None means "3-point".
FD_SCHEMES = ("2-point", "3-point", "cs")


def _describe(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def make_bounds(bounds, size: int) -> Bounds | None:
    """Our :class:`Bounds` from ``None``, a :class:`Bounds`, scipy's ``Bounds`` or ``(min, max)`` pairs.

    The bounds are broadcast to ``size`` entries; None is returned when no bound is finite.
    """
    if bounds is None:
        return None
    if isinstance(bounds, Bounds):
        out = bounds
    elif hasattr(bounds, "lb") and hasattr(bounds, "ub"):  # scipy.optimize.Bounds
        out = Bounds(bounds.lb, bounds.ub)
    else:
        try:
            pairs = list(bounds)
        except TypeError:
            raise TypeError(
                f"bounds must be None, an optimlab Bounds, a scipy.optimize.Bounds or a sequence of "
                f"(min, max) pairs, got {_describe(bounds)}."
            ) from None
        if len(pairs) != size:
            raise ValueError(f"bounds has {len(pairs)} (min, max) pairs but x0 has {size} entries.")
        out = Bounds.from_pairs(pairs)
    out.check_size(size)
    lb = np.broadcast_to(out.lb, (size,)).astype(float)
    ub = np.broadcast_to(out.ub, (size,)).astype(float)
    if not (np.any(np.isfinite(lb)) or np.any(np.isfinite(ub))):
        return None
    return Bounds(lb, ub)


def _steps(x: np.ndarray, scheme: str) -> np.ndarray:
    rel = {"2-point": np.sqrt(_EPS), "3-point": _EPS ** (1.0 / 3.0), "cs": np.sqrt(_EPS)}[scheme]
    h = rel * np.maximum(1.0, np.abs(x))
    # Make the step exactly representable, so that (x + h) - x == h.
    return (x + h) - x


def fd_jacobian(func: Callable, x: np.ndarray, *, f0=None, lb=None, ub=None,
                scheme: str = "3-point") -> np.ndarray:
    r"""Finite-difference Jacobian of ``func`` at ``x`` that never steps outside ``[lb, ub]``.

    Parameters
    ----------
    func : callable
        ``func(x) -> scalar or 1-D array`` (``m`` values).
    x : ndarray, shape (n,)
    f0 : scalar or ndarray, optional
        ``func(x)``, when known (only one-sided differences need it).
    lb, ub : ndarray, optional
        Bounds the evaluation points must respect.
    scheme : {"3-point", "2-point", "cs"}
        Central differences (one-sided second order next to a bound), forward differences, or
        the complex step :math:`\operatorname{Im} f(x + i h e_j) / h` (``func`` must accept
        complex input).

    Returns
    -------
    ndarray, shape (m, n) (or (n,) for a scalar ``func``)
    """
    x = np.asarray(x, dtype=float)
    n = x.shape[0]
    lb = np.full(n, -np.inf) if lb is None else np.broadcast_to(lb, (n,))
    ub = np.full(n, np.inf) if ub is None else np.broadcast_to(ub, (n,))
    h = _steps(x, scheme)
    shape = [None if f0 is None else np.ndim(f0)]
    base = [None if f0 is None else np.atleast_1d(np.asarray(f0, dtype=float))]

    def call(xt):
        val = np.asarray(func(xt))
        if shape[0] is None:
            shape[0] = val.ndim
        return np.atleast_1d(val)

    def at(i, t):
        xt = x.copy()
        xt[i] += t
        return call(xt).astype(float)

    def f_x():
        if base[0] is None:
            base[0] = call(x).astype(float)
        return base[0]

    cols = []
    for i in range(n):
        hi = h[i]
        up, down = ub[i] - x[i], x[i] - lb[i]
        if scheme == "cs":
            xc = x.astype(complex)
            xc[i] += 1j * hi
            cols.append(call(xc).imag / hi)
        elif up <= 0.0 and down <= 0.0:
            # A variable fixed by its bounds has no feasible direction: its derivative is taken as 0.
            cols.append(np.zeros_like(f_x()))
        elif scheme == "2-point":
            t = hi if up >= hi else (-hi if down >= hi else (up if up >= down else -down))
            cols.append((at(i, t) - f_x()) / t)
        elif up >= hi and down >= hi:
            cols.append((at(i, hi) - at(i, -hi)) / (2.0 * hi))
        else:
            # One-sided second-order differences towards the roomier side, the step shrunk to fit.
            t = (1.0 if up >= down else -1.0) * min(hi, 0.5 * max(up, down))
            cols.append((-3.0 * f_x() + 4.0 * at(i, t) - at(i, 2.0 * t)) / (2.0 * t))
    jac = np.column_stack(cols)
    return jac[0] if shape[0] == 0 else jac


class FunctionObjective(BaseObjective):
    r"""A Python function :math:`f(x)` (optionally on a box) as an optimlab objective.

    Follows the conventions of :func:`scipy.optimize.minimize`.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> float``, with ``x`` a 1-D float array of the size of ``x0``.
    x0 : array-like, shape (n,)
        Starting point; it fixes the number of variables and is projected into the bounds.
        ``fun`` is evaluated there once, to check it returns a finite real scalar.
    args : tuple, optional
        Extra arguments passed to ``fun``, ``jac``, ``hess`` and ``hessp``.
    jac : callable, True, {"2-point", "3-point", "cs"} or None, optional
        ``jac(x, *args) -> ndarray (n,)``; True when ``fun`` returns ``(value, gradient)``;
        None (or "3-point") for central finite differences, "2-point" for forward ones,
        "cs" for the complex step.
    hess : callable, optional
        ``hess(x, *args)``: the Hessian as an array, sparse matrix or LinearOperator.
    hessp : callable, optional
        ``hessp(x, v, *args)``: the Hessian times ``v``. Without ``hess`` and ``hessp``,
        finite differences of the gradient.
    bounds : Bounds, scipy.optimize.Bounds or sequence of (min, max), optional
        A box; its prox is the projection.

    Attributes
    ----------
    n_fev, n_jev, n_hev : int
        Calls of ``fun``, ``jac`` and ``hess``/``hessp``.
    bounds : Bounds or None
        The box, broadcast to ``size`` entries (None when no bound is finite).

    Examples
    --------
    >>> import numpy as np
    >>> from optimlab.objectives.function import FunctionObjective
    >>> obj = FunctionObjective(lambda x: np.sum((x - 1.0) ** 2), np.zeros(3))
    >>> np.round(obj.grad(np.zeros(3)), 8)
    array([-2., -2., -2.])
    """

    capabilities = frozenset({"gradient", "hessp", "prox"})

    def __init__(self, fun: Callable, x0, args=(), *, jac=None, hess=None, hessp=None,
                 bounds=None) -> None:
        super().__init__()
        if not callable(fun):
            raise TypeError(f"fun must be callable, got {_describe(fun)}.")
        self.fun = fun
        self.args = tuple(args) if isinstance(args, tuple | list) else (args,)
        x = check_finite_array(x0, "x0", ndim=(0, 1)).ravel()
        if x.size == 0:
            raise ValueError("x0 must have at least one entry, got an empty array.")
        self.size = int(x.size)
        self.bounds = make_bounds(bounds, self.size)
        if self.bounds is not None:
            self.lb, self.ub = self.bounds.lb, self.bounds.ub
            x = np.clip(x, self.lb, self.ub)
            self.features = frozenset({"bounds"})
            self.certificate_kind = "projected_gradient_norm"
        else:
            self.lb = self.ub = None
            self.features = frozenset()
            self.certificate_kind = "gradient_norm"
        self.x0 = x
        if jac is True or callable(jac):
            self._fd = None
        elif jac is None or jac is False:
            self._fd = "3-point"
        elif isinstance(jac, str) and jac in FD_SCHEMES:
            self._fd = jac
        else:
            raise TypeError(
                f"jac must be a callable, True, None or one of {list(FD_SCHEMES)}, got {_describe(jac)}."
            )
        self.jac = jac
        for name, value in (("hess", hess), ("hessp", hessp)):
            if value is not None and not callable(value):
                raise TypeError(f"{name} must be callable or None, got {_describe(value)}.")
        self.hess, self.hessp_fun = hess, hessp
        self.n_jev = 0
        self.n_hev = 0
        self._cx: np.ndarray | None = None
        self._cf: float | None = None
        self._cg: np.ndarray | None = None
        self._hx: np.ndarray | None = None
        self._hmat = None
        f0 = self._evaluate(x)
        if not np.isfinite(f0):
            raise ValueError(f"fun must return a finite value at x0, got {f0}.")

    def __repr__(self) -> str:
        name = getattr(self.fun, "__name__", type(self.fun).__name__)
        return f"FunctionObjective({name}, size={self.size}, bounds={self.bounds is not None})"

    # -- raw evaluations --------------------------------------------------------------------
    def _scalar(self, value, x) -> float:
        if isinstance(value, float | int) and not isinstance(value, bool):
            return float(value)
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise TypeError(
                f"fun must return a real number, got {_describe(value)} (dtype {arr.dtype})."
            )
        if arr.size != 1:
            raise ValueError(
                f"fun must return a scalar, got an array of shape {arr.shape} for x of shape {x.shape}."
            )
        return float(arr.reshape(()))

    def _call(self, x: np.ndarray):
        self.n_fev += 1
        out = self.fun(x, *self.args)
        if self.jac is True:
            if not (isinstance(out, tuple | list) and len(out) == 2):
                raise TypeError(
                    f"with jac=True, fun must return (value, gradient), got {_describe(out)}."
                )
            return self._scalar(out[0], x), self._check_grad(out[1], "fun (jac=True)")
        return self._scalar(out, x), None

    def _check_grad(self, g, who: str) -> np.ndarray:
        arr = np.asarray(g, dtype=float) if not sp.issparse(g) else g.toarray()
        if arr.size != self.size or (arr.ndim > 1 and max(arr.shape) != arr.size):
            raise ValueError(
                f"{who} must return the gradient as an array of shape ({self.size},), got shape "
                f"{np.shape(arr)}."
            )
        return arr.reshape(self.size)

    def _evaluate(self, x: np.ndarray) -> float:
        """``fun(x)`` through a one-point cache shared with the gradient."""
        if self._cx is not None and self._cf is not None and np.array_equal(self._cx, x):
            return self._cf
        f, g = self._call(x)
        if g is None and self._cx is not None and np.array_equal(self._cx, x):
            g = self._cg
        self._cx, self._cf, self._cg = np.array(x, copy=True), f, g
        return f

    def _fun_only(self, x: np.ndarray) -> float:
        return self._call(x)[0]

    def _fun_complex(self, x: np.ndarray):
        # The complex step needs the raw (complex) value; the real-scalar check happens on real points.
        self.n_fev += 1
        out = self.fun(x, *self.args)
        return out[0] if self.jac is True else out

    def _gradient(self, x: np.ndarray) -> np.ndarray:
        if self._cx is not None and self._cg is not None and np.array_equal(self._cx, x):
            return self._cg
        if self.jac is True:
            self._evaluate_fresh(x)
            return self._cg
        if callable(self.jac):
            self.n_jev += 1
            g = self._check_grad(self.jac(x, *self.args), "jac")
        else:
            f0 = self._cf if self._cx is not None and np.array_equal(self._cx, x) else None
            func = self._fun_complex if self._fd == "cs" else self._fun_only
            g = fd_jacobian(func, x, f0=f0, lb=self.lb, ub=self.ub, scheme=self._fd)
        if self._cx is None or not np.array_equal(self._cx, x):
            self._cx, self._cf = np.array(x, copy=True), None
        self._cg = g
        return g

    def _evaluate_fresh(self, x):
        f, g = self._call(x)
        self._cx, self._cf, self._cg = np.array(x, copy=True), f, g

    @property
    def exact_gradient(self) -> bool:
        """True when the gradient comes from the user (``jac`` callable or True)."""
        return self._fd is None

    def gradient_cached(self, x: np.ndarray) -> bool:
        """True when the gradient at ``x`` is known without a new evaluation."""
        return self._cx is not None and self._cg is not None and np.array_equal(self._cx, x)

    # -- protocol -----------------------------------------------------------------------------
    def smooth_value(self, x):
        return self._evaluate(x)

    def smooth_value_and_grad(self, x):
        f = self._evaluate(x)
        return f, self._gradient(x).copy()

    def penalty_value(self, x):
        if self.bounds is None:
            return 0.0
        return self.bounds.value(x)

    def prox(self, x, step):
        return x if self.bounds is None else np.clip(x, self.lb, self.ub)

    def value_and_grad(self, x):
        """Value and gradient of ``fun`` (inside the box when there are bounds)."""
        return self.smooth_value_and_grad(x)

    def grad(self, x):
        """Gradient of ``fun`` at ``x`` (from ``jac`` or finite differences)."""
        return self._gradient(x).copy()

    def certificate(self, x, grad=None):
        """Gradient norm, or projected-gradient norm with bounds."""
        g = self._gradient(x) if grad is None or self.bounds is not None else grad
        if self.bounds is None:
            return float(np.linalg.norm(g))
        return float(np.linalg.norm(x - np.clip(x - g, self.lb, self.ub)))

    def default_x0(self):
        return self.x0.copy()

    # -- second order -----------------------------------------------------------------------
    def user_hessian(self, x):
        """The user's ``hess(x, *args)`` (array, sparse matrix or LinearOperator), checked and cached."""
        if self._hx is None or not np.array_equal(self._hx, x):
            self.n_hev += 1
            H = self.hess(x, *self.args)
            if isinstance(H, np.ndarray | list) or np.isscalar(H):
                H = np.atleast_2d(np.asarray(H, dtype=float))
            if getattr(H, "shape", None) != (self.size, self.size):
                raise ValueError(
                    f"hess must return an array of shape ({self.size}, {self.size}), "
                    f"got shape {getattr(H, 'shape', None)}."
                )
            self._hx, self._hmat = np.array(x, copy=True), H
        return self._hmat

    def hessp(self, x, v):
        """Hessian of ``fun`` at ``x`` times ``v`` (from ``hessp``, ``hess`` or finite differences)."""
        v = np.asarray(v, dtype=float)
        if self.hessp_fun is not None:
            self.n_hev += 1
            return self._check_grad(self.hessp_fun(x, v, *self.args), "hessp")
        if self.hess is not None:
            return np.asarray(self.user_hessian(x) @ v, dtype=float).reshape(self.size)
        return self._fd_hessp(x, v)

    def _fd_hessp(self, x, v):
        vnorm = float(np.linalg.norm(v))
        if vnorm == 0.0:
            return np.zeros(self.size)
        rel = _EPS ** (1.0 / 3.0) if self.exact_gradient else _EPS ** (2.0 / 9.0)
        h = rel * max(1.0, float(np.linalg.norm(x))) / vnorm
        up = down = np.inf
        if self.bounds is not None:
            up, down = self._room(x, v), self._room(x, -v)
        if up >= h and down >= h:
            g_plus = self._gradient_fresh(x + h * v)
            g_minus = self._gradient_fresh(x - h * v)
            return (g_plus - g_minus) / (2.0 * h)
        sign = 1.0 if up >= down else -1.0
        t = sign * min(h, 0.5 * max(up, down))
        if t == 0.0:
            return np.zeros(self.size)
        g0 = self._gradient(x).copy()
        g1 = self._gradient_fresh(x + t * v)
        g2 = self._gradient_fresh(x + 2.0 * t * v)
        return (-3.0 * g0 + 4.0 * g1 - g2) / (2.0 * t)

    def _room(self, x, d):
        """Largest ``t >= 0`` with ``x + t d`` inside the box."""
        with np.errstate(divide="ignore", invalid="ignore"):
            t_up = np.where(d > 0, (self.ub - x) / d, np.inf)
            t_lo = np.where(d < 0, (self.lb - x) / d, np.inf)
        return float(max(0.0, min(np.min(t_up), np.min(t_lo))))

    def _gradient_fresh(self, x):
        # Keeps the cache on the iterate (solvers come back to it after a product).
        saved = (self._cx, self._cf, self._cg)
        g = self._gradient(x).copy()
        self._cx, self._cf, self._cg = saved
        return g

    def hessian(self, x) -> np.ndarray:
        """The dense Hessian at ``x`` (from ``hess``, or ``n`` Hessian-vector products, symmetrized)."""
        if self.hess is not None:
            H = self.user_hessian(x)
            H = H.toarray() if sp.issparse(H) else H
            if not isinstance(H, np.ndarray):
                H = H @ np.eye(self.size)
            return np.asarray(H, dtype=float)
        H = np.column_stack([self.hessp(x, e) for e in np.eye(self.size)])
        return 0.5 * (H + H.T)
