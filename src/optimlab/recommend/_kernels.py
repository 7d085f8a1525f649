"""Compiled inner loops of the recommenders (numba).

Everything here works on dense user/item indices and CSR arrays (``indptr``, ``indices``,
``data``); the models in this package own the id maps, the checks and the bookkeeping. Loops over
users (or items) that are independent run in parallel (``prange``); the SGD loops are sequential,
so that a fit is reproducible from its seed.
"""

# ruff: noqa: NPY002  (numba compiles only the legacy np.random API, seeded by seed() below)

from __future__ import annotations

import numpy as np
from numba import njit, prange

# Reassociation lets LLVM vectorize the dot products; NaN and inf keep their IEEE meaning.
_FAST = {"reassoc", "contract", "nsz", "arcp"}

# -- explicit ratings: biased matrix factorization --------------------------------------------------


@njit(cache=True)
def seed(value):
    """Seed numba's own generator (used by the sampling inside the SGD kernels)."""
    np.random.seed(value)


@njit(cache=True, inline="always", fastmath=_FAST)
def _mf_prediction(mu, bu, bi, P, Q, u, i):
    """``mu + b_u + c_i + p_u . q_i``."""
    pred = mu + bu[u] + bi[i]
    for f in range(P.shape[1]):
        pred += P[u, f] * Q[i, f]
    return pred


@njit(cache=True, fastmath=_FAST)
def mf_sgd_epoch(users, items, ratings, mu, bu, bi, P, Q, lr, reg, reg_bias):
    """One pass of SGD over the ratings in the order given (Funk's biased MF); updates in place.

    The caller shuffles the three arrays themselves (not an index into them): reading them in
    order keeps the pass within cache on large data.
    """
    k = P.shape[1]
    for n in range(ratings.shape[0]):
        u = users[n]
        i = items[n]
        e = ratings[n] - _mf_prediction(mu, bu, bi, P, Q, u, i)
        bu[u] += lr * (e - reg_bias * bu[u])
        bi[i] += lr * (e - reg_bias * bi[i])
        for f in range(k):
            puf = P[u, f]
            qif = Q[i, f]
            P[u, f] += lr * (e * qif - reg * puf)
            Q[i, f] += lr * (e * puf - reg * qif)


@njit(cache=True, fastmath=_FAST)
def _add_regularization(F, b, gF, gb, count, reg, reg_bias):
    """The regularization of one side (users or items): its loss, and the squared norm of that
    side's gradient once the regularization (``count`` times per row) is added to ``gF``, ``gb``."""
    k = F.shape[1]
    loss = 0.0
    sq = 0.0
    for r in range(F.shape[0]):
        c = count[r]
        g = gb[r] + reg_bias * c * b[r]
        sq += g * g
        ff = 0.0
        for f in range(k):
            ff += F[r, f] * F[r, f]
            g = gF[r, f] + reg * c * F[r, f]
            sq += g * g
        loss += 0.5 * c * (reg * ff + reg_bias * b[r] * b[r])
    return loss, sq


@njit(cache=True, fastmath=_FAST)
def mf_loss_grad(users, items, ratings, count_u, count_i, mu, bu, bi, P, Q, reg, reg_bias):
    """Mean objective and the 2-norm of its gradient (biased MF, regularization per rating).

    ``F = (1/N) sum_n [0.5 e_n^2 + 0.5 reg (|p_u|^2 + |q_i|^2) + 0.5 reg_bias (b_u^2 + c_i^2)]``;
    the regularization terms are summed per user and item (``count_u``, ``count_i``: ratings of
    each), the data terms per rating.
    """
    n_ratings = ratings.shape[0]
    k = P.shape[1]
    gP = np.zeros_like(P)
    gQ = np.zeros_like(Q)
    gbu = np.zeros_like(bu)
    gbi = np.zeros_like(bi)
    loss = 0.0
    for n in range(n_ratings):
        u = users[n]
        i = items[n]
        e = ratings[n] - _mf_prediction(mu, bu, bi, P, Q, u, i)
        loss += 0.5 * e * e
        gbu[u] -= e
        gbi[i] -= e
        for f in range(k):
            gP[u, f] -= e * Q[i, f]
            gQ[i, f] -= e * P[u, f]
    loss_u, sq_u = _add_regularization(P, bu, gP, gbu, count_u, reg, reg_bias)
    loss_i, sq_i = _add_regularization(Q, bi, gQ, gbi, count_i, reg, reg_bias)
    loss += loss_u + loss_i
    sq = sq_u + sq_i
    return loss / n_ratings, np.sqrt(sq) / n_ratings


@njit(parallel=True, cache=True, fastmath=_FAST)
def mf_als_half(indptr, indices, data, mu, other_bias, Y, X, xbias, reg, reg_bias):
    """Exact minimization over the factors and biases of every row (users or items).

    Row ``r`` solves ``min sum_i (t_ri - x.y_i - b)^2 + m_r (reg |x|^2 + reg_bias b^2)`` with
    ``t_ri = data - mu - other_bias[i]`` and ``m_r`` its number of ratings (the same objective
    as the SGD solver's, which regularizes once per rating).
    """
    n, k = X.shape
    for r in prange(n):
        s = indptr[r]
        e = indptr[r + 1]
        m = e - s
        if m == 0:
            X[r, :] = 0.0
            xbias[r] = 0.0
            continue
        Z = np.ones((m, k + 1))
        t = np.empty(m)
        for j in range(m):
            i = indices[s + j]
            Z[j, :k] = Y[i]
            t[j] = data[s + j] - mu - other_bias[i]
        A = Z.T @ Z
        b = Z.T @ t
        for a in range(k):
            A[a, a] += reg * m
        A[k, k] += reg_bias * m
        sol = np.linalg.solve(A, b)
        X[r, :] = sol[:k]
        xbias[r] = sol[k]


@njit(parallel=True, cache=True, fastmath=_FAST)
def mf_predict(users, items, mu, bu, bi, P, Q):
    out = np.empty(users.shape[0])
    k = P.shape[1]
    for n in prange(users.shape[0]):
        u = users[n]
        i = items[n]
        s = mu
        if u >= 0:
            s += bu[u]
        if i >= 0:
            s += bi[i]
        if u >= 0 and i >= 0:
            for f in range(k):
                s += P[u, f] * Q[i, f]
        out[n] = s
    return out


# -- implicit feedback: weighted ALS ---------------------------------------------------------------


@njit(parallel=True, cache=True, fastmath=_FAST)
def ials_cholesky_half(indptr, indices, weights, Y, YtY, X, w0, lam):
    """Exact weighted least squares for every row (Hu, Koren and Volinsky's normal equations).

    Row ``u`` solves ``(w0 Y'Y + sum_{i in I_u} (w_ui - w0) y_i y_i' + lam_u I) x = sum_i w_ui y_i``
    by a Cholesky factorization and two triangular solves.
    """
    n, k = X.shape
    for u in prange(n):
        s = indptr[u]
        e = indptr[u + 1]
        A = w0 * YtY
        for a in range(k):
            A[a, a] += lam[u]
        b = np.zeros(k)
        for j in range(s, e):
            i = indices[j]
            c = weights[j] - w0
            for a in range(k):
                ya = Y[i, a]
                b[a] += weights[j] * ya
                cya = c * ya
                for c2 in range(a + 1):
                    A[a, c2] += cya * Y[i, c2]
        for a in range(k):
            for c2 in range(a):
                A[c2, a] = A[a, c2]
        L = np.linalg.cholesky(A)
        # forward substitution L z = b, then back substitution L' x = z
        z = np.empty(k)
        for a in range(k):
            acc = b[a]
            for c2 in range(a):
                acc -= L[a, c2] * z[c2]
            z[a] = acc / L[a, a]
        for a in range(k - 1, -1, -1):
            acc = z[a]
            for c2 in range(a + 1, k):
                acc -= L[c2, a] * X[u, c2]
            X[u, a] = acc / L[a, a]


@njit(parallel=True, cache=True, fastmath=_FAST)
def ials_cg_init(indptr, indices, weights, Y, X, G, w0, lam, R):
    """Residuals ``R = b - A X`` of every row's normal equations, given ``G = X @ (Y'Y)``.

    ``A_u = w0 Y'Y + sum_{i in I_u} (w_ui - w0) y_i y_i' + lam_u I`` and ``b_u = sum_i w_ui y_i``
    (the dense ``Y'Y`` products are done by BLAS outside, for all rows at once). Returns the
    squared residual norm of each row (the residual is minus half the gradient of the loss in
    that row) and each row's observed part of the loss, ``sum_i w (1 - s)^2 - w0 s^2``.
    """
    n, k = X.shape
    rr = np.empty(n)
    obs = np.empty(n)
    for u in prange(n):
        for f in range(k):
            R[u, f] = -w0 * G[u, f] - lam[u] * X[u, f]
        part = 0.0
        for j in range(indptr[u], indptr[u + 1]):
            i = indices[j]
            w = weights[j]
            yx = X.dtype.type(0)
            for f in range(k):
                yx += Y[i, f] * X[u, f]
            part += w * (1.0 - yx) ** 2 - w0 * yx * yx
            coef = w - (w - w0) * yx
            for f in range(k):
                R[u, f] += coef * Y[i, f]
        acc = 0.0
        for f in range(k):
            acc += R[u, f] * R[u, f]
        rr[u] = acc
        obs[u] = part
    return rr, obs


@njit(parallel=True, cache=True, fastmath=_FAST)
def ials_cg_step(indptr, indices, weights, Y, X, P, G, R, rr, w0, lam):
    """One conjugate-gradient iteration on every row at once, given ``G = P @ (Y'Y)``.

    Updates the rows of ``X`` (solution), ``R`` (residual), ``P`` (direction) and ``rr`` in
    place (Takacs, Pilaszy and Tikk 2011, run in lockstep so that the dense part is one GEMM).
    """
    n, k = X.shape
    for u in prange(n):
        if rr[u] <= 1e-30:
            continue
        Ap = np.empty(k, X.dtype)
        for f in range(k):
            Ap[f] = w0 * G[u, f] + lam[u] * P[u, f]
        for j in range(indptr[u], indptr[u + 1]):
            i = indices[j]
            yp = X.dtype.type(0)
            for f in range(k):
                yp += Y[i, f] * P[u, f]
            coef = (weights[j] - w0) * yp
            for f in range(k):
                Ap[f] += coef * Y[i, f]
        pAp = 0.0
        for f in range(k):
            pAp += P[u, f] * Ap[f]
        if pAp <= 0.0:
            continue
        alpha = rr[u] / pAp
        rr_new = 0.0
        for f in range(k):
            X[u, f] += alpha * P[u, f]
            R[u, f] -= alpha * Ap[f]
            rr_new += R[u, f] * R[u, f]
        beta = rr_new / rr[u]
        for f in range(k):
            P[u, f] = R[u, f] + beta * P[u, f]
        rr[u] = rr_new


# -- BPR --------------------------------------------------------------------------------------------


@njit(cache=True)
def _is_positive(indptr, indices, u, j):
    lo = indptr[u]
    hi = indptr[u + 1]
    while lo < hi:
        mid = (lo + hi) // 2
        if indices[mid] < j:
            lo = mid + 1
        else:
            hi = mid
    return lo < indptr[u + 1] and indices[lo] == j


@njit(cache=True)
def bpr_sample(indptr, indices, n_items, n_samples):
    """``n_samples`` triples (u, i, j): (u, i) uniform over stored pairs, j uniform over the
    items u has not interacted with (users who interacted with every item are skipped)."""
    n_users = indptr.shape[0] - 1
    nnz = indices.shape[0]
    us = np.empty(n_samples, np.int64)
    is_ = np.empty(n_samples, np.int64)
    js = np.empty(n_samples, np.int64)
    row_of = np.empty(nnz, np.int64)
    for u in range(n_users):
        for t in range(indptr[u], indptr[u + 1]):
            row_of[t] = u
    count = 0
    attempts = 0
    while count < n_samples and attempts < 20 * n_samples + 100:
        attempts += 1
        t = np.random.randint(0, nnz)
        u = row_of[t]
        if indptr[u + 1] - indptr[u] >= n_items:
            continue
        j = np.random.randint(0, n_items)
        while _is_positive(indptr, indices, u, j):
            j = np.random.randint(0, n_items)
        us[count] = u
        is_[count] = indices[t]
        js[count] = j
        count += 1
    return us[:count], is_[:count], js[:count]


@njit(cache=True, fastmath=_FAST)
def bpr_epoch(indptr, indices, n_items, n_samples, P, Q, bi, lr, reg, reg_bias):
    """One epoch of BPR-Opt SGD (Rendle et al. 2009): ``n_samples`` sampled triples."""
    us, is_, js = bpr_sample(indptr, indices, n_items, n_samples)
    k = P.shape[1]
    for t in range(us.shape[0]):
        u = us[t]
        i = is_[t]
        j = js[t]
        x = bi[i] - bi[j]
        for f in range(k):
            x += P[u, f] * (Q[i, f] - Q[j, f])
        # d/dx of log sigmoid(x) = sigmoid(-x)
        if x > 0:
            z = np.exp(-x)
            g = z / (1.0 + z)
        else:
            g = 1.0 / (1.0 + np.exp(x))
        bi[i] += lr * (g - reg_bias * bi[i])
        bi[j] += lr * (-g - reg_bias * bi[j])
        for f in range(k):
            puf = P[u, f]
            qif = Q[i, f]
            qjf = Q[j, f]
            P[u, f] += lr * (g * (qif - qjf) - reg * puf)
            Q[i, f] += lr * (g * puf - reg * qif)
            Q[j, f] += lr * (-g * puf - reg * qjf)


@njit(cache=True, fastmath=_FAST)
def bpr_loss_grad(us, is_, js, P, Q, bi, reg, reg_bias):
    """Mean BPR loss ``-log sigmoid(x_uij) + reg terms`` over fixed triples and its gradient norm."""
    k = P.shape[1]
    gP = np.zeros_like(P)
    gQ = np.zeros_like(Q)
    gb = np.zeros_like(bi)
    loss = 0.0
    n = us.shape[0]
    for t in range(n):
        u = us[t]
        i = is_[t]
        j = js[t]
        x = bi[i] - bi[j]
        reg_sum = 0.0
        for f in range(k):
            x += P[u, f] * (Q[i, f] - Q[j, f])
            reg_sum += P[u, f] ** 2 + Q[i, f] ** 2 + Q[j, f] ** 2
        if x > 0:
            loss += np.log1p(np.exp(-x))
            z = np.exp(-x)
            g = z / (1.0 + z)
        else:
            loss += -x + np.log1p(np.exp(x))
            g = 1.0 / (1.0 + np.exp(x))
        loss += 0.5 * reg * reg_sum + 0.5 * reg_bias * (bi[i] ** 2 + bi[j] ** 2)
        gb[i] += -g + reg_bias * bi[i]
        gb[j] += g + reg_bias * bi[j]
        for f in range(k):
            gP[u, f] += -g * (Q[i, f] - Q[j, f]) + reg * P[u, f]
            gQ[i, f] += -g * P[u, f] + reg * Q[i, f]
            gQ[j, f] += g * P[u, f] + reg * Q[j, f]
    sq = np.sum(gP * gP) + np.sum(gQ * gQ) + np.sum(gb * gb)
    return loss / n, np.sqrt(sq) / n


# -- ranking ---------------------------------------------------------------------------------------


@njit(parallel=True, cache=True, fastmath=_FAST)
def top_k(scores, k, exclude_indptr, exclude_indices):
    """Indices of the ``k`` best scores per row, best first, skipping each row's excluded items
    (``-1`` pads rows with fewer than ``k`` candidates). ``exclude_indptr`` has one entry more
    than ``scores`` has rows."""
    n, m = scores.shape
    out = np.full((n, k), -1, np.int64)
    for r in prange(n):
        s = scores[r].copy()
        for t in range(exclude_indptr[r], exclude_indptr[r + 1]):
            s[exclude_indices[t]] = -np.inf
        kk = min(k, m)
        if kk == 0:
            continue
        part = np.argpartition(-s, kk - 1)[:kk]
        order = np.argsort(-s[part], kind="mergesort")
        c = 0
        for o in order:
            item = part[o]
            if s[item] == -np.inf:
                break
            out[r, c] = item
            c += 1
    return out


@njit(parallel=True, cache=True)
def top_per_row(indptr, data, n):
    """Mask of the ``n`` largest entries of each CSR row (ties: the earlier column first)."""
    keep = np.zeros(data.shape[0], np.bool_)
    for r in prange(indptr.shape[0] - 1):
        s = indptr[r]
        e = indptr[r + 1]
        if e - s <= n:
            keep[s:e] = True
            continue
        order = np.argsort(-data[s:e], kind="mergesort")
        for t in range(n):
            keep[s + order[t]] = True
    return keep
