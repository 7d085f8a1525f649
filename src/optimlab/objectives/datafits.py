r"""Datafits: the loss part of a GLM objective, written on the linear predictor.

A datafit sees the linear predictor :math:`z = Xw + b` (shape ``(n,)``, or ``(n, K)`` for
:class:`Multinomial`) and normalised sample weights :math:`s_i \ge 0`, :math:`\sum_i s_i = 1`,
and computes

.. math:: F(z) = \sum_i s_i\, \ell(y_i, z_i),

its derivative :math:`\nabla F(z)`, Hessian-vector products in :math:`z`, and the pieces of its
Fenchel conjugate that the duality gap needs. The linear algebra with ``X`` lives in
:class:`optimlab.objectives.Objective`, so each datafit works for dense and sparse data alike.
"""

from __future__ import annotations

import numpy as np
from scipy.special import entr, expit, log_softmax, softmax

__all__ = ["Datafit", "Logistic", "Multinomial", "Squared"]


class Datafit:
    """Interface shared by the datafits (see the module docstring)."""

    #: Name used in messages and registries.
    name: str = "datafit"
    #: Upper bound on the second derivative of the loss in z (per sample).
    curvature: float = 1.0
    #: True when a Fenchel dual is implemented (duality-gap certificate).
    has_dual: bool = False

    def encode(self, y) -> tuple[np.ndarray, np.ndarray | None]:
        """Check and encode the targets; return ``(y_encoded, classes)``."""
        raise NotImplementedError

    def n_outputs(self, classes) -> int:
        return 1

    def value(self, y, z, s) -> float:
        raise NotImplementedError

    def value_and_derivative(self, y, z, s) -> tuple[float, np.ndarray]:
        """Return ``F(z)`` and ``dF/dz`` (already multiplied by the weights)."""
        raise NotImplementedError

    def hess_z(self, y, z, s, dz) -> np.ndarray:
        """Second derivative of ``F`` at ``z`` applied to ``dz``."""
        raise NotImplementedError

    def _at(self, z: np.ndarray, compute):
        """``compute(z)``, memoized for the last ``z`` array.

        Hessian-vector products come in runs at one point (the conjugate-gradient steps of one
        Newton step), where the objective hands over the same cached linear-predictor array, so
        the curvature at ``z`` is computed once per run instead of once per product.
        """
        memo = getattr(self, "_memo", None)
        if memo is None or memo[0] is not z:
            memo = (z, compute(z))
            self._memo = memo
        return memo[1]

    def hess_weights(self, y, z, s) -> np.ndarray:
        """Second derivative of ``F`` at ``z``, sample by sample.

        Shape ``(n,)`` for one output; ``(n, K, K)`` for K outputs (the Hessian of ``F`` is
        block diagonal over samples).
        """
        raise NotImplementedError

    def optimal_intercept(self, y, z0, s, b0) -> np.ndarray | float:
        """Intercept minimising ``F(z0 + b)`` (starting from ``b0``)."""
        raise NotImplementedError

    def dual_value(self, y, z, s, scale: float) -> float:
        r"""Datafit part of the dual, :math:`-F^*(-c\,u)` with :math:`u = -\nabla F(z)`."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _check_finite_1d(y) -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim != 1:
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr.ravel()
        else:
            raise ValueError(f"y must be 1-D, got shape {arr.shape}.")
    return arr


def _logistic_curvature(z: np.ndarray) -> np.ndarray:
    """sigma(z) (1 - sigma(z)) from one exponential."""
    e = np.exp(-np.abs(z))
    return e / (1.0 + e) ** 2


def _probabilities(z: np.ndarray) -> np.ndarray:
    return softmax(z, axis=1)


class Squared(Datafit):
    r"""Least squares, :math:`\ell(y, z) = \tfrac12 (y - z)^2`."""

    name = "squared"
    curvature = 1.0
    has_dual = True

    def encode(self, y):
        arr = _check_finite_1d(y)
        if arr.dtype.kind not in "biuf":
            raise TypeError(
                f"y must be numeric for least squares, got dtype {arr.dtype}; "
                "use a classification datafit for labels."
            )
        arr = arr.astype(np.float64)
        if not np.all(np.isfinite(arr)):
            raise ValueError("y contains NaN or infinite values; remove or impute them.")
        return arr, None

    def value(self, y, z, s):
        r = y - z
        return 0.5 * _wdot(s, r * r)

    def value_and_derivative(self, y, z, s):
        r = z - y
        sr = s * r
        return 0.5 * _wdot(sr, r), sr

    def hess_z(self, y, z, s, dz):
        return s * dz

    def hess_weights(self, y, z, s):
        return s

    def optimal_intercept(self, y, z0, s, b0):
        return _wdot(s, y - z0)

    def dual_value(self, y, z, s, scale):
        # u_i = s_i r_i with r = y - z;  -F*(-c u) = sum_i s_i (c r_i y_i - c^2 r_i^2 / 2)
        r = y - z
        return _wdot(s, scale * r * y - 0.5 * scale * scale * r * r)


class Logistic(Datafit):
    r"""Binary logistic loss, :math:`\ell(y, z) = \log(1 + e^{-y z})` with :math:`y \in \{-1, +1\}`.

    Labels may take any two values; the larger one (in sorted order) is the positive class.
    """

    name = "logistic"
    curvature = 0.25
    has_dual = True

    def encode(self, y):
        arr = _check_finite_1d(y)
        if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
            raise ValueError("y contains NaN or infinite values; remove them.")
        classes, inverse = np.unique(arr, return_inverse=True)
        if classes.size != 2:
            raise ValueError(
                f"y must have exactly two classes for the logistic datafit, got {classes.size} "
                f"({classes[:5].tolist()}{'...' if classes.size > 5 else ''}); "
                + (
                    "a classifier needs at least two classes."
                    if classes.size < 2
                    else "use Multinomial for more than two."
                )
            )
        return np.where(inverse == 1, 1.0, -1.0), classes

    def value(self, y, z, s):
        return _wdot(s, _log1pexp(-y * z))

    def value_and_derivative(self, y, z, s):
        loss, sig = _loss_and_sigmoid(y * z)
        return _wdot(s, loss), -s * y * sig

    def hess_z(self, y, z, s, dz):
        return self.hess_weights(y, z, s) * dz

    def hess_weights(self, y, z, s):
        return s * self._at(z, _logistic_curvature)

    def optimal_intercept(self, y, z0, s, b0):
        # Newton on the derivative g(b), which increases with b, safeguarded by bisection on the
        # bracket of the root found so far. No line search: an Armijo test on F stalls near the
        # root, where F no longer changes in floating point while g still does. The third
        # derivative of this loss is bounded by its second, so the error left after a Newton step
        # of size delta is about delta^2: a Newton step under 1e-8 leaves b at the root to rounding
        # (started from the last optimal intercept, this is 1 to 3 steps near the optimum).
        b, lo, hi = float(b0), -np.inf, np.inf
        m0, sy = y * z0, s * y
        for _ in range(100):
            m = m0 + y * b
            e = np.exp(-np.abs(m))
            inv = 1.0 / (1.0 + e)
            g = -_wdot(sy, np.where(m >= 0.0, e * inv, inv))  # sigma(-m), from one exp
            h = _wdot(s, e * inv * inv)  # sigma(m) sigma(-m)
            if g == 0.0:
                break
            if g > 0.0:
                hi = b
            else:
                lo = b
            step = g / h if h > 0.0 else np.inf
            if abs(step) <= 1e-8:
                return b - step
            b_new = b - step
            if not lo < b_new < hi:
                b_new = 0.5 * (lo + hi) if np.isfinite(lo) and np.isfinite(hi) else b - np.sign(g)
            b = b_new
        return b

    def dual_value(self, y, z, s, scale):
        # u_i = s_i y_i sigma(-y_i z_i); with a_i = c sigma(-y_i z_i) in [0, 1],
        # -F*(-c u) = sum_i s_i H(a_i), H the binary entropy.
        m = y * z
        if scale == 1.0:
            # H(sigma(-m)) = log(1 + e^{-m}) + m sigma(-m): one exp instead of two entropies.
            loss, sig = _loss_and_sigmoid(m)
            return _wdot(s, loss + m * sig)
        a = scale * expit(-m)
        return _wdot(s, entr(a) + entr(1.0 - a))


def _log1pexp(t: np.ndarray) -> np.ndarray:
    """``log(1 + exp(t))`` without overflow, from one exp."""
    return np.log1p(np.exp(-np.abs(t))) + np.maximum(t, 0.0)


def _loss_and_sigmoid(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log(1 + exp(-m))`` and ``sigma(-m) = 1 / (1 + exp(m))``, both from one exp."""
    e = np.exp(-np.abs(m))
    inv = 1.0 / (1.0 + e)
    return np.log1p(e) + np.maximum(-m, 0.0), np.where(m >= 0.0, e * inv, inv)


#: Length under which OpenBLAS computes a dot product on one thread (its threshold is 10,000).
_DOT_CHUNK = 8192


def _wdot(a: np.ndarray, b: np.ndarray) -> float:
    """``a @ b`` for long 1-D arrays, in chunks that OpenBLAS keeps on one thread.

    A threaded ``ddot`` on tens of thousands of entries does microseconds of work but waits
    for its helper threads: on a loaded machine that wait costs up to milliseconds per call,
    and the datafits take a few such sums per evaluation.
    """
    n = a.shape[0]
    if n <= _DOT_CHUNK:
        return float(np.dot(a, b))
    return float(sum(np.dot(a[i : i + _DOT_CHUNK], b[i : i + _DOT_CHUNK]) for i in range(0, n, _DOT_CHUNK)))


class Multinomial(Datafit):
    r"""Multinomial (softmax) loss over K classes, :math:`\ell(y, z) = \log\sum_k e^{z_k} - z_y`.

    Coefficients are a ``(p, K)`` matrix and the intercept a vector of K values
    (the symmetric, over-parametrised form used by scikit-learn and glmnet).
    """

    name = "multinomial"
    curvature = 0.5
    has_dual = False

    def encode(self, y):
        arr = _check_finite_1d(y)
        if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
            raise ValueError("y contains NaN or infinite values; remove them.")
        classes, inverse = np.unique(arr, return_inverse=True)
        if classes.size < 2:
            raise ValueError(
                f"y has only one class ({classes.tolist()}); a classifier needs at least two."
            )
        onehot = np.zeros((arr.shape[0], classes.size))
        onehot[np.arange(arr.shape[0]), inverse] = 1.0
        return onehot, classes

    def n_outputs(self, classes):
        return len(classes)

    def value(self, y, z, s):
        return -_wdot(s, np.sum(y * log_softmax(z, axis=1), axis=1))

    def value_and_derivative(self, y, z, s):
        logp = log_softmax(z, axis=1)
        val = -_wdot(s, np.sum(y * logp, axis=1))
        return val, s[:, None] * (np.exp(logp) - y)

    def hess_z(self, y, z, s, dz):
        p = self._at(z, _probabilities)
        pdz = p * dz
        return s[:, None] * (pdz - p * pdz.sum(axis=1, keepdims=True))

    def hess_weights(self, y, z, s):
        p = softmax(z, axis=1)
        # s_i p_ik (delta_kl - p_il)
        weighted = s[:, None] * p
        return weighted[:, :, None] * (np.eye(p.shape[1]) - p[:, None, :])

    def optimal_intercept(self, y, z0, s, b0):
        # Newton in the K intercepts; the loss is invariant to adding a constant to all of them,
        # so the (singular) system is solved in the least-squares sense.
        b = np.array(b0, dtype=float)
        for _ in range(50):
            z = z0 + b
            p = softmax(z, axis=1)
            g = (s[:, None] * (p - y)).sum(axis=0)
            if np.max(np.abs(g)) <= 1e-15:
                break
            H = np.diag((s[:, None] * p).sum(axis=0)) - (p * s[:, None]).T @ p
            step = np.linalg.lstsq(H, g, rcond=None)[0]
            f0 = self.value(y, z, s)
            t = 1.0
            while t > 1e-10 and self.value(y, z0 + b - t * step, s) > f0:
                t *= 0.5
            b = b - t * step
            if np.max(np.abs(t * step)) <= 1e-15 * max(1.0, float(np.max(np.abs(b)))):
                break
        return b - b.mean()


_DATAFITS = {"squared": Squared, "logistic": Logistic, "multinomial": Multinomial}


def make_datafit(datafit) -> Datafit:
    """A datafit from an instance or a name (``"squared"``, ``"logistic"``, ``"multinomial"``)."""
    if isinstance(datafit, Datafit):
        return datafit
    if isinstance(datafit, str) and datafit.lower() in _DATAFITS:
        return _DATAFITS[datafit.lower()]()
    raise ValueError(
        f"datafit must be one of {sorted(_DATAFITS)} or a Datafit instance, got {datafit!r}."
    )
