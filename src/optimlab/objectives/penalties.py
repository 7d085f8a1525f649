r"""Penalties: the regularization part of an objective, each owning its maths.

The elastic-net family follows the scaling convention of DESIGN.md,

.. math:: g(w) = \alpha \left(\rho \|w\|_1 + \frac{1 - \rho}{2} \|w\|_2^2\right),

with :math:`\rho` = ``l1_ratio``; :class:`L1` (:math:`\rho = 1`) and :class:`L2`
(:math:`\rho = 0`) are its two ends. :class:`Bounds` is the indicator of a box, whose prox is
the projection. Every penalty is separable, so it acts elementwise on the coefficients.
"""

from __future__ import annotations

import numpy as np

from optimlab._validation import check_finite_array, check_real

__all__ = ["L1", "L2", "Bounds", "ElasticNet", "NoPenalty", "Penalty"]


class Penalty:
    """Interface shared by the penalties."""

    #: True when the penalty is differentiable everywhere (gradient-based solvers may use it).
    smooth: bool = True
    #: Problem features the penalty adds (``"nonsmooth"``, ``"bounds"``); solvers declare which they handle.
    features: frozenset[str] = frozenset()
    #: True when the conjugate is finite after scaling a dual point (duality gap available).
    has_dual: bool = False
    #: Curvature added to the smooth part (the L2 weight), 0 for the others.
    l2_weight: float = 0.0
    l1_weight: float = 0.0

    def value(self, w: np.ndarray) -> float:
        raise NotImplementedError

    def grad(self, w: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} has no gradient.")

    def prox(self, w: np.ndarray, step: float) -> np.ndarray:
        r"""Proximal operator :math:`\arg\min_u \tfrac{1}{2t}\|u - w\|^2 + g(u)` with ``t = step``."""
        raise NotImplementedError

    def subdiff_distance(self, w: np.ndarray, grad: np.ndarray) -> np.ndarray:
        r"""Elementwise distance from :math:`-\nabla f` to :math:`\partial g(w)` (0 at optimality)."""
        raise NotImplementedError

    def check_size(self, size: int) -> None:
        """Check the penalty fits a variable of ``size`` entries."""


class NoPenalty(Penalty):
    """No regularization, :math:`g = 0`."""

    def value(self, w):
        return 0.0

    def grad(self, w):
        return np.zeros_like(w)

    def prox(self, w, step):
        return w

    def subdiff_distance(self, w, grad):
        return np.abs(grad)

    def __repr__(self) -> str:
        return "NoPenalty()"


class ElasticNet(Penalty):
    r"""Elastic net, :math:`\alpha (\rho \|w\|_1 + \tfrac{1-\rho}{2}\|w\|_2^2)`.

    Parameters
    ----------
    alpha : float
        Regularization strength, ``alpha >= 0``.
    l1_ratio : float
        Mix :math:`\rho \in [0, 1]`: 1 is the lasso, 0 is ridge.
    """

    def __init__(self, alpha: float, l1_ratio: float = 0.5):
        self.alpha = check_real(alpha, "alpha", low=0.0)
        self.l1_ratio = check_real(l1_ratio, "l1_ratio", low=0.0, high=1.0)
        self.l1_weight = self.alpha * self.l1_ratio
        self.l2_weight = self.alpha * (1.0 - self.l1_ratio)
        self.smooth = self.l1_weight == 0.0
        self.features = frozenset() if self.smooth else frozenset({"nonsmooth"})
        self.has_dual = self.alpha > 0.0

    def value(self, w):
        return float(self.l1_weight * np.sum(np.abs(w)) + 0.5 * self.l2_weight * np.vdot(w, w))

    def grad(self, w):
        if not self.smooth:
            raise NotImplementedError("An L1 penalty has no gradient; use a proximal solver.")
        return self.l2_weight * w

    def prox(self, w, step):
        shrunk = np.sign(w) * np.maximum(np.abs(w) - step * self.l1_weight, 0.0)
        return shrunk / (1.0 + step * self.l2_weight)

    def subdiff_distance(self, w, grad):
        g = grad + self.l2_weight * w
        if self.l1_weight == 0.0:
            return np.abs(g)
        at_zero = np.maximum(np.abs(g) - self.l1_weight, 0.0)
        off_zero = np.abs(g + self.l1_weight * np.sign(w))
        return np.where(w == 0.0, at_zero, off_zero)

    def conjugate(self, v) -> float:
        r"""Fenchel conjugate :math:`g^*(v)` (``inf`` outside its domain)."""
        if self.l2_weight > 0.0:
            excess = np.maximum(np.abs(v) - self.l1_weight, 0.0)
            with np.errstate(over="ignore"):  # a diverging iterate gives inf, and so a gap of inf
                return float(np.vdot(excess, excess) / (2.0 * self.l2_weight))
        if np.max(np.abs(v), initial=0.0) <= self.l1_weight * (1.0 + 1e-12):
            return 0.0
        return np.inf

    def dual_scale(self, v) -> float:
        """Largest ``c <= 1`` that puts ``c * v`` in the domain of the conjugate."""
        if self.l2_weight > 0.0:
            return 1.0
        vmax = float(np.max(np.abs(v), initial=0.0))
        return 1.0 if vmax <= self.l1_weight else self.l1_weight / vmax

    def __repr__(self) -> str:
        return f"{type(self).__name__}(alpha={self.alpha:g}, l1_ratio={self.l1_ratio:g})"


class L1(ElasticNet):
    r"""Lasso penalty, :math:`\alpha \|w\|_1`."""

    def __init__(self, alpha: float):
        super().__init__(alpha, l1_ratio=1.0)

    def __repr__(self) -> str:
        return f"L1(alpha={self.alpha:g})"


class L2(ElasticNet):
    r"""Ridge penalty, :math:`\tfrac{\alpha}{2} \|w\|_2^2`."""

    def __init__(self, alpha: float):
        super().__init__(alpha, l1_ratio=0.0)

    def __repr__(self) -> str:
        return f"L2(alpha={self.alpha:g})"


class Bounds(Penalty):
    r"""Box constraint :math:`lb \le x \le ub`, as the indicator function of the box.

    Parameters
    ----------
    lb, ub : float or array-like
        Lower and upper bounds (``-inf``/``inf`` or ``None`` for no bound); broadcast to the
        size of the variable.
    """

    smooth = False
    features = frozenset({"bounds"})

    def __init__(self, lb=-np.inf, ub=np.inf):
        self.lb = self._read(lb, "lb", -np.inf)
        self.ub = self._read(ub, "ub", np.inf)
        if np.any(np.broadcast_to(self.lb, np.broadcast_shapes(self.lb.shape, self.ub.shape))
                  > np.broadcast_to(self.ub, np.broadcast_shapes(self.lb.shape, self.ub.shape))):
            raise ValueError("bounds: every lower bound must be <= its upper bound.")

    @staticmethod
    def _read(value, name, default):
        if value is None:
            return np.array(default)
        arr = np.array(value, dtype=object)
        arr = np.where(arr == None, default, arr).astype(float)  # noqa: E711 - elementwise None test
        if np.any(np.isnan(arr)):
            raise ValueError(f"bounds: {name} contains NaN.")
        return arr

    def check_size(self, size: int) -> None:
        for name, arr in (("lb", self.lb), ("ub", self.ub)):
            if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != size):
                raise ValueError(
                    f"bounds: {name} has shape {arr.shape} but the variable has {size} entries."
                )

    @classmethod
    def from_pairs(cls, pairs) -> Bounds:
        """From scipy's sequence of ``(min, max)`` pairs (``None`` meaning no bound)."""
        pairs = list(pairs)
        if any(len(p) != 2 for p in pairs):
            raise ValueError("bounds must be a sequence of (min, max) pairs.")
        return cls([p[0] for p in pairs], [p[1] for p in pairs])

    @property
    def finite(self) -> bool:
        """True when at least one bound is finite."""
        return bool(np.any(np.isfinite(self.lb)) or np.any(np.isfinite(self.ub)))

    def value(self, w):
        inside = np.all(w >= self.lb) and np.all(w <= self.ub)
        return 0.0 if inside else np.inf

    def prox(self, w, step):
        return np.clip(w, self.lb, self.ub)

    def subdiff_distance(self, w, grad):
        # Projected gradient: x - P(x - g), zero where a bound blocks the descent direction.
        return np.abs(w - np.clip(w - grad, self.lb, self.ub))

    def __repr__(self) -> str:
        return f"Bounds(lb={self.lb!r}, ub={self.ub!r})"


def make_penalty(penalty, alpha: float | None = None, l1_ratio: float | None = None) -> Penalty:
    """A penalty from an instance, ``None`` or a name (``"l1"``, ``"l2"``, ``"elasticnet"``)."""
    if isinstance(penalty, Penalty):
        return penalty
    if penalty is None or penalty == "none":
        return NoPenalty()
    alpha = 1.0 if alpha is None else alpha
    if penalty == "l2":
        return L2(alpha)
    if penalty == "l1":
        return L1(alpha)
    if penalty == "elasticnet":
        return ElasticNet(alpha, 0.5 if l1_ratio is None else l1_ratio)
    raise ValueError(
        f"penalty must be None, 'l1', 'l2', 'elasticnet' or a Penalty instance, got {penalty!r}."
    )


def check_bounds_array(x: np.ndarray, bounds: Bounds, name: str = "x0") -> np.ndarray:
    """Project a starting point into the box (the solvers need a feasible start)."""
    return np.clip(check_finite_array(x, name, ndim=1), bounds.lb, bounds.ub)
