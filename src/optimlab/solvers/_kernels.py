r"""Numba kernels for the loops of coordinate descent and SAGA (private).

Every kernel works in place on views of the flat variable ``x = [coef.ravel(), intercept(s)]``
and shares three small helpers: the derivative of the loss in the linear predictor
(:func:`loss_derivative`, :func:`sample_derivative`), the elastic-net prox of one scalar
(:func:`prox_enet`) and the intercept step. Each algorithm has one epoch kernel per memory
layout (dense, sparse), the only place where the layouts differ.

Datafits are passed as integer codes (:data:`SQUARED`, :data:`LOGISTIC`, :data:`MULTINOMIAL`)
so that a single compiled signature serves them all; ``cache=True`` keeps the compiled code on
disk between sessions.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = [
    "LOGISTIC",
    "MULTINOMIAL",
    "SQUARED",
    "cd_epoch_csc",
    "cd_epoch_dense",
    "datafit_code",
    "saga_epoch_csr",
    "saga_epoch_dense",
]

SQUARED = 0
LOGISTIC = 1
MULTINOMIAL = 2

_CODES = {"squared": SQUARED, "logistic": LOGISTIC, "multinomial": MULTINOMIAL}


def datafit_code(datafit) -> int:
    """The integer code of a datafit for the kernels."""
    return _CODES[datafit.name]


# -- shared helpers -------------------------------------------------------------------------
@numba.njit(cache=True)
def prox_enet(u, t_l1, t_l2):
    r"""Prox of :math:`t(\lambda_1 |\cdot| + \tfrac{\lambda_2}{2} (\cdot)^2)` at ``u``; ``t_l1 = t λ1``."""
    if u > t_l1:
        return (u - t_l1) / (1.0 + t_l2)
    if u < -t_l1:
        return (u + t_l1) / (1.0 + t_l2)
    return 0.0


@numba.njit(cache=True)
def loss_derivative(kind, y, z):
    """Derivative in ``z`` of the squared (``y`` real) or logistic (``y = ±1``) loss."""
    if kind == SQUARED:
        return z - y
    # -y sigma(-y z), written so that exp overflow gives the right limit (0).
    return -y / (1.0 + np.exp(y * z))


@numba.njit(cache=True)
def sample_derivative(kind, y_row, z, scale, out):
    """``out = scale * d loss / dz`` for one sample; ``z`` and ``y_row`` have K entries (1 if binary)."""
    if kind == MULTINOMIAL:
        zmax = z[0]
        for c in range(1, z.shape[0]):
            zmax = max(zmax, z[c])
        total = 0.0
        for c in range(z.shape[0]):
            out[c] = np.exp(z[c] - zmax)
            total += out[c]
        for c in range(z.shape[0]):
            out[c] = scale * (out[c] / total - y_row[c])
    else:
        out[0] = scale * loss_derivative(kind, y_row[0], z[0])


@numba.njit(cache=True)
def _cd_intercept(kind, y, s, z, b, lip_b):
    """One intercept step (exact for squared, a Lipschitz gradient step for logistic)."""
    grad = 0.0
    for i in range(z.shape[0]):
        grad += s[i] * loss_derivative(kind, y[i], z[i])
    delta = -grad / lip_b
    b[0] += delta
    for i in range(z.shape[0]):
        z[i] += delta


@numba.njit(cache=True)
def _saga_intercept(b, avg_b, delta, step, n):
    for c in range(b.shape[0]):
        b[c] -= step * (delta[c] + avg_b[c])
        avg_b[c] += delta[c] / n


# -- coordinate descent ---------------------------------------------------------------------
@numba.njit(cache=True)
def cd_epoch_dense(X, y, s, w, b, z, lip, kind, l1, l2, fit_intercept):
    r"""One cyclic epoch of coordinate descent on dense (Fortran-ordered) ``X``.

    Coordinate ``j`` takes the prox step :math:`w_j \leftarrow \operatorname{prox}_{g/L_j}
    (w_j - \nabla_j F / L_j)`, which minimizes exactly along ``j`` for the squared loss. ``z``
    (the linear predictor) is updated in place; columns with ``L_j = 0`` are skipped.
    """
    n = X.shape[0]
    for j in range(X.shape[1]):
        if lip[j] == 0.0:
            continue
        grad = 0.0
        for i in range(n):
            grad += s[i] * X[i, j] * loss_derivative(kind, y[i], z[i])
        old = w[j]
        new = prox_enet(old - grad / lip[j], l1 / lip[j], l2 / lip[j])
        if new != old:
            diff = new - old
            for i in range(n):
                z[i] += diff * X[i, j]
            w[j] = new
    if fit_intercept:
        _cd_intercept(kind, y, s, z, b, lip[-1])


@numba.njit(cache=True)
def cd_epoch_csc(data, indices, indptr, y, s, w, b, z, lip, kind, l1, l2, fit_intercept):
    """One cyclic epoch of coordinate descent on CSC ``X`` (see :func:`cd_epoch_dense`)."""
    for j in range(indptr.shape[0] - 1):
        if lip[j] == 0.0:
            continue
        start, stop = indptr[j], indptr[j + 1]
        grad = 0.0
        for k in range(start, stop):
            i = indices[k]
            grad += s[i] * data[k] * loss_derivative(kind, y[i], z[i])
        old = w[j]
        new = prox_enet(old - grad / lip[j], l1 / lip[j], l2 / lip[j])
        if new != old:
            diff = new - old
            for k in range(start, stop):
                z[indices[k]] += diff * data[k]
            w[j] = new
    if fit_intercept:
        _cd_intercept(kind, y, s, z, b, lip[-1])


# -- SAGA -----------------------------------------------------------------------------------
@numba.njit(cache=True)
def saga_epoch_dense(X, Y, ns, W, b, table, avg, avg_b, order, kind, step, l1, l2, fit_intercept):
    r"""SAGA updates for the samples in ``order`` on dense (C-ordered) ``X``.

    ``W`` is the ``(p, K)`` coefficient matrix, ``table[i]`` the stored derivative of sample
    ``i``'s loss (times ``ns[i] = n s_i``), ``avg = X^T table / n`` and ``avg_b`` its intercept
    part. Each update is

    .. math:: W \leftarrow \operatorname{prox}_{\gamma g}\big(W - \gamma(x_i \delta^\top + \bar G)\big),
              \quad \delta = \nabla \ell_i(W) - \text{table}_i,

    after which the table and its average take the new derivative.
    """
    n, p = X.shape
    K = W.shape[1]
    z = np.empty(K)
    d = np.empty(K)
    delta = np.empty(K)
    t_l1, t_l2 = step * l1, step * l2
    for i in order:
        for c in range(K):
            z[c] = b[c]
        for k in range(p):
            for c in range(K):
                z[c] += X[i, k] * W[k, c]
        sample_derivative(kind, Y[i], z, ns[i], d)
        for c in range(K):
            delta[c] = d[c] - table[i, c]
            table[i, c] = d[c]
        for k in range(p):
            xik = X[i, k]
            for c in range(K):
                W[k, c] = prox_enet(W[k, c] - step * (delta[c] * xik + avg[k, c]), t_l1, t_l2)
                avg[k, c] += delta[c] * xik / n
        if fit_intercept:
            _saga_intercept(b, avg_b, delta, step, n)


@numba.njit(cache=True)
def saga_epoch_csr(data, indices, indptr, Y, ns, W, b, table, avg, avg_b, order, kind, step, l1, l2,
                   fit_intercept):
    """SAGA updates on CSR ``X`` (see :func:`saga_epoch_dense`).

    The average gradient is dense, so the prox is applied to every coefficient at each update
    (not a lazy, just-in-time scheme): the cost per update is ``O(p K)``.
    """
    n = indptr.shape[0] - 1
    p, K = W.shape
    z = np.empty(K)
    d = np.empty(K)
    delta = np.empty(K)
    t_l1, t_l2 = step * l1, step * l2
    for i in order:
        start, stop = indptr[i], indptr[i + 1]
        for c in range(K):
            z[c] = b[c]
        for m in range(start, stop):
            for c in range(K):
                z[c] += data[m] * W[indices[m], c]
        sample_derivative(kind, Y[i], z, ns[i], d)
        for c in range(K):
            delta[c] = d[c] - table[i, c]
            table[i, c] = d[c]
        for m in range(start, stop):
            for c in range(K):
                W[indices[m], c] -= step * delta[c] * data[m]
        for k in range(p):
            for c in range(K):
                W[k, c] = prox_enet(W[k, c] - step * avg[k, c], t_l1, t_l2)
        for m in range(start, stop):
            for c in range(K):
                avg[indices[m], c] += delta[c] * data[m] / n
        if fit_intercept:
            _saga_intercept(b, avg_b, delta, step, n)
