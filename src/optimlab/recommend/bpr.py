r"""Bayesian personalized ranking (Rendle et al. 2009): pairwise ranking by SGD."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.optimize
import scipy.sparse as sp
import scipy.special

from optimlab._validation import check_random_state, check_real
from optimlab.recommend import _kernels
from optimlab.recommend._base import Recommender, _EpochLog, check_factors_params
from optimlab.result import Result

__all__ = ["BPR"]

_MONITOR_TRIPLES = 100_000  # fixed sample on which the loss and its gradient are tracked
_FOLD_IN_PAIRS = 200_000


class BPR(Recommender):
    r"""Matrix factorization trained to rank: BPR-Opt by stochastic gradient ascent.

    For a user :math:`u`, an item :math:`i` they interacted with and an item :math:`j` they did
    not, the model scores :math:`x_{uij} = p_u^\top (q_i - q_j) + c_i - c_j` and minimizes

    .. math::

        \mathbb{E}_{(u,i,j)} \big[-\log \sigma(x_{uij})
        + \tfrac{\lambda}{2}(\|p_u\|^2 + \|q_i\|^2 + \|q_j\|^2)
        + \tfrac{\lambda_b}{2}(c_i^2 + c_j^2)\big]

    with :math:`(u, i)` drawn uniformly from the training interactions and :math:`j` uniformly
    from the items :math:`u` has not interacted with. One epoch draws as many triples as there
    are interactions, sequentially (reproducible from ``random_state``).

    The expectation runs over every (user, positive, negative) triple, too many to evaluate each
    epoch; the loss recorded per epoch and the certificate (gradient norm,
    ``certificate_kind="sampled_gradient_norm"``) are those of a fixed sample of up to 100,000
    triples drawn once at the start, so epochs are comparable.

    Parameters
    ----------
    factors, epochs, learning_rate, regularization, init_std, tol, time_limit, random_state,
    validation_k
        As for :class:`MatrixFactorization` and :class:`ImplicitALS`.
    bias_regularization : float, optional
        :math:`\lambda_b` (default: ``regularization``).

    Attributes
    ----------
    user_factors_, item_factors_, item_bias_ : ndarray
    result_ : Result
    """

    _param_names = ("factors", "epochs", "learning_rate", "regularization", "bias_regularization",
                    "init_std", "tol", "time_limit", "random_state")

    def __init__(self, *, factors: int = 64, epochs: int = 30, learning_rate: float = 0.05,
                 regularization: float = 0.01, bias_regularization: float | None = None,
                 init_std: float = 0.1, tol: float = 1e-6, time_limit: float | None = None,
                 random_state=None, validation_k: int = 10) -> None:
        self.factors = factors
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.regularization = regularization
        self.bias_regularization = bias_regularization
        self.init_std = init_std
        self.tol = tol
        self.time_limit = time_limit
        self.random_state = random_state
        self.validation_k = validation_k

    def _check_params(self) -> None:
        check_factors_params(self)
        check_real(self.learning_rate, "learning_rate", low=0.0, low_open=True)
        check_real(self.bias_regularization, "bias_regularization", low=0.0, allow_none=True)
        check_real(self.init_std, "init_std", low=0.0)

    @property
    def _reg_bias(self) -> float:
        return self.regularization if self.bias_regularization is None else self.bias_regularization

    def _fit(self, X: sp.csr_matrix, validate: Callable | None, callback: Callable | None) -> Result:
        rng = check_random_state(self.random_state)
        n_users, n_items = X.shape
        indptr, indices = X.indptr.astype(np.int64), X.indices.astype(np.int64)
        if np.all(np.diff(indptr) >= n_items):
            raise ValueError("BPR needs items a user has not interacted with; every user has them all.")
        k = self.factors
        P = rng.normal(0.0, self.init_std, (n_users, k))
        Q = rng.normal(0.0, self.init_std, (n_items, k))
        b = np.zeros(n_items)
        self.user_factors_, self.item_factors_, self.item_bias_ = P, Q, b
        _kernels.seed(int(rng.integers(2**31 - 1)))
        monitor = _kernels.bpr_sample(indptr, indices, n_items, min(X.nnz, _MONITOR_TRIPLES))
        reg, reg_b, lr = float(self.regularization), float(self._reg_bias), float(self.learning_rate)
        log = _EpochLog("BPR(sgd)", tol=float(self.tol), max_epochs=self.epochs, time_limit=self.time_limit,
                        callback=callback, certificate_kind="sampled_gradient_norm")

        def measure():
            return _kernels.bpr_loss_grad(*monitor, P, Q, b, reg, reg_b)

        stop = log.record(*measure(), validate() if validate else None, advance=False)
        while not stop:
            _kernels.bpr_epoch(indptr, indices, n_items, X.nnz, P, Q, b, lr, reg, reg_b)
            stop = log.record(*measure(), validate() if validate else None)
        return log.result(np.concatenate([P.ravel(), Q.ravel(), b]))

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        return self.user_factors_[rows] @ self.item_factors_.T + self.item_bias_[None, :]

    def _fold_in(self, row: int, cols: np.ndarray, vals: np.ndarray, *, new: bool) -> None:
        r"""The new user's vector minimizes the mean BPR loss over its (positive, negative) pairs
        plus :math:`\frac{\lambda}{2}\|p\|^2`: convex in :math:`p`, solved by L-BFGS (over a
        random sample of 200,000 pairs when there are more)."""
        Q, b = self.item_factors_, self.item_bias_
        neg = np.setdiff1d(np.arange(Q.shape[0]), cols)
        if neg.size == 0:
            raise ValueError("This user interacted with every item: there is nothing to rank.")
        rng = np.random.default_rng(0)
        n_pairs = cols.size * neg.size
        if n_pairs <= _FOLD_IN_PAIRS:
            ii, jj = np.repeat(cols, neg.size), np.tile(neg, cols.size)
        else:
            ii, jj = rng.choice(cols, _FOLD_IN_PAIRS), rng.choice(neg, _FOLD_IN_PAIRS)
        D = Q[ii] - Q[jj]
        off = b[ii] - b[jj]
        reg = float(self.regularization)

        def fg(p):
            x = D @ p + off
            loss = np.logaddexp(0.0, -x).mean() + 0.5 * reg * p @ p
            g = -(D.T @ scipy.special.expit(-x)) / x.size + reg * p
            return loss, g

        p = scipy.optimize.minimize(fg, np.zeros(Q.shape[1]), jac=True, method="L-BFGS-B",
                                    options={"gtol": 1e-8, "maxiter": 500}).x
        if new:
            self.user_factors_ = np.vstack([self.user_factors_, p[None, :]])
        else:
            self.user_factors_[row] = p
