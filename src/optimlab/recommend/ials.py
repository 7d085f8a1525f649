r"""Weighted ALS for implicit feedback (Hu, Koren and Volinsky 2008), with Rendle's settings."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from optimlab._validation import check_int, check_random_state, check_real
from optimlab.recommend import _kernels
from optimlab.recommend._base import Recommender, _EpochLog, check_factors_params
from optimlab.result import Result

__all__ = ["ImplicitALS"]

SOLVERS = ("cg", "cholesky")
CONFIDENCES = ("linear", "log")


class ImplicitALS(Recommender):
    r"""Implicit-feedback matrix factorization by weighted alternating least squares.

    Every (user, item) pair counts: a pair with an interaction has preference 1 and weight
    :math:`w_{ui} = w_0 + \alpha f(r_{ui})`, every other pair preference 0 and weight :math:`w_0`.
    The fit minimizes

    .. math::

        L = \sum_{u,i} w_{ui} (p_{ui} - x_u^\top y_i)^2
            + \sum_u \lambda_u \|x_u\|^2 + \sum_i \lambda_i \|y_i\|^2,
        \qquad \lambda_u = \lambda (n_u + w_0 n_{items})^{\nu},\;
        \lambda_i = \lambda (n_i + w_0 n_{users})^{\nu}

    where :math:`f(r) = r` (``confidence="linear"``, Hu, Koren and Volinsky's
    :math:`c = 1 + \alpha r` when :math:`w_0 = 1`) or :math:`f(r) = \log(1 + r)` (``"log"``),
    :math:`n_u` the number of items of user :math:`u`. The unobserved weight :math:`w_0`
    (``unobserved_weight``) and the frequency-scaled regularization (exponent :math:`\nu`,
    ``reg_exponent``; 0 gives a plain :math:`\lambda`) are the two settings Rendle et al. (2022,
    "Revisiting the performance of iALS") found to matter most.

    The sum over all pairs is never formed: the Gramian :math:`w_0 Y^\top Y` carries the
    unobserved part, so one epoch costs :math:`O(\mathrm{nnz}\,k + (n_{users} + n_{items}) k^2)`
    for ``solver="cg"`` and :math:`O(\mathrm{nnz}\,k^2 + (n_{users} + n_{items}) k^3)` for
    ``"cholesky"``. Each half-step solves the normal equations of every user (then every item)
    in parallel: exactly by a Cholesky factorization, or by ``cg_steps`` conjugate-gradient
    iterations warm-started from the previous vector (Takacs, Pilaszy and Tikk 2011).

    ``result_.fun`` is :math:`L / \mathrm{nnz}` and the certificate the 2-norm of its gradient.

    The defaults (log confidence, :math:`\alpha = 2`, :math:`w_0 = 0.2`, :math:`\nu = 1`,
    :math:`\lambda = 0.03`) were the best of a small grid on MovieLens 100k and Last.fm 2k
    (``benchmarks/recommend.py``); Hu, Koren and Volinsky's original model is
    ``confidence="linear", unobserved_weight=1, reg_exponent=0``.

    Parameters
    ----------
    factors : int
    epochs : int
        Maximum number of alternations (one user half-step and one item half-step each).
    solver : {"cg", "cholesky"}
    cg_steps : int
        Conjugate-gradient iterations per vector and half-step.
    regularization : float
        :math:`\lambda`.
    alpha : float
        Scale of the confidence of observed pairs.
    unobserved_weight : float
        :math:`w_0 > 0`.
    reg_exponent : float
        :math:`\nu \ge 0`.
    confidence : {"linear", "log"}
    init_std : float
        Standard deviation of the random initial vectors.
    tol, time_limit, random_state
        As for :class:`MatrixFactorization`.
    validation_k : int
        Cut-off of the validation metrics recorded per epoch.
    dtype : {numpy.float32, numpy.float64}
        Storage of the factors. float32 (the default, as in the ``implicit`` library) halves the
        memory traffic of the dense products; sums inside the solves are accumulated in float64.
        Use float64 to check the solves to machine precision.

    Attributes
    ----------
    user_factors_, item_factors_ : ndarray
    result_ : Result
    """

    _param_names = ("factors", "epochs", "solver", "cg_steps", "regularization", "alpha",
                    "unobserved_weight", "reg_exponent", "confidence", "init_std", "tol",
                    "time_limit", "random_state", "dtype")

    def __init__(self, *, factors: int = 64, epochs: int = 15, solver: str = "cg", cg_steps: int = 3,
                 regularization: float = 0.03, alpha: float = 2.0, unobserved_weight: float = 0.2,
                 reg_exponent: float = 1.0, confidence: str = "log", init_std: float = 0.01,
                 tol: float = 1e-6, time_limit: float | None = None, random_state=None,
                 validation_k: int = 10, dtype=np.float32) -> None:
        self.dtype = dtype
        self.factors = factors
        self.epochs = epochs
        self.solver = solver
        self.cg_steps = cg_steps
        self.regularization = regularization
        self.alpha = alpha
        self.unobserved_weight = unobserved_weight
        self.reg_exponent = reg_exponent
        self.confidence = confidence
        self.init_std = init_std
        self.tol = tol
        self.time_limit = time_limit
        self.random_state = random_state
        self.validation_k = validation_k

    def _check_params(self) -> None:
        check_factors_params(self)
        if self.solver not in SOLVERS:
            raise ValueError(f"solver must be one of {SOLVERS}, got {self.solver!r}.")
        if self.confidence not in CONFIDENCES:
            raise ValueError(f"confidence must be one of {CONFIDENCES}, got {self.confidence!r}.")
        check_int(self.cg_steps, "cg_steps", low=1)
        check_real(self.alpha, "alpha", low=0.0)
        check_real(self.unobserved_weight, "unobserved_weight", low=0.0, low_open=True)
        check_real(self.reg_exponent, "reg_exponent", low=0.0)
        check_real(self.init_std, "init_std", low=0.0)
        if np.dtype(self.dtype) not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype!r}.")

    def _weights(self, values: np.ndarray) -> np.ndarray:
        if (values < 0).any():
            raise ValueError("Implicit feedback values must be non-negative (counts or strengths).")
        f = values if self.confidence == "linear" else np.log1p(values)
        return self.unobserved_weight + self.alpha * f

    def _lambdas(self, counts: np.ndarray, n_other: int) -> np.ndarray:
        lam = float(self.regularization) * (counts + self.unobserved_weight * n_other) ** self.reg_exponent
        return np.ascontiguousarray(lam, dtype=np.float64)

    def _cg_steps(self, X, W, Y, YtY, target, lam, R, rr) -> None:
        """``cg_steps`` lockstep CG iterations from the residuals ``R`` (squared norms ``rr``)."""
        P = R.copy()
        w0 = target.dtype.type(self.unobserved_weight)
        for _ in range(int(self.cg_steps)):
            _kernels.ials_cg_step(X.indptr, X.indices, W, Y, target, P, P @ YtY, R, rr, w0, lam)

    def _residuals(self, X, W, Y, YtY, target, lam):
        """Residuals of the normal equations of every row of ``target`` (and the observed loss)."""
        R = np.empty_like(target)
        rr, obs = _kernels.ials_cg_init(X.indptr, X.indices, W, Y, target, target @ YtY,
                                        target.dtype.type(self.unobserved_weight), lam, R)
        return R, rr, obs

    def _fit(self, X: sp.csr_matrix, validate: Callable | None, callback: Callable | None) -> Result:
        rng = check_random_state(self.random_state)
        n_users, n_items = X.shape
        k = self.factors
        Xt = X.T.tocsr()
        Xt.sort_indices()
        W = self._weights(X.data)
        Wt = self._weights(Xt.data)
        lam_u = self._lambdas(np.diff(X.indptr), n_items)
        lam_i = self._lambdas(np.diff(Xt.indptr), n_users)
        U = rng.normal(0.0, self.init_std, (n_users, k)).astype(self.dtype)
        V = rng.normal(0.0, self.init_std, (n_items, k)).astype(self.dtype)
        self.user_factors_, self.item_factors_ = U, V
        log = _EpochLog(f"ImplicitALS({self.solver})", tol=float(self.tol), max_epochs=self.epochs,
                        time_limit=self.time_limit, callback=callback, certificate_kind="gradient_norm")
        nnz = X.nnz
        w0 = float(self.unobserved_weight)

        def stats(obs: float, gsq: float, VtV: np.ndarray) -> tuple[float, float]:
            """L / nnz and |grad L| / nnz from the observed part and the squared gradient norm."""
            reg = float(lam_u @ np.einsum("ij,ij->i", U, U) + lam_i @ np.einsum("ij,ij->i", V, V))
            loss = w0 * float(np.sum((U.T @ U) * VtV)) + obs + reg
            return loss / nnz, np.sqrt(gsq) / nnz

        # The residual kernels and CG compute in the storage precision (pure float32 vectorizes
        # best); the Cholesky kernel keeps the float64 weights and regularization it builds with.
        Wd, Wtd = W.astype(self.dtype), Wt.astype(self.dtype)
        lam_ud, lam_id = lam_u.astype(self.dtype), lam_i.astype(self.dtype)
        # The certificate comes with the solves. The gradient of L in a row is -2 times the
        # residual of its normal equations: the user rows' residuals at the end of an epoch are
        # the ones the next user half-step starts from (computed exactly); the item rows' ones
        # are those CG carries after the item half-step (exact in exact arithmetic), or computed
        # after the Cholesky solve.
        VtV = V.T @ V
        R_u, rr_u, obs_u = self._residuals(X, Wd, V, VtV, U, lam_ud)
        _, rr_i, _ = self._residuals(Xt, Wtd, U, U.T @ U, V, lam_id)
        stop = log.record(*stats(obs_u.sum(), 4.0 * (rr_u.sum() + rr_i.sum()), VtV),
                          validate() if validate else None, advance=False)
        while not stop:
            if self.solver == "cg":
                self._cg_steps(X, Wd, V, VtV, U, lam_ud, R_u, rr_u)
                UtU = U.T @ U
                R_i, rr_i, _ = self._residuals(Xt, Wtd, U, UtU, V, lam_id)
                self._cg_steps(Xt, Wtd, U, UtU, V, lam_id, R_i, rr_i)
            else:
                _kernels.ials_cholesky_half(X.indptr, X.indices, W, V, VtV, U, w0, lam_u)
                UtU = U.T @ U
                _kernels.ials_cholesky_half(Xt.indptr, Xt.indices, Wt, U, UtU, V, w0, lam_i)
                _, rr_i, _ = self._residuals(Xt, Wtd, U, UtU, V, lam_id)
            VtV = V.T @ V
            R_u, rr_u, obs_u = self._residuals(X, Wd, V, VtV, U, lam_ud)
            stop = log.record(*stats(obs_u.sum(), 4.0 * (rr_u.sum() + rr_i.sum()), VtV),
                              validate() if validate else None)
        return log.result(np.concatenate([U.ravel(), V.ravel()]))

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        # in float64 whatever the storage, so that scores do not depend on how rows are batched
        return self.user_factors_[rows].astype(np.float64) @ self.item_factors_.T.astype(np.float64)

    def _fold_in(self, row: int, cols: np.ndarray, vals: np.ndarray, *, new: bool) -> None:
        V = self.item_factors_
        w = self._weights(vals)
        w0 = float(self.unobserved_weight)
        lam = float(self._lambdas(np.asarray([cols.size]), V.shape[0])[0])
        Z = V[cols] * np.sqrt(np.maximum(w - w0, 0.0))[:, None]
        A = w0 * (V.T @ V) + Z.T @ Z + lam * np.eye(V.shape[1])
        x = np.linalg.solve(A, V[cols].T @ w)
        if new:
            self.user_factors_ = np.vstack([self.user_factors_, x[None, :]])
        else:
            self.user_factors_[row] = x
