r"""Numba kernels for the loops of coordinate descent and SAGA (private).

Every kernel works in place on views of the flat variable ``x = [coef.ravel(), intercept(s)]``
and shares three small helpers: the derivative of the loss in the linear predictor
(:func:`loss_derivative`, :func:`sample_derivative`), the elastic-net prox of one scalar
(:func:`prox_enet`) and the intercept step. SAGA has one epoch kernel per memory layout (dense,
sparse); the working-set coordinate descent kernels serve both layouts through column helpers
(see that section).

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
    "col_dot",
    "column_norms",
    "datafit_code",
    "linear_predictor_ws",
    "logistic_dual_value",
    "logistic_intercept",
    "logistic_value_and_derivative",
    "refresh_gradient",
    "saga_epoch_csr",
    "saga_epoch_dense",
    "select_working_set",
    "ws_cd_squared",
    "ws_prox_newton",
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
def _saga_intercept(b, avg_b, delta, step, n):
    for c in range(b.shape[0]):
        b[c] -= step * (delta[c] + avg_b[c])
        avg_b[c] += delta[c] / n


# -- proximal Newton (logistic) -------------------------------------------------------------
@numba.njit(cache=True)
def _logistic_terms(y, z):
    r"""The logistic loss and :math:`\sigma(-y z)` from a single exponential."""
    m = y * z
    e = np.exp(-abs(m))
    if m > 0.0:
        return np.log1p(e), e / (1.0 + e)
    return -m + np.log1p(e), 1.0 / (1.0 + e)


@numba.njit(cache=True)
def _newton_weights(y, s, z, d, h):
    """The weighted logistic datafit at ``z``, with its first and second derivatives in ``d``, ``h``."""
    out = 0.0
    for i in range(z.shape[0]):
        loss, sig = _logistic_terms(y[i], z[i])
        out += s[i] * loss
        d[i] = -s[i] * y[i] * sig
        h[i] = s[i] * sig * (1.0 - sig)
    return out


# -- working-set coordinate descent ---------------------------------------------------------
# The kernels of this section serve both layouts with one compiled signature: ``sparse`` says
# whether ``X`` (dense, Fortran-ordered) or ``data, indices, indptr`` (CSC) is read; the other is
# a small placeholder. The column reductions below allow reassociation so that they vectorize:
# the result is the same from run to run on a given machine, only not the left-to-right sum.
_REASSOC = {"reassoc", "contract"}


@numba.njit(cache=True, fastmath=_REASSOC)
def col_dot(X, data, indices, indptr, sparse, j, v):
    r""":math:`x_j^\top v` for column ``j``."""
    out = 0.0
    if sparse:
        for k in range(indptr[j], indptr[j + 1]):
            out += data[k] * v[indices[k]]
    else:
        for i in range(X.shape[0]):
            out += X[i, j] * v[i]
    return out


@numba.njit(cache=True, fastmath=_REASSOC)
def _col_dot_weighted(X, data, indices, indptr, sparse, j, a, v):
    r""":math:`\sum_i a_i x_{ij} v_i`."""
    out = 0.0
    if sparse:
        for k in range(indptr[j], indptr[j + 1]):
            i = indices[k]
            out += data[k] * a[i] * v[i]
    else:
        for i in range(X.shape[0]):
            out += X[i, j] * a[i] * v[i]
    return out


@numba.njit(cache=True, fastmath=_REASSOC)
def _col_square_weighted(X, data, indices, indptr, sparse, j, a):
    r""":math:`\sum_i a_i x_{ij}^2`."""
    out = 0.0
    if sparse:
        for k in range(indptr[j], indptr[j + 1]):
            out += a[indices[k]] * data[k] * data[k]
    else:
        for i in range(X.shape[0]):
            out += a[i] * X[i, j] * X[i, j]
    return out


@numba.njit(cache=True, fastmath=_REASSOC)
def _col_axpy(X, data, indices, indptr, sparse, j, c, v):
    """``v += c * x_j``."""
    if sparse:
        for k in range(indptr[j], indptr[j + 1]):
            v[indices[k]] += c * data[k]
    else:
        for i in range(X.shape[0]):
            v[i] += c * X[i, j]


@numba.njit(cache=True)
def linear_predictor_ws(X, data, indices, indptr, sparse, w, ws, out):
    """``out = sum_{j in ws} w_j x_j`` (``X w`` when ``ws`` holds every non-zero of ``w``)."""
    out[:] = 0.0
    for k in range(ws.shape[0]):
        j = ws[k]
        if w[j] != 0.0:
            _col_axpy(X, data, indices, indptr, sparse, j, w[j], out)


@numba.njit(cache=True, fastmath=_REASSOC)
def column_norms(X, data, indices, indptr, sparse, s, norms, weighted):
    r"""``norms[j] = ||x_j||_2`` and ``weighted[j] =`` :math:`\sum_i s_i x_{ij}^2` for every column."""
    # One read of each column for both sums (X may be large; this runs once per fit).
    for j in range(norms.shape[0]):
        plain, weighted[j] = 0.0, 0.0
        if sparse:
            for k in range(indptr[j], indptr[j + 1]):
                sq = data[k] * data[k]
                plain += sq
                weighted[j] += s[indices[k]] * sq
        else:
            for i in range(X.shape[0]):
                sq = X[i, j] * X[i, j]
                plain += sq
                weighted[j] += s[i] * sq
        norms[j] = np.sqrt(plain)


@numba.njit(cache=True)
def refresh_gradient(X, data, indices, indptr, sparse, d, norms, w, l1, max_fraction, grad, bound,
                     d_ref, fresh):
    r"""Bring the datafit gradient ``grad = X^T d`` up to date where its value can matter.

    Only the coordinates whose value can reach the L1 threshold are read (celer's and glmnet's
    strong rules skip features; this skips them *safely*). ``bound`` and the reference
    derivative ``d_ref`` keep, for every feature, :math:`|x_j^\top d'| \le \text{bound}_j +
    \|x_j\| \delta(d')` for any ``d'``, with :math:`\delta(d') \ge \|d' - d_{\text{ref}}\|`
    (Cauchy-Schwarz, plus the rounding of the dot products of the old and the new value). A
    feature with ``w_j = 0`` whose bound is under ``l1`` has a gradient under ``l1``: it adds
    nothing to the duality gap (dual scaling, conjugate) nor to the optimality violations, and
    its outdated entry (under ``l1`` as well) gives the same gap as the exact one. ``fresh``
    marks the entries already exact at ``d``; the others are recomputed when their bound fails,
    or all of them, ``d`` becoming the new reference, when more than ``max_fraction`` of the
    features would be (the bounds are then too loose to pay). Returns the number of columns read.
    """
    n, p = d.shape[0], grad.shape[0]
    eps = np.finfo(np.float64).eps
    dist, d_norm = 0.0, 0.0
    for i in range(n):
        dist += (d[i] - d_ref[i]) ** 2
        d_norm += d[i] * d[i]
    # n eps ||x_j|| ||d|| bounds the rounding of one dot product of length n; the factor covers
    # the rounding of the norms themselves.
    delta = (np.sqrt(dist) + 2.0 * n * eps * np.sqrt(d_norm)) * (1.0 + 4.0 * n * eps)
    count = 0
    for j in range(p):
        if not fresh[j] and (w[j] != 0.0 or bound[j] + norms[j] * delta >= l1):
            count += 1
    if count > max_fraction * p:
        d_ref[:] = d
        delta = 2.0 * n * eps * np.sqrt(d_norm) * (1.0 + 4.0 * n * eps)
        fresh[:] = False
        count = p
    for j in range(p):
        if fresh[j] or not (count == p or w[j] != 0.0 or bound[j] + norms[j] * delta >= l1):
            continue
        grad[j] = col_dot(X, data, indices, indptr, sparse, j, d)
        bound[j] = abs(grad[j]) + norms[j] * delta
        fresh[j] = True
    return count


@numba.njit(cache=True)
def logistic_value_and_derivative(y, s, z, d):
    """``sum_i s_i loss(y_i, z_i)``, with ``d`` set to its derivative in ``z``."""
    out = 0.0
    for i in range(z.shape[0]):
        loss, sig = _logistic_terms(y[i], z[i])
        out += s[i] * loss
        d[i] = -s[i] * y[i] * sig
    return out


@numba.njit(cache=True)
def _intercept_pass(y, s, z0, b):
    """First and second derivative of the logistic datafit in the intercept ``b``."""
    g, h = 0.0, 0.0
    for i in range(z0.shape[0]):
        sig = 1.0 / (1.0 + np.exp(y[i] * (z0[i] + b)))
        g -= s[i] * y[i] * sig
        h += s[i] * sig * (1.0 - sig)
    return g, h


@numba.njit(cache=True)
def logistic_intercept(y, s, z0, b):
    """Intercept minimizing the logistic datafit at ``z0 + b``: Newton from ``b``, with backtracking.

    A step is kept when it lowers the slope ``|g|``: the datafit is convex in ``b``, so this
    brackets the root, and it needs no loss value (half the exponentials, and no stall on the
    rounding of a flat objective). Stops when the Newton decrement ``g^2 / h`` is under
    ``1e-24`` (the intercept is then exact to rounding for any sensible scaling) or the step is
    negligible.
    """
    g, h = _intercept_pass(y, s, z0, b)
    for _ in range(100):
        if h <= 0.0 or g * g <= 1e-24 * h:
            return b
        step = g / h
        t = 1.0
        while True:
            g_new, h_new = _intercept_pass(y, s, z0, b - t * step)
            if abs(g_new) < abs(g) or t < 1e-10:
                break
            t *= 0.5
        b -= t * step
        g, h = g_new, h_new
        if abs(t * step) <= 1e-15 * max(1.0, abs(b)):
            return b
    return b


@numba.njit(cache=True)
def logistic_dual_value(y, s, d, c):
    r"""Datafit part of the dual, :math:`\sum_i s_i H(c\,\sigma(-y_i z_i))` (H the binary entropy).

    :math:`\sigma(-y_i z_i)` is read from the derivative ``d`` at ``z`` (:math:`d_i = -s_i y_i
    \sigma(-y_i z_i)`), which spares an exponential per sample; samples of weight 0 add nothing.
    """
    out = 0.0
    for i in range(d.shape[0]):
        if s[i] == 0.0:
            continue
        a = -c * d[i] * y[i] / s[i]
        if a > 0.0:
            out -= s[i] * a * np.log(a)
        if a < 1.0:
            out -= s[i] * (1.0 - a) * np.log1p(-a)
    return out


@numba.njit(cache=True)
def _subdiff_distance(wj, gj, l1, l2):
    """Distance from ``-gj`` to the subdifferential of the elastic net at ``wj``."""
    g = gj + l2 * wj
    if wj == 0.0:
        return max(abs(g) - l1, 0.0)
    if wj > 0.0:
        return abs(g + l1)
    return abs(g - l1)


@numba.njit(cache=True)
def _penalty_ws(w, ws, dw, t, l1, l2):
    """Elastic net of ``w + t * dw`` over the working set (``dw`` indexed like ``ws``)."""
    out = 0.0
    for k in range(ws.shape[0]):
        v = w[ws[k]] + t * dw[k]
        out += l1 * abs(v) + 0.5 * l2 * v * v
    return out


@numba.njit(cache=True)
def select_working_set(w, grad, l1, l2, p0):
    """The working set and the largest optimality violation (distance to the subdifferential).

    The working set holds the support and the features with the largest violations, at least
    ``p0`` and twice the support as skglm (only features that violate their condition), sorted.
    """
    p = w.shape[0]
    score = np.empty(p)
    n_support, n_cand, largest = 0, 0, 0.0
    for j in range(p):
        score[j] = _subdiff_distance(w[j], grad[j], l1, l2)
        largest = max(largest, score[j])
        if w[j] != 0.0:
            n_support += 1
        elif score[j] > 0.0:
            n_cand += 1
    size = min(max(p0, 2 * n_support), n_support + n_cand)
    ws = np.empty(size, dtype=np.int64)
    cand = np.empty(n_cand, dtype=np.int64)
    k, c = 0, 0
    for j in range(p):
        if w[j] != 0.0:
            ws[k] = j
            k += 1
        elif score[j] > 0.0:
            cand[c] = j
            c += 1
    if size - n_support < n_cand:
        # Stable order: among equal violations the lower index wins, reproducibly.
        cand = cand[np.argsort(-score[cand], kind="mergesort")[: size - n_support]]
    ws[n_support:] = cand
    ws.sort()
    return ws, largest


@numba.njit(cache=True)
def _anderson_weights(hist, out):
    r"""Anderson extrapolation weights from the ``K + 1`` last iterates (rows of ``hist``).

    With :math:`U` the ``K`` successive differences, solves :math:`U U^\top c = \mathbf 1` and
    normalizes :math:`c` to sum to one (Bertrand and Massias 2021). Returns False when the
    system is numerically singular (the caller then keeps the plain iterate).
    """
    K = hist.shape[0] - 1
    U = np.empty((K, hist.shape[1]))
    for k in range(K):
        for m in range(hist.shape[1]):
            U[k, m] = hist[k + 1, m] - hist[k, m]
    A = U @ U.T
    scale = 0.0
    for k in range(K):
        scale = max(scale, A[k, k])
    if scale == 0.0:
        return False
    rhs = np.ones(K)
    for col in range(K):  # Gaussian elimination with partial pivoting
        piv = col
        for row in range(col + 1, K):
            if abs(A[row, col]) > abs(A[piv, col]):
                piv = row
        if abs(A[piv, col]) <= 1e-14 * scale:
            return False
        if piv != col:
            for m in range(K):
                A[col, m], A[piv, m] = A[piv, m], A[col, m]
            rhs[col], rhs[piv] = rhs[piv], rhs[col]
        for row in range(col + 1, K):
            f = A[row, col] / A[col, col]
            for m in range(col, K):
                A[row, m] -= f * A[col, m]
            rhs[row] -= f * rhs[col]
    for row in range(K - 1, -1, -1):
        acc = rhs[row]
        for m in range(row + 1, K):
            acc -= A[row, m] * out[m]
        out[row] = acc / A[row, row]
    total = np.sum(out)
    if total == 0.0 or not np.isfinite(total):
        return False
    out /= total
    return True


@numba.njit(cache=True)
def _squared_objective_ws(r, s, w, ws, l1, l2):
    out = 0.0
    for i in range(r.shape[0]):
        out += 0.5 * s[i] * r[i] * r[i]
    return out + _penalty_ws(w, ws, np.zeros(ws.shape[0]), 0.0, l1, l2)


@numba.njit(cache=True)
def ws_cd_squared(X, data, indices, indptr, sparse, y, s, w, b, r, lip, ws, l1, l2, fit_intercept,
                  tol_in, max_epochs, n_anderson):
    r"""Cyclic coordinate descent for the squared loss restricted to the features ``ws``.

    ``r = X w + b - y`` is kept up to date. Coordinate ``j`` takes the exact step
    :math:`w_j \leftarrow \operatorname{prox}_{g/L_j}(w_j - x_j^\top S r / L_j)`; the intercept
    is minimized exactly after each pass. Every ``n_anderson`` passes the last iterates are
    extrapolated (Anderson acceleration, kept only when it lowers the objective). Stops when the
    largest distance to the subdifferential met during a pass is at most ``tol_in``, or after
    ``max_epochs`` passes; returns the number of passes.
    """
    m, n = ws.shape[0], r.shape[0]
    s_total = np.sum(s)
    K = n_anderson
    hist_w = np.empty((K + 1, m + 1))
    hist_r = np.empty((K + 1, n))
    weights = np.empty(max(K, 1))
    n_hist = 0
    for epoch in range(max_epochs):
        kkt = 0.0
        for k in range(m):
            j = ws[k]
            if lip[j] == 0.0:
                continue
            grad = _col_dot_weighted(X, data, indices, indptr, sparse, j, s, r)
            old = w[j]
            kkt = max(kkt, _subdiff_distance(old, grad, l1, l2))
            new = prox_enet(old - grad / lip[j], l1 / lip[j], l2 / lip[j])
            if new != old:
                _col_axpy(X, data, indices, indptr, sparse, j, new - old, r)
                w[j] = new
        if fit_intercept:
            grad_b = 0.0
            for i in range(n):
                grad_b += s[i] * r[i]
            kkt = max(kkt, abs(grad_b))
            delta = -grad_b / s_total
            b[0] += delta
            for i in range(n):
                r[i] += delta
        if kkt <= tol_in:
            return epoch + 1
        if K == 0:
            continue
        for k in range(m):
            hist_w[n_hist, k] = w[ws[k]]
        hist_w[n_hist, m] = b[0]
        hist_r[n_hist] = r
        n_hist += 1
        if n_hist < K + 1:
            continue
        n_hist = 0
        if not _anderson_weights(hist_w, weights):
            continue
        w_acc = np.zeros(m + 1)
        r_acc = np.zeros(n)
        for k in range(K):
            w_acc += weights[k] * hist_w[k + 1]
            r_acc += weights[k] * hist_r[k + 1]
        w_cur = np.empty(w.shape[0])
        w_cur[:] = w
        before = _squared_objective_ws(r, s, w, ws, l1, l2)
        for k in range(m):
            w_cur[ws[k]] = w_acc[k]
        if _squared_objective_ws(r_acc, s, w_cur, ws, l1, l2) < before:
            for k in range(m):
                w[ws[k]] = w_acc[k]
            if fit_intercept:
                b[0] = w_acc[m]
            r[:] = r_acc
    return max_epochs


@numba.njit(cache=True)
def _line_search_ws(y, s, z, f0, d, h, z_new, xd, w, ws, dw, b, db, l1, l2):
    r"""Backtrack from ``t = 1`` (Armijo on the full objective) along ``(dw, db)``, then move.

    ``f0``, ``d`` and ``h`` are the datafit and its derivatives at ``z``; they are updated to the
    new point (computed with each trial's loss, which needs the same exponentials), and the
    datafit there is returned. The decrease the model predicts is
    :math:`\nabla F^\top X\Delta + g(w + \Delta) - g(w)`.
    """
    n = z.shape[0]
    slope = 0.0
    for i in range(n):
        slope += d[i] * xd[i]
    g0 = _penalty_ws(w, ws, dw, 0.0, l1, l2)
    slope += _penalty_ws(w, ws, dw, 1.0, l1, l2) - g0
    # Near the optimum the decrease falls under the rounding of the objective; the test then
    # accepts the Newton step instead of shrinking it to nothing.
    noise = 1e-14 * abs(f0 + g0)
    t = 1.0
    for trial in range(30):
        for i in range(n):
            z_new[i] = z[i] + t * xd[i]
        f = _newton_weights(y, s, z_new, d, h)
        if f + _penalty_ws(w, ws, dw, t, l1, l2) <= f0 + g0 + 1e-4 * t * slope + noise or trial == 29:
            break
        t *= 0.5
    for k in range(ws.shape[0]):
        w[ws[k]] += t * dw[k]
    b[0] += t * db
    z[:] = z_new
    return f


@numba.njit(cache=True)
def _weighted_gram(X, data, indices, indptr, sparse, ws, h, gram, gram_b):
    r"""``gram[k, l] =`` :math:`x_k^\top H x_l` and ``gram_b[k] =`` :math:`x_k^\top h` over ``ws``."""
    m = ws.shape[0]
    hx = np.zeros(h.shape[0])
    for l in range(m):
        j = ws[l]
        # hx = H x_j, written only where x_j is non-zero (and reset there afterwards).
        if sparse:
            for k in range(indptr[j], indptr[j + 1]):
                hx[indices[k]] = h[indices[k]] * data[k]
        else:
            for i in range(X.shape[0]):
                hx[i] = h[i] * X[i, j]
        for k in range(l, m):
            gram[k, l] = col_dot(X, data, indices, indptr, sparse, ws[k], hx)
            gram[l, k] = gram[k, l]
        gram_b[l] = col_dot(X, data, indices, indptr, sparse, j, h)
        if sparse:
            for k in range(indptr[j], indptr[j + 1]):
                hx[indices[k]] = 0.0


@numba.njit(cache=True)
def ws_prox_newton(X, data, indices, indptr, sparse, y, s, w, b, z, f, d, grad_ws, ws, l1, l2,
                   fit_intercept, tol_in, max_newton, max_cd, cd_tol):
    r"""Proximal Newton for the logistic loss restricted to the features ``ws``.

    ``f`` and ``d`` are the datafit and its derivative at ``z = Xw + b`` (``d`` is overwritten),
    ``grad_ws`` the gradient on ``ws`` there.
    Each step builds the quadratic model of the loss at ``z``,
    :math:`\nabla F^\top X\Delta + \tfrac12 \|X\Delta\|_H^2`, minimizes it plus the penalty over
    ``ws`` (and the intercept) by cyclic coordinate passes (at most ``max_cd``, until the largest
    Hessian-weighted squared change of a pass is under ``cd_tol`` times that of the first), and
    moves by a line search. The passes run on the weighted Gram matrix :math:`X_{ws}^\top H
    X_{ws}` (glmnet's covariance mode): built once per step for about ``(|ws| + 1) / 4`` passes
    over the columns (half of the :math:`|ws|^2` column products), it makes a pass cost
    :math:`|ws|^2` flops instead of two reads of every column. Stops when the largest distance
    to the subdifferential over ``ws`` (and the intercept gradient) is at most ``tol_in``, or
    after ``max_newton`` steps; returns the number of steps.
    """
    n, m = z.shape[0], ws.shape[0]
    h, xd = np.empty(n), np.empty(n)
    grad, dw, u = np.empty(m), np.empty(m), np.empty(m)
    gram, gram_b = np.empty((m, m)), np.empty(m)
    z_new = np.empty(n)
    # The Hessian weights from d = -s y sigma(-y z), without exponentials.
    for i in range(n):
        sig = -d[i] * y[i] / s[i] if s[i] > 0.0 else 0.0
        h[i] = s[i] * sig * (1.0 - sig)
    for step in range(max_newton):
        kkt = 0.0
        for k in range(m):
            j = ws[k]
            grad[k] = grad_ws[k] if step == 0 else col_dot(X, data, indices, indptr, sparse, j, d)
            kkt = max(kkt, _subdiff_distance(w[j], grad[k], l1, l2))
        grad_b = np.sum(d)
        if fit_intercept:
            kkt = max(kkt, abs(grad_b))
        if kkt <= tol_in:
            return step
        _weighted_gram(X, data, indices, indptr, sparse, ws, h, gram, gram_b)
        h_b = np.sum(h)
        # u = (X_ws^T H X) (dw, db) and u_b its intercept entry: the model's gradient minus grad.
        u[:] = 0.0
        u_b = 0.0
        dw[:] = 0.0
        db = 0.0
        first = -1.0
        for _ in range(max_cd):
            largest = 0.0
            for k in range(m):
                hess = gram[k, k]
                if hess == 0.0:
                    continue
                g = grad[k] + u[k]
                old = w[ws[k]] + dw[k]
                change = prox_enet(old - g / hess, l1 / hess, l2 / hess) - old
                if change != 0.0:
                    dw[k] += change
                    for q in range(m):
                        u[q] += change * gram[q, k]
                    u_b += change * gram_b[k]
                    largest = max(largest, hess * change * change)
            if fit_intercept and h_b > 0.0:
                change = -(grad_b + u_b) / h_b
                db += change
                for q in range(m):
                    u[q] += change * gram_b[q]
                u_b += change * h_b
                largest = max(largest, h_b * change * change)
            if first < 0.0:
                first = largest
            if largest <= cd_tol * first:
                break
        xd[:] = db
        for k in range(m):
            if dw[k] != 0.0:
                _col_axpy(X, data, indices, indptr, sparse, ws[k], dw[k], xd)
        f = _line_search_ws(y, s, z, f, d, h, z_new, xd, w, ws, dw, b, db, l1, l2)
    return max_newton


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


# -- weighted Gram matrix of a CSR matrix (Newton with a Cholesky inner solver) ----------------
@numba.njit(cache=True)
def weighted_gram_csr(data, indices, indptr, h, p, fit_intercept):
    r"""``A^T diag(h) A`` for CSR ``X`` (``p`` columns) and ``A = [X, 1]`` or ``A = X``, dense.

    One pass over the rows accumulates ``h_i x_i x_i^T`` over the pairs of stored entries of
    each row into one triangle (the one that ``indices`` order gives), plus the intercept border
    ``sum_i h_i x_i`` and corner ``sum_i h_i``; the two triangles are then summed and mirrored.
    Rows with duplicate column indices are handled (a pair of duplicates counts twice). ``h`` may
    have any sign. Cost ``O(sum_i nnz_i^2 / 2 + p^2)``.
    """
    m = p + 1 if fit_intercept else p
    G = np.zeros((m, m))
    n = indptr.shape[0] - 1
    for i in range(n):
        hi = h[i]
        if hi == 0.0:
            continue
        start, stop = indptr[i], indptr[i + 1]
        for a in range(start, stop):
            ja = indices[a]
            va = hi * data[a]
            G[ja, ja] += va * data[a]
            for b in range(a + 1, stop):
                jb = indices[b]
                if jb == ja:
                    G[ja, ja] += 2.0 * va * data[b]
                else:
                    G[ja, jb] += va * data[b]
            if fit_intercept:
                G[ja, p] += va
        if fit_intercept:
            G[p, p] += hi
    for j in range(p):
        for k in range(j + 1, p):
            s = G[j, k] + G[k, j]
            G[j, k] = s
            G[k, j] = s
        if fit_intercept:
            G[p, j] = G[j, p]
    return G
