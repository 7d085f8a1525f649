r"""Matrix factorization of explicit ratings, with biases (SGD "Funk SVD" and ALS)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from optimlab._validation import check_random_state, check_real
from optimlab.recommend import _kernels
from optimlab.recommend._base import Recommender, _EpochLog, check_factors_params
from optimlab.result import Result

__all__ = ["MatrixFactorization"]

SOLVERS = ("sgd", "als")
DEFAULT_REGULARIZATION = {"sgd": 0.08, "als": 0.12}


class MatrixFactorization(Recommender):
    r"""Biased matrix factorization of explicit ratings.

    Predicts :math:`\hat r_{ui} = \mu + b_u + c_i + p_u^\top q_i` (global mean :math:`\mu`,
    user and item biases, ``factors``-dimensional user and item vectors) by minimizing the mean
    over the training ratings :math:`\Omega` of

    .. math::

        \tfrac12 (r_{ui} - \hat r_{ui})^2 + \tfrac{\lambda}{2}(\|p_u\|^2 + \|q_i\|^2)
        + \tfrac{\lambda_b}{2}(b_u^2 + c_i^2),

    so that users and items are regularized once per rating, as Funk's SGD does.

    Solvers:

    - ``"sgd"``: stochastic gradient descent over the ratings in a fresh random order each
      epoch, step ``learning_rate`` (Funk 2006; Koren, Bell and Volinsky 2009);
    - ``"als"``: alternating least squares, each half-step the exact minimizer over all users
      (or all items) with the other side fixed, users in parallel.

    The certificate is the 2-norm of the gradient of that mean objective (the problem is not
    convex: this certifies a stationary point, not a global minimum). ``fit`` runs ``epochs``
    epochs unless the certificate falls under ``tol`` first.

    Parameters
    ----------
    factors : int
        Dimension of the user and item vectors.
    epochs : int
        Maximum number of passes (SGD) or alternations (ALS).
    solver : {"sgd", "als"}
    learning_rate : float
        SGD step size (ignored by ALS).
    regularization : float, optional
        :math:`\lambda`, on the vectors. Default: 0.08 with SGD (whose early stop also
        regularizes) and 0.12 with ALS, the best values of each on the MovieLens 100k folds.
    bias_regularization : float, optional
        :math:`\lambda_b`, on the biases (default: ``regularization``).
    init_std : float
        Standard deviation of the random initial vectors.
    clip : bool
        Clip predictions to the range of the training ratings.
    tol : float
        Stop when the gradient norm is at or under ``tol``.
    time_limit : float, optional
        Seconds.
    random_state : int, Generator or None
        Makes the fit reproducible.
    validation_k : int
        Unused by rating models (kept for a uniform interface).

    Attributes
    ----------
    user_factors_, item_factors_ : ndarray, (n_users, factors) and (n_items, factors)
    user_bias_, item_bias_ : ndarray
    global_mean_ : float
    result_ : Result
        One history entry per epoch: training loss (``fun``), gradient norm, and
        ``val_rmse``/``val_mae`` when ``fit`` got a validation set.
    """

    explicit = True
    _param_names = ("factors", "epochs", "solver", "learning_rate", "regularization",
                    "bias_regularization", "init_std", "clip", "tol", "time_limit", "random_state")

    def __init__(self, *, factors: int = 16, epochs: int = 15, solver: str = "sgd",
                 learning_rate: float = 0.02, regularization: float | None = None,
                 bias_regularization: float | None = None, init_std: float = 0.1, clip: bool = True,
                 tol: float = 1e-6, time_limit: float | None = None, random_state=None,
                 validation_k: int = 10) -> None:
        self.factors = factors
        self.epochs = epochs
        self.solver = solver
        self.learning_rate = learning_rate
        self.regularization = regularization
        self.bias_regularization = bias_regularization
        self.init_std = init_std
        self.clip = clip
        self.tol = tol
        self.time_limit = time_limit
        self.random_state = random_state
        self.validation_k = validation_k

    def _check_params(self) -> None:
        check_factors_params(self, regularization_default=True)
        if self.solver not in SOLVERS:
            raise ValueError(f"solver must be one of {SOLVERS}, got {self.solver!r}.")
        check_real(self.learning_rate, "learning_rate", low=0.0, low_open=True)
        check_real(self.bias_regularization, "bias_regularization", low=0.0, allow_none=True)
        check_real(self.init_std, "init_std", low=0.0)

    @property
    def _reg(self) -> float:
        if self.regularization is not None:
            return float(self.regularization)
        return DEFAULT_REGULARIZATION[self.solver]

    @property
    def _reg_bias(self) -> float:
        return self._reg if self.bias_regularization is None else float(self.bias_regularization)

    def _fit(self, X: sp.csr_matrix, validate: Callable | None, callback: Callable | None) -> Result:
        rng = check_random_state(self.random_state)
        coo = X.tocoo()
        users = coo.row.astype(np.int32)  # 4-byte indices: less to read per rating
        items = coo.col.astype(np.int32)
        ratings = coo.data.astype(np.float64)
        n_users, n_items = X.shape
        k = self.factors
        reg, reg_b = self._reg, self._reg_bias
        mu = float(ratings.mean())
        self.global_mean_ = mu
        self.rating_range_ = (float(ratings.min()), float(ratings.max()))
        P = rng.normal(0.0, self.init_std, (n_users, k))
        Q = rng.normal(0.0, self.init_std, (n_items, k))
        bu = np.zeros(n_users)
        bi = np.zeros(n_items)
        self.user_factors_, self.item_factors_, self.user_bias_, self.item_bias_ = P, Q, bu, bi
        log = _EpochLog(f"MatrixFactorization({self.solver})", tol=float(self.tol), max_epochs=self.epochs,
                        time_limit=self.time_limit, callback=callback, certificate_kind="gradient_norm")
        count_u = np.bincount(users, minlength=n_users).astype(np.float64)
        count_i = np.bincount(items, minlength=n_items).astype(np.float64)
        if self.solver == "als":
            Xt = X.T.tocsr()
            Xt.sort_indices()

        def measure():
            return _kernels.mf_loss_grad(users, items, ratings, count_u, count_i, mu, bu, bi, P, Q,
                                         reg, reg_b)

        stop = log.record(*measure(), validate() if validate else None, advance=False)
        while not stop:
            if self.solver == "sgd":
                order = rng.permutation(ratings.size)
                _kernels.mf_sgd_epoch(users[order], items[order], ratings[order], mu, bu, bi, P, Q,
                                      float(self.learning_rate), reg, reg_b)
            else:
                _kernels.mf_als_half(X.indptr, X.indices, X.data, mu, bi, Q, P, bu, reg, reg_b)
                _kernels.mf_als_half(Xt.indptr, Xt.indices, Xt.data, mu, bu, P, Q, bi, reg, reg_b)
            stop = log.record(*measure(), validate() if validate else None)
        return log.result(np.concatenate([P.ravel(), Q.ravel(), bu, bi]))

    # -- prediction ---------------------------------------------------------------------------------

    def _clip(self, pred: np.ndarray) -> np.ndarray:
        if self.clip:
            lo, hi = self.rating_range_
            np.clip(pred, lo, hi, out=pred)
        return pred

    def _predict_index(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        pred = _kernels.mf_predict(rows.astype(np.int64), cols.astype(np.int64), self.global_mean_,
                                   self.user_bias_, self.item_bias_, self.user_factors_, self.item_factors_)
        return self._clip(pred)

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        s = self.user_factors_[rows] @ self.item_factors_.T
        s += self.global_mean_ + self.user_bias_[rows, None] + self.item_bias_[None, :]
        return self._clip(s)

    def predict(self, users, items, *, unknown: str = "baseline") -> np.ndarray:
        """Predicted ratings of (user, item) pairs given by raw ids.

        Parameters
        ----------
        users, items : sequences of raw ids, of equal length (or one user and many items)
        unknown : {"baseline", "error"}
            For ids the model does not know: ``"baseline"`` predicts from what is known
            (:math:`\\mu + b_u` for an unknown item, :math:`\\mu + c_i` for an unknown user,
            :math:`\\mu` for both); ``"error"`` raises.
        """
        self._check_fitted()
        if unknown not in ("baseline", "error"):
            raise ValueError(f"unknown must be 'baseline' or 'error', got {unknown!r}.")
        rows, _ = self._rows(users, allow_unknown=unknown == "baseline")
        cols = self._cols(items, allow_unknown=unknown == "baseline")
        if rows.size == 1 and cols.size > 1:
            rows = np.repeat(rows, cols.size)
        if rows.size != cols.size:
            raise ValueError(f"users and items must have the same length, got {rows.size} and {cols.size}.")
        return self._predict_index(rows, cols)

    def _fold_in(self, row: int, cols: np.ndarray, vals: np.ndarray, *, new: bool) -> None:
        m = cols.size
        Z = np.hstack([self.item_factors_[cols], np.ones((m, 1))])
        t = vals - self.global_mean_ - self.item_bias_[cols]
        A = Z.T @ Z
        A[np.diag_indices(self.factors)] += self._reg * m
        A[-1, -1] += self._reg_bias * m
        sol = np.linalg.solve(A, Z.T @ t)
        if new:
            self.user_factors_ = np.vstack([self.user_factors_, sol[None, :-1]])
            self.user_bias_ = np.append(self.user_bias_, sol[-1])
        else:
            self.user_factors_[row] = sol[:-1]
            self.user_bias_[row] = sol[-1]
