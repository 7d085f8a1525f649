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
    "prox_newton_step_csc",
    "prox_newton_step_dense",
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


# -- proximal Newton (logistic) -------------------------------------------------------------
@numba.njit(cache=True)
def _logistic_loss(y, z):
    m = y * z
    if m > 0.0:
        return np.log1p(np.exp(-m))
    return -m + np.log1p(np.exp(m))


@numba.njit(cache=True)
def _newton_weights(y, s, z, d, h):
    """Weighted first and second derivatives of the logistic loss in ``z``."""
    for i in range(z.shape[0]):
        sig = 1.0 / (1.0 + np.exp(y[i] * z[i]))  # sigma(-y z)
        d[i] = -s[i] * y[i] * sig
        h[i] = s[i] * sig * (1.0 - sig)


@numba.njit(cache=True)
def _penalty(w, l1, l2):
    out = 0.0
    for j in range(w.shape[0]):
        out += l1 * abs(w[j]) + 0.5 * l2 * w[j] * w[j]
    return out


@numba.njit(cache=True)
def _inner_intercept(d, h, xd, db, h_b):
    grad = 0.0
    for i in range(xd.shape[0]):
        grad += d[i] + h[i] * xd[i]
    change = -grad / h_b
    db[0] += change
    for i in range(xd.shape[0]):
        xd[i] += change
    return h_b * change * change


@numba.njit(cache=True)
def _line_search(y, s, z, d, xd, w, dw, b, db, l1, l2):
    r"""Backtrack on :math:`t` from 1 (Armijo on the full objective), then move ``w, b, z``.

    The decrease predicted by the model is :math:`\nabla F^\top X\Delta + g(w + \Delta) - g(w)`.
    """
    n = z.shape[0]
    f0 = 0.0
    slope = 0.0
    for i in range(n):
        f0 += s[i] * _logistic_loss(y[i], z[i])
        slope += d[i] * xd[i]
    g0 = _penalty(w, l1, l2)
    trial = w + dw
    slope += _penalty(trial, l1, l2) - g0
    t = 1.0
    for _ in range(30):
        f = 0.0
        for i in range(n):
            f += s[i] * _logistic_loss(y[i], z[i] + t * xd[i])
        for j in range(w.shape[0]):
            trial[j] = w[j] + t * dw[j]
        if f + _penalty(trial, l1, l2) <= f0 + g0 + 1e-4 * t * slope:
            break
        t *= 0.5
    for j in range(w.shape[0]):
        w[j] += t * dw[j]
    b[0] += t * db[0]
    for i in range(n):
        z[i] += t * xd[i]


@numba.njit(cache=True)
def prox_newton_step_dense(X, y, s, w, b, z, l1, l2, fit_intercept, max_inner, inner_tol):
    r"""One proximal Newton step for the logistic loss on dense (Fortran-ordered) ``X``.

    The direction minimizes the quadratic model of the loss plus the penalty,
    :math:`\nabla F^\top X\Delta + \tfrac12 \|X\Delta\|_H^2 + g(w + \Delta)`, by cyclic
    coordinate descent (at most ``max_inner`` passes, until the largest weighted squared change
    of a pass is under ``inner_tol`` times that of the first), followed by a line search.
    """
    n, p = X.shape
    d, h, xd = np.empty(n), np.empty(n), np.zeros(n)
    _newton_weights(y, s, z, d, h)
    hess = np.zeros(p)
    for j in range(p):
        for i in range(n):
            hess[j] += h[i] * X[i, j] * X[i, j]
    h_b = np.sum(h)
    dw, db = np.zeros(p), np.zeros(1)
    first = -1.0
    for _ in range(max_inner):
        largest = 0.0
        for j in range(p):
            if hess[j] == 0.0:
                continue
            grad = 0.0
            for i in range(n):
                grad += X[i, j] * (d[i] + h[i] * xd[i])
            old = w[j] + dw[j]
            change = prox_enet(old - grad / hess[j], l1 / hess[j], l2 / hess[j]) - old
            if change != 0.0:
                dw[j] += change
                for i in range(n):
                    xd[i] += change * X[i, j]
                largest = max(largest, hess[j] * change * change)
        if fit_intercept and h_b > 0.0:
            largest = max(largest, _inner_intercept(d, h, xd, db, h_b))
        if first < 0.0:
            first = largest
        if largest <= inner_tol * first:
            break
    _line_search(y, s, z, d, xd, w, dw, b, db, l1, l2)


@numba.njit(cache=True)
def prox_newton_step_csc(data, indices, indptr, y, s, w, b, z, l1, l2, fit_intercept, max_inner,
                         inner_tol):
    """One proximal Newton step on CSC ``X`` (see :func:`prox_newton_step_dense`)."""
    n, p = z.shape[0], indptr.shape[0] - 1
    d, h, xd = np.empty(n), np.empty(n), np.zeros(n)
    _newton_weights(y, s, z, d, h)
    hess = np.zeros(p)
    for j in range(p):
        for k in range(indptr[j], indptr[j + 1]):
            hess[j] += h[indices[k]] * data[k] * data[k]
    h_b = np.sum(h)
    dw, db = np.zeros(p), np.zeros(1)
    first = -1.0
    for _ in range(max_inner):
        largest = 0.0
        for j in range(p):
            if hess[j] == 0.0:
                continue
            grad = 0.0
            for k in range(indptr[j], indptr[j + 1]):
                i = indices[k]
                grad += data[k] * (d[i] + h[i] * xd[i])
            old = w[j] + dw[j]
            change = prox_enet(old - grad / hess[j], l1 / hess[j], l2 / hess[j]) - old
            if change != 0.0:
                dw[j] += change
                for k in range(indptr[j], indptr[j + 1]):
                    xd[indices[k]] += change * data[k]
                largest = max(largest, hess[j] * change * change)
        if fit_intercept and h_b > 0.0:
            largest = max(largest, _inner_intercept(d, h, xd, db, h_b))
        if first < 0.0:
            first = largest
        if largest <= inner_tol * first:
            break
    _line_search(y, s, z, d, xd, w, dw, b, db, l1, l2)


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
