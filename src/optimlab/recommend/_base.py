"""What every recommender shares: id maps, ranking, fold-in, the per-epoch record, saving.

A model is fitted on :class:`~optimlab.recommend.Interactions`; from then on it speaks the
user's raw ids. Internally users and items are dense indices into the factor (or similarity)
arrays; :class:`Recommender` does the translation, the ranking with training items excluded and
the :class:`~optimlab.Result` with one history entry per epoch.
"""

from __future__ import annotations

import pickle
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from optimlab._validation import check_int, check_real
from optimlab.recommend import _kernels
from optimlab.recommend.data import Interactions
from optimlab.recommend.metrics import mae, ranking_metrics, rmse
from optimlab.result import STATUS_MESSAGES, History, Result, Status

__all__ = ["Recommender", "load_model"]

_FORMAT = "optimlab-recommender-1"
_CHUNK = 2048  # users scored at once when ranking (bounds memory at _CHUNK x n_items floats)


def _as_1d(values, name: str) -> tuple[np.ndarray, bool]:
    """Raw ids as a 1-D array and whether a scalar was given."""
    if isinstance(values, (str, bytes)) or np.ndim(values) == 0:
        return np.asarray([values]), True
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one id or a 1-D sequence of ids, got shape {arr.shape}.")
    return arr, False


class _EpochLog:
    """The per-epoch bookkeeping of a fit: history, callback, stopping rule, Result."""

    def __init__(self, solver: str, *, tol: float, max_epochs: int, time_limit: float | None,
                 callback: Callable | None, certificate_kind: str) -> None:
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable, got {callback!r}.")
        self.solver = solver
        self.tol = tol
        self.max_epochs = max_epochs
        self.time_limit = time_limit
        self.callback = callback
        self.kind = certificate_kind
        self.history = History()
        self.epoch = 0
        self.status: int | None = None
        self.detail = ""
        self.fun = np.inf
        self.cert = np.inf
        self.t0 = time.perf_counter()

    def record(self, fun: float, certificate: float, metrics: dict | None = None, *,
               advance: bool = True) -> bool:
        """Record the end of an epoch (or the start, ``advance=False``); True means stop."""
        if advance:
            self.epoch += 1
        if not (np.isfinite(fun) and np.isfinite(certificate)):
            self.status = Status.NUMERICAL
            self.detail = "the loss or the certificate is not finite (lower the learning rate)"
            return True
        self.fun, self.cert = float(fun), float(certificate)
        self.history.append(self.epoch, time.perf_counter() - self.t0, self.fun, self.cert, metrics)
        if self.cert <= self.tol:
            self.status = Status.CONVERGED
            return True
        if self.callback is not None and advance:
            try:
                self.callback(self.result(np.empty(0), running=True))
            except StopIteration:
                self.status = Status.CALLBACK
                return True
        if self.time_limit is not None and time.perf_counter() - self.t0 >= self.time_limit:
            self.status = Status.TIME_LIMIT
            return True
        if self.epoch >= self.max_epochs:
            self.status = Status.MAX_ITER
            return True
        return False

    def result(self, x: np.ndarray, *, running: bool = False) -> Result:
        status = Status.MAX_ITER if self.status is None else self.status
        if self.cert <= self.tol:
            status = Status.CONVERGED
        message = "running" if running else STATUS_MESSAGES[status]
        if self.detail and not running:
            message = f"{message} ({self.detail})"
        return Result(
            x=x,
            fun=self.fun,
            success=bool(self.cert <= self.tol),
            status=status,
            message=message,
            n_iter=self.epoch,
            n_fev=self.epoch,
            certificate=self.cert,
            certificate_kind=self.kind,
            solver=self.solver,
            time=time.perf_counter() - self.t0,
            history=self.history if running else self.history.freeze(),
            tol=self.tol,
        )


def closed_form_result(solver: str, x: np.ndarray, residual: float, kind: str, seconds: float) -> Result:
    """The Result of a model fitted in one step (no epochs): the certificate is the residual of
    the equations that define it, computed after the fact."""
    history = History()
    history.append(1, seconds, np.nan, residual)
    ok = bool(residual <= 1e-6)
    return Result(
        x=x, fun=np.nan, success=ok, status=Status.CONVERGED if ok else Status.NOT_CERTIFIED,
        message=("Closed form: the defining equations hold to the certificate." if ok
                 else STATUS_MESSAGES[Status.NOT_CERTIFIED]),
        n_iter=1, n_fev=1, certificate=float(residual), certificate_kind=kind, solver=solver,
        time=seconds, history=history.freeze(), tol=1e-6,
    )


class Recommender:
    """Base class: a model fitted on :class:`~optimlab.recommend.Interactions`.

    Subclasses implement ``_fit(X, validate, callback)`` (``X``: the training CSR matrix, users x
    items, the fit's own copy), ``_scores(rows)`` (dense scores of the given user rows for every item) and
    ``_fold_in(items, values)`` (the parameters of a new user, appended to the model).

    After ``fit``:

    - ``result_``: the :class:`~optimlab.Result` of the fit, one history entry per epoch
      (training loss as ``fun``, the certificate, and validation metrics in
      ``history.metrics`` when a validation set was given);
    - ``user_ids_``, ``item_ids_``: the raw ids the model knows, in index order.
    """

    #: True for models of explicit ratings (``predict`` gives ratings).
    explicit = False

    def _params(self) -> dict:
        return {name: getattr(self, name) for name in self._param_names}

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({shown})"

    # -- fitting ------------------------------------------------------------------------------

    def fit(self, data: Interactions, *, validation: Interactions | None = None,
            callback: Callable | None = None) -> Recommender:
        """Fit the model on ``data``.

        Parameters
        ----------
        data : Interactions
            Training interactions.
        validation : Interactions, optional
            Held-out interactions (raw ids; those the training data does not know are dropped).
            Their metrics are recorded after every epoch in ``result_.history.metrics``:
            ``val_rmse`` and ``val_mae`` for rating models, ``val_precision@k``,
            ``val_ndcg@k`` and ``val_recall@k`` for ranking models (``k = validation_k``).
        callback : callable, optional
            Called once per epoch with the running :class:`~optimlab.Result`; raising
            ``StopIteration`` stops the fit (status ``Status.CALLBACK``).

        Returns
        -------
        self
        """
        if not isinstance(data, Interactions):
            raise TypeError(
                f"{type(self).__name__}.fit takes an Interactions object, got {type(data).__name__}; "
                "build one with Interactions.from_frame(df, user=..., item=..., rating=...)."
            )
        if data.nnz == 0:
            raise ValueError("The training data has no interactions.")
        if self.explicit and data.implicit:
            raise ValueError(
                f"{type(self).__name__} models explicit ratings, but the data is implicit feedback "
                "(built without a rating column). Use ImplicitALS, BPR, EASE, ItemKNN or Popularity, "
                "or build the data with rating=<column>."
            )
        self._check_params()
        self.user_ids_ = np.asarray(data.user_ids)
        self.item_ids_ = np.asarray(data.item_ids)
        self._user_index = pd.Index(self.user_ids_)
        self._item_index = pd.Index(self.item_ids_)
        X = data.tocsr().copy()  # float64, one entry per pair, sorted (the data's cache stays intact)
        self._seen = X.copy()
        self._seen.data[:] = 1.0
        if not np.all(np.isfinite(X.data)):
            raise ValueError("The training values contain NaN or inf.")
        validate = None
        if validation is not None:
            validate = self._validator(validation)
        # The compiled loops run their own threads; BLAS threads on top of them only contend.
        with threadpool_limits(limits=1, user_api="blas"):
            self.result_ = self._fit(X, validate, callback)
        return self

    def _check_params(self) -> None:
        """Check the hyperparameters (called at fit time, like scikit-learn)."""

    def _validator(self, validation: Interactions) -> Callable[[], dict]:
        if not isinstance(validation, Interactions):
            raise TypeError(f"validation must be an Interactions object, got {type(validation).__name__}.")
        rows, cols, keep = self._locate(validation)
        if not keep.any():
            raise ValueError("No validation interaction has a user and an item seen in training.")
        if self.explicit:
            rows, cols, values = rows[keep], cols[keep], np.asarray(validation.values, float)[keep]

            def validate() -> dict:
                pred = self._predict_index(rows, cols)
                return {"val_rmse": rmse(values, pred), "val_mae": mae(values, pred)}
            return validate
        k = self.validation_k
        relevant = self._relevant(rows, cols, keep)

        def validate() -> dict:
            got = self._ranking_metrics(relevant, k)
            return {f"val_{name}": got[name] for name in (f"precision@{k}", f"recall@{k}", f"ndcg@{k}")}
        return validate

    def _locate(self, data: Interactions) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The model's row and column of each interaction of ``data`` (matched by raw id), and the
        mask of those whose user and item the model knows."""
        rows = self._user_index.get_indexer(data.user_ids)[data.users]
        cols = self._item_index.get_indexer(data.item_ids)[data.items]
        return rows, cols, (rows >= 0) & (cols >= 0)

    def _relevant(self, rows: np.ndarray, cols: np.ndarray, keep: np.ndarray) -> sp.csr_matrix:
        """The kept (row, column) pairs as a 0/1 matrix of the model's users x items."""
        out = sp.csr_matrix((np.ones(int(keep.sum())), (rows[keep], cols[keep])),
                            shape=(len(self.user_ids_), len(self.item_ids_)))
        out.sum_duplicates()
        out.data[:] = 1.0
        return out

    def _ranking_metrics(self, relevant: sp.csr_matrix, k: int) -> dict[str, float]:
        """:func:`~optimlab.recommend.metrics.ranking_metrics` of the model's top ``k`` (training
        items excluded) for every user with a relevant item."""
        users = np.flatnonzero(np.diff(relevant.indptr))
        rec = np.full((relevant.shape[0], k), -1, np.int64)
        rec[users] = self._top_k_index(users, k, exclude_seen=True)
        return ranking_metrics(rec, relevant, k=k)

    # -- ids ------------------------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "result_"):
            raise RuntimeError(f"This {type(self).__name__} is not fitted yet; call fit(data) first.")

    def _rows(self, users, *, allow_unknown: bool = False) -> tuple[np.ndarray, bool]:
        raw, scalar = _as_1d(users, "users")
        rows = self._user_index.get_indexer(raw)
        if not allow_unknown and (rows < 0).any():
            unknown = raw[rows < 0][:5].tolist()
            raise ValueError(
                f"Unknown user id(s) {unknown}: not in the training data. Add a new user without "
                "retraining with model.fold_in(user_id, items, values)."
            )
        return rows, scalar

    def _cols(self, items, *, allow_unknown: bool = False) -> np.ndarray:
        raw, _ = _as_1d(items, "items")
        cols = self._item_index.get_indexer(raw)
        if not allow_unknown and (cols < 0).any():
            unknown = raw[cols < 0][:5].tolist()
            raise ValueError(f"Unknown item id(s) {unknown}: not in the training data.")
        return cols

    # -- scoring and ranking --------------------------------------------------------------------

    def score(self, users, items) -> np.ndarray:
        """Scores of (user, item) pairs given by raw ids (equal lengths, or one user and many items).

        Higher means more recommended. For rating models this is the predicted rating.
        """
        self._check_fitted()
        rows, _ = self._rows(users)
        cols = self._cols(items)
        if rows.size == 1 and cols.size > 1:
            rows = np.repeat(rows, cols.size)
        if rows.size != cols.size:
            raise ValueError(f"users and items must have the same length, got {rows.size} and {cols.size}.")
        return self._score_index(rows, cols)

    def _score_index(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        out = np.empty(rows.size)
        for start in range(0, rows.size, _CHUNK):
            r, c = rows[start:start + _CHUNK], cols[start:start + _CHUNK]
            uniq, inv = np.unique(r, return_inverse=True)
            out[start:start + _CHUNK] = self._scores(uniq)[inv, c]
        return out

    def _top_k_index(self, rows: np.ndarray, k: int, *, exclude_seen: bool) -> np.ndarray:
        out = np.full((rows.size, k), -1, np.int64)
        empty = np.zeros(1, np.int64)
        for start in range(0, rows.size, _CHUNK):
            r = rows[start:start + _CHUNK]
            scores = np.ascontiguousarray(self._scores(r), dtype=np.float64)
            if exclude_seen:
                sub = self._seen[r]
                indptr, indices = sub.indptr.astype(np.int64), sub.indices.astype(np.int64)
            else:
                indptr, indices = np.zeros(r.size + 1, np.int64), empty
            out[start:start + _CHUNK] = _kernels.top_k(scores, k, indptr, indices)  # pads with -1
        return out

    def recommend(self, users, k: int = 10, *, exclude_seen: bool = True,
                  return_scores: bool = False):
        """The ``k`` best items for each user, best first, as raw item ids.

        Parameters
        ----------
        users : id or sequence of ids
            Raw user ids known to the model (fitted or folded in).
        k : int
            Length of each list.
        exclude_seen : bool
            Leave out the items the user interacted with in the training data (or at fold-in).
        return_scores : bool
            Also return the scores, same shape.

        Returns
        -------
        items : ndarray
            Shape ``(k,)`` for one user, ``(n_users, k)`` for several. When a user has fewer
            than ``k`` candidate items the list is padded with ``None`` (the array is then of
            object dtype) and the scores with ``-inf``.
        scores : ndarray, only with ``return_scores``
        """
        self._check_fitted()
        k = check_int(k, "k", low=1)
        rows, scalar = self._rows(users)
        idx = self._top_k_index(rows, k, exclude_seen=exclude_seen)
        pad = idx < 0
        if pad.any():
            items = np.empty(idx.shape, dtype=object)
            items[~pad] = self.item_ids_[idx[~pad]]
            items[pad] = None
        else:
            items = self.item_ids_[idx]
        if scalar:
            items = items[0]
        if not return_scores:
            return items
        scores = np.full(idx.shape, -np.inf)
        rr = np.repeat(rows, k).reshape(idx.shape)
        scores[~pad] = self._score_index(rr[~pad], idx[~pad])
        return items, (scores[0] if scalar else scores)

    # -- new users --------------------------------------------------------------------------------

    def fold_in(self, user_id, items, values=None) -> Recommender:
        """Add a new user from their interactions, without retraining the items.

        The user's parameters are fitted with every item parameter held fixed (the exact
        minimizer of the model's loss over that user where it has a closed form). Afterwards
        ``recommend``/``score`` accept ``user_id`` and exclude ``items`` from its lists.
        Folding in an id the model knows replaces that user's parameters and seen items.

        Parameters
        ----------
        user_id : raw id
        items : sequence of raw item ids the user interacted with (unknown ones are ignored,
            with a warning; at least one must be known)
        values : sequence of float, optional
            Their ratings (rating models: required) or counts (default 1).
        """
        self._check_fitted()
        raw, _ = _as_1d(items, "items")
        cols = self._item_index.get_indexer(raw)
        if values is None:
            if self.explicit:
                raise ValueError(f"{type(self).__name__}.fold_in needs the user's ratings (values=...).")
            vals = np.ones(raw.size)
        else:
            vals = np.asarray(values, dtype=float)
            if vals.shape != raw.shape:
                raise ValueError(f"values must match items: got {vals.shape} and {raw.shape}.")
            if not np.all(np.isfinite(vals)):
                raise ValueError("values contain NaN or inf.")
        if (cols < 0).any():
            warnings.warn(f"fold_in ignores {int((cols < 0).sum())} item id(s) the model does not know: "
                          f"{raw[cols < 0][:5].tolist()}", UserWarning, stacklevel=2)
        keep = cols >= 0
        if not keep.any():
            raise ValueError("fold_in needs at least one item the model knows.")
        cols, vals = cols[keep], vals[keep]
        order = np.argsort(cols, kind="stable")
        cols, vals = cols[order], vals[order]
        uniq, first = np.unique(cols, return_index=True)
        vals = np.add.reduceat(vals, first) if not self.explicit else vals[first]
        cols = uniq
        row = self._user_index.get_indexer([user_id])[0]
        if row < 0:
            row = len(self.user_ids_)
            new_id = np.asarray([user_id])
            if new_id.dtype.kind == self.user_ids_.dtype.kind or self.user_ids_.dtype == object:
                self.user_ids_ = np.concatenate([self.user_ids_, new_id.astype(self.user_ids_.dtype)])
            else:
                self.user_ids_ = np.concatenate([self.user_ids_.astype(object), new_id.astype(object)])
            self._user_index = pd.Index(self.user_ids_)
            seen_row = sp.csr_matrix((np.ones(cols.size), (np.zeros(cols.size, int), cols)),
                                     shape=(1, self._seen.shape[1]))
            self._seen = sp.vstack([self._seen, seen_row], format="csr")
            self._fold_in(row, cols, vals, new=True)
        else:
            seen = self._seen.tolil()
            seen.rows[row] = list(cols)
            seen.data[row] = [1.0] * cols.size
            self._seen = seen.tocsr()
            self._fold_in(row, cols, vals, new=False)
        return self

    # -- saving ---------------------------------------------------------------------------------

    def save(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Save the fitted model to ``path`` (a pickle; load it only from sources you trust)."""
        self._check_fitted()
        path = Path(path)
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path} exists; pass overwrite=True to replace it.")
        with path.open("wb") as fh:
            pickle.dump({"format": _FORMAT, "model": self}, fh, protocol=pickle.HIGHEST_PROTOCOL)
        return path


def load_model(path: str | Path) -> Recommender:
    """Load a model written by :meth:`Recommender.save` (pickle: only from sources you trust)."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            payload = pickle.load(fh)
    except FileNotFoundError:
        raise FileNotFoundError(f"No model file {path}.") from None
    except (pickle.UnpicklingError, EOFError, AttributeError, ValueError, ImportError, IndexError, KeyError,
            TypeError) as exc:  # what unpickling arbitrary bytes raises (e.g. a CSV whose header starts "c")
        raise ValueError(f"{path} is not an optimlab model file ({exc}).") from None
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
        raise ValueError(f"{path} is not an optimlab model file.")
    return payload["model"]


def check_factors_params(model, *, regularization_default: bool = False) -> None:
    """The hyperparameters the factor models share (``regularization`` may be None when the
    model has a default for it)."""
    check_int(model.factors, "factors", low=1)
    check_int(model.epochs, "epochs", low=1)
    check_real(model.regularization, "regularization", low=0.0, allow_none=regularization_default)
    check_real(model.tol, "tol", low=0.0)
    check_real(model.time_limit, "time_limit", low=0.0, low_open=True, allow_none=True)
    check_int(model.validation_k, "validation_k", low=1)
