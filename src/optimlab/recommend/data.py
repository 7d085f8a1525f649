"""User-item interaction data: a container with id maps, readers (frames, CSV, MovieLens) and splits.

An :class:`Interactions` object stores one row per (user, item) pair: the user index, the item index, a value
(a rating for explicit feedback, a count for implicit feedback) and optionally a timestamp. Raw ids (as read
from the file) are kept in two id maps, ``user_ids`` and ``item_ids``: index ``u`` is the user whose raw id is
``user_ids[u]``. Every split returns objects that share the id maps of the data they came from, so the user
and item indices of a train set and of its test set agree.
"""

from __future__ import annotations

import difflib
import gzip
import io
import numbers
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from optimlab._validation import check_int, check_random_state

__all__ = [
    "Interactions",
    "kfold",
    "leave_k_out",
    "load_movielens",
    "movielens_folds",
    "per_user_split",
    "random_split",
    "time_split",
]

_DUPLICATES = ("error", "sum", "mean", "last")
_MISSING = ("raise", "ignore")


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    a.setflags(write=False)
    return a


def _normalize_ids(ids: np.ndarray, name: str) -> np.ndarray:
    """Integer ids become int64; anything else keeps its dtype. Ids must be unique."""
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {ids.shape}.")
    if ids.dtype.kind in "iu":
        ids = ids.astype(np.int64)
    index = pd.Index(ids)
    if not index.is_unique:
        dup = index[index.duplicated()].unique()[:5].tolist()
        raise ValueError(f"{name} must hold unique ids, got repeated id(s) {dup}.")
    return ids.copy()


class Interactions:
    """User-item interactions (explicit ratings or implicit counts) with the raw ids kept in id maps.

    Build one with :meth:`from_frame`, :meth:`from_csv`, :meth:`from_matrix` or :func:`load_movielens`.
    Each (user, item) pair appears at most once. The object is immutable: its arrays are read-only.

    Parameters
    ----------
    users, items : array-like of int, shape (nnz,)
        User index in ``[0, len(user_ids))`` and item index in ``[0, len(item_ids))`` of each interaction.
    values : array-like of float, shape (nnz,)
        Rating (explicit feedback) or count/weight (implicit feedback) of each interaction.
    user_ids, item_ids : array-like, shape (n_users,) and (n_items,)
        Raw id of each user index and item index; unique.
    timestamps : array-like of shape (nnz,), optional
        Time of each interaction (int64 or float64).
    implicit : bool
        True when ``values`` are implicit feedback (counts, non-negative), False for explicit ratings.

    Attributes
    ----------
    users, items : ndarray of int32, shape (nnz,)
    values : ndarray of float64, shape (nnz,)
    timestamps : ndarray of int64 or float64, shape (nnz,), or None
    user_ids, item_ids : ndarray
        Raw ids (int64 for integer ids, the input dtype, e.g. object for strings, otherwise).
    implicit : bool
    n_users, n_items, nnz : int
    shape : tuple of int
        ``(n_users, n_items)``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"u": ["ann", "bob", "ann"], "i": [10, 10, 20], "r": [4.0, 3.0, 5.0]})
    >>> data = Interactions.from_frame(df, user="u", item="i", rating="r")
    >>> data
    Interactions(2 users, 2 items, 3 ratings, explicit)
    >>> data.tocsr().toarray()
    array([[4., 5.],
           [3., 0.]])
    """

    def __init__(
        self,
        users,
        items,
        values,
        *,
        user_ids,
        item_ids,
        timestamps=None,
        implicit: bool,
    ) -> None:
        user_ids = _normalize_ids(user_ids, "user_ids")
        item_ids = _normalize_ids(item_ids, "item_ids")
        users = np.asarray(users)
        items = np.asarray(items)
        values = np.asarray(values, dtype=np.float64)
        for name, arr in (("users", users), ("items", items), ("values", values)):
            if arr.ndim != 1:
                raise ValueError(f"{name} must be 1-D, got shape {arr.shape}.")
        if not (users.shape == items.shape == values.shape):
            raise ValueError(
                f"users, items and values must have the same length, got {users.shape[0]}, "
                f"{items.shape[0]} and {values.shape[0]}."
            )
        for name, arr, n in (("users", users, user_ids.shape[0]), ("items", items, item_ids.shape[0])):
            if arr.size and arr.dtype.kind not in "iu":
                raise TypeError(f"{name} must hold integer indices, got dtype {arr.dtype}.")
            if arr.size and (arr.min() < 0 or arr.max() >= n):
                raise ValueError(
                    f"{name} must be indices in [0, {n}), got values in [{arr.min()}, {arr.max()}]."
                )
        if (n_big := max(user_ids.shape[0], item_ids.shape[0])) > np.iinfo(np.int32).max:
            raise ValueError(f"at most 2**31 - 1 users and items are supported, got {n_big}.")
        if users.size:
            key = users.astype(np.int64) * item_ids.shape[0] + items
            if np.unique(key).size < key.size:
                raise ValueError("each (user, item) pair must appear at most once; merge the repeated pairs.")
        if not np.all(np.isfinite(values)):
            raise ValueError("values contains NaN or infinite entries.")
        if implicit and values.size and values.min() < 0:
            raise ValueError(f"implicit feedback values must be non-negative, got minimum {values.min()}.")
        if timestamps is not None:
            timestamps = np.asarray(timestamps)
            if timestamps.shape != values.shape:
                raise ValueError(
                    f"timestamps must have one entry per interaction ({values.shape[0]}), "
                    f"got shape {timestamps.shape}."
                )
            if timestamps.dtype.kind in "iub":
                timestamps = timestamps.astype(np.int64)
            elif timestamps.dtype.kind == "f":
                timestamps = timestamps.astype(np.float64)
                if not np.all(np.isfinite(timestamps)):
                    raise ValueError("timestamps contains NaN or infinite entries.")
            else:
                raise TypeError(f"timestamps must be numeric, got dtype {timestamps.dtype}.")
            timestamps = _readonly(timestamps.copy())
        self._users = _readonly(users.astype(np.int32))
        self._items = _readonly(items.astype(np.int32))
        self._values = _readonly(values.copy())
        self._timestamps = timestamps
        self._user_ids = _readonly(user_ids)
        self._item_ids = _readonly(item_ids)
        self._implicit = bool(implicit)
        self._csr: sp.csr_matrix | None = None
        self._user_index: pd.Index | None = None
        self._item_index: pd.Index | None = None

    # ------------------------------------------------------------------ attributes
    users = property(lambda self: self._users, doc="int32 user index of each interaction.")
    items = property(lambda self: self._items, doc="int32 item index of each interaction.")
    values = property(lambda self: self._values, doc="float64 rating or count of each interaction.")
    timestamps = property(lambda self: self._timestamps, doc="Timestamp of each interaction, or None.")
    user_ids = property(lambda self: self._user_ids, doc="Raw id of each user index.")
    item_ids = property(lambda self: self._item_ids, doc="Raw id of each item index.")
    implicit = property(lambda self: self._implicit, doc="True for implicit feedback, False for ratings.")

    @property
    def n_users(self) -> int:
        """Number of users in the id map (some may have no interaction in this object)."""
        return int(self._user_ids.shape[0])

    @property
    def n_items(self) -> int:
        """Number of items in the id map (some may have no interaction in this object)."""
        return int(self._item_ids.shape[0])

    @property
    def nnz(self) -> int:
        """Number of interactions (stored user-item pairs)."""
        return int(self._values.shape[0])

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_users, n_items)``."""
        return (self.n_users, self.n_items)

    def __len__(self) -> int:
        return self.nnz

    def __repr__(self) -> str:
        kind = "implicit" if self._implicit else "explicit"
        noun = "interactions" if self._implicit else "ratings"
        return f"Interactions({self.n_users} users, {self.n_items} items, {self.nnz} {noun}, {kind})"

    # ------------------------------------------------------------------ conversions
    def tocsr(self) -> sp.csr_matrix:
        """The ``(n_users, n_items)`` float64 CSR matrix whose entries are the values.

        The matrix is computed once and cached, with sorted indices; do not modify it in place.

        Returns
        -------
        scipy.sparse.csr_matrix
        """
        if self._csr is None:
            X = sp.csr_matrix((self._values, (self._users, self._items)), shape=self.shape, dtype=np.float64)
            X.sort_indices()
            self._csr = X
        return self._csr

    def to_frame(self) -> pd.DataFrame:
        """A data frame with one row per interaction and the raw ids.

        Returns
        -------
        pandas.DataFrame
            Columns ``user``, ``item``, ``value`` and, when there are timestamps, ``timestamp``.
        """
        columns = {
            "user": self._user_ids[self._users],
            "item": self._item_ids[self._items],
            "value": np.array(self._values),
        }
        if self._timestamps is not None:
            columns["timestamp"] = np.array(self._timestamps)
        return pd.DataFrame(columns)

    # ------------------------------------------------------------------ id lookups
    def user_index(self, raw, *, missing: str = "raise") -> np.ndarray:
        """Indices of raw user ids.

        Parameters
        ----------
        raw : scalar or array-like
            Raw user id(s).
        missing : {"raise", "ignore"}, default "raise"
            What to do with ids that are not in the id map: raise a ``ValueError`` naming up to 5 of them,
            or return ``-1`` for them.

        Returns
        -------
        ndarray of int64
            Same shape as ``raw`` (0-d for a scalar).
        """
        if self._user_index is None:
            self._user_index = pd.Index(self._user_ids)
        return _lookup(self._user_index, raw, missing, "user")

    def item_index(self, raw, *, missing: str = "raise") -> np.ndarray:
        """Indices of raw item ids; see :meth:`user_index`."""
        if self._item_index is None:
            self._item_index = pd.Index(self._item_ids)
        return _lookup(self._item_index, raw, missing, "item")

    # ------------------------------------------------------------------ derived objects
    def subset(self, rows) -> Interactions:
        """The interactions selected by ``rows``, with the same id maps.

        Parameters
        ----------
        rows : array-like of bool, shape (nnz,), or array-like of int
            Boolean mask over the interactions, or integer positions (no repeats).

        Returns
        -------
        Interactions
            Same ``n_users``, ``n_items``, ``user_ids``, ``item_ids`` and ``implicit``.
        """
        rows = np.asarray(rows)
        if rows.dtype == bool:
            if rows.shape != (self.nnz,):
                raise ValueError(f"a boolean rows mask must have shape ({self.nnz},), got {rows.shape}.")
        elif rows.size == 0:
            rows = rows.astype(np.int64)
        elif rows.dtype.kind in "iu" and rows.ndim == 1:
            if rows.min() < -self.nnz or rows.max() >= self.nnz:
                raise IndexError(f"rows must be positions in [0, {self.nnz}), got values in "
                                 f"[{rows.min()}, {rows.max()}].")
            rows = np.where(rows < 0, rows + self.nnz, rows)
            if np.unique(rows).size != rows.size:
                raise ValueError(
                    "rows must not repeat a position: each (user, item) pair appears at most once."
                )
        else:
            raise TypeError(
                f"rows must be a boolean mask or 1-D integer positions, got dtype {rows.dtype} "
                f"and shape {rows.shape}."
            )
        return self._new(
            self._users[rows],
            self._items[rows],
            self._values[rows],
            None if self._timestamps is None else self._timestamps[rows],
        )

    def with_id_maps(self, user_ids, item_ids) -> Interactions:
        """Re-index the interactions onto other id maps (which must contain every id of the current maps).

        Parameters
        ----------
        user_ids, item_ids : array-like
            New id maps, unique ids, supersets of the current ``user_ids`` and ``item_ids``.

        Returns
        -------
        Interactions
        """
        user_ids = _normalize_ids(user_ids, "user_ids")
        item_ids = _normalize_ids(item_ids, "item_ids")
        user_map = pd.Index(user_ids).get_indexer(self._user_ids)
        item_map = pd.Index(item_ids).get_indexer(self._item_ids)
        checks = (("user_ids", user_map, self._user_ids), ("item_ids", item_map, self._item_ids))
        for name, mapping, old in checks:
            if np.any(mapping < 0):
                absent = old[mapping < 0][:5].tolist()
                raise ValueError(
                    f"{name} must contain every id of the current map; missing {int(np.sum(mapping < 0))} "
                    f"id(s), e.g. {absent}."
                )
        return Interactions(
            user_map[self._users],
            item_map[self._items],
            self._values,
            user_ids=user_ids,
            item_ids=item_ids,
            timestamps=self._timestamps,
            implicit=self._implicit,
        )

    def _new(self, users, items, values, timestamps) -> Interactions:
        """A sibling sharing the id maps, without re-validating them."""
        new = object.__new__(Interactions)
        new._users = _readonly(np.array(users, dtype=np.int32))
        new._items = _readonly(np.array(items, dtype=np.int32))
        new._values = _readonly(np.array(values, dtype=np.float64))
        new._timestamps = None if timestamps is None else _readonly(np.array(timestamps))
        new._user_ids = self._user_ids
        new._item_ids = self._item_ids
        new._implicit = self._implicit
        new._csr = None
        new._user_index = self._user_index
        new._item_index = self._item_index
        return new

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_frame(
        cls,
        df: pd.DataFrame,
        *,
        user: str,
        item: str,
        rating: str | None = None,
        timestamp: str | None = None,
        implicit: bool | None = None,
        duplicates: str | None = None,
    ) -> Interactions:
        """Interactions from a data frame with one row per event.

        Parameters
        ----------
        df : pandas.DataFrame
            One row per interaction.
        user, item : str
            Columns holding the raw user and item ids. The id maps are the sorted unique raw ids.
        rating : str, optional
            Column holding the rating (explicit feedback) or the count/weight (implicit feedback). Without it,
            each row counts 1.
        timestamp : str, optional
            Column holding the time of each event (numbers or datetimes; datetimes become float seconds since
            the epoch).
        implicit : bool, optional
            Whether the values are implicit feedback. Defaults to ``rating is None``.
        duplicates : {"error", "sum", "mean", "last"}, optional
            How to merge rows with the same (user, item) pair: raise, add the values, average them, or keep
            the latest (by timestamp when given, else the last row). Defaults to ``"sum"`` for implicit
            feedback and ``"error"`` for explicit ratings. A merged pair keeps its latest timestamp.

        Returns
        -------
        Interactions
            One interaction per distinct (user, item) pair, in the order of their first row.

        Raises
        ------
        ValueError
            Unknown column names, an empty frame, missing (NaN) user or item ids, a non-numeric, NaN or
            infinite rating, negative implicit values, or repeated pairs with ``duplicates="error"``.
        """
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}.")
        if implicit is None:
            implicit = rating is None
        if not isinstance(implicit, bool | np.bool_):
            raise TypeError(f"implicit must be a bool or None, got {implicit!r}.")
        if rating is None and not implicit:
            raise ValueError(
                "explicit feedback (implicit=False) needs a rating column; pass rating=<column>."
            )
        if duplicates is None:
            duplicates = "sum" if implicit else "error"
        if duplicates not in _DUPLICATES:
            raise ValueError(f"duplicates must be one of {_DUPLICATES}, got {duplicates!r}.")
        columns = {"user": user, "item": item, "rating": rating, "timestamp": timestamp}
        resolved = {arg: _column(df, name, arg) for arg, name in columns.items() if name is not None}
        if len(df) == 0:
            raise ValueError("df is empty: there are no interactions to read.")

        user_codes, user_ids = _factorize(df[resolved["user"]], "user", user)
        item_codes, item_ids = _factorize(df[resolved["item"]], "item", item)
        n = len(df)
        if rating is None:
            values = np.ones(n)
        else:
            col = df[resolved["rating"]]
            if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_complex_dtype(col):
                raise ValueError(f"rating column {rating!r} must be numeric, got dtype {col.dtype}.")
            values = col.to_numpy(dtype=np.float64, na_value=np.nan)
            bad = ~np.isfinite(values)
            if bad.any():
                raise ValueError(
                    f"rating column {rating!r} has {int(bad.sum())} NaN or infinite value(s), first at row "
                    f"{int(np.argmax(bad))}; remove or impute them."
                )
            if implicit and values.min() < 0:
                raise ValueError(
                    f"implicit feedback must be non-negative, but rating column {rating!r} has a value "
                    f"{values.min()} at row {int(np.argmin(values))}; pass implicit=False for ratings."
                )
        times = None
        if timestamp is not None:
            times = _timestamps(df[resolved["timestamp"]], timestamp)

        key = user_codes.astype(np.int64) * item_ids.shape[0] + item_codes
        uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        if uniq.size < n:
            if duplicates == "error":
                counts = np.bincount(inverse)
                dup_pairs = [
                    (_py(user_ids[user_codes[first[g]]]), _py(item_ids[item_codes[first[g]]]))
                    for g in np.flatnonzero(counts > 1)[:5]
                ]
                raise ValueError(
                    f"{int(n - uniq.size)} row(s) repeat a (user, item) pair, e.g. {dup_pairs}; pass "
                    "duplicates='sum', 'mean' or 'last' to merge them."
                )
            n_groups = uniq.size
            if duplicates == "last":
                order = np.arange(n) if times is None else np.lexsort((np.arange(n), times))
                rank = np.empty(n, dtype=np.int64)
                rank[order] = np.arange(n)
                best = np.full(n_groups, -1, dtype=np.int64)
                np.maximum.at(best, inverse, rank)
                chosen = order[best]
                values = values[chosen]
            else:
                sums = np.bincount(inverse, weights=values, minlength=n_groups)
                values = sums if duplicates == "sum" else sums / np.bincount(inverse, minlength=n_groups)
            if times is not None:
                latest = np.full(n_groups, times.min(), dtype=times.dtype)
                np.maximum.at(latest, inverse, times)
                times = latest
            order = np.argsort(first, kind="stable")
            rows = first[order]
            values = values[order]
            times = None if times is None else times[order]
        else:
            rows = np.arange(n)
        return cls(
            user_codes[rows],
            item_codes[rows],
            values,
            user_ids=user_ids,
            item_ids=item_ids,
            timestamps=times,
            implicit=implicit,
        )

    @classmethod
    def from_csv(
        cls,
        path: str | os.PathLike,
        *,
        user: str,
        item: str,
        rating: str | None = None,
        timestamp: str | None = None,
        sep: str = ",",
        header: int | str | None = "infer",
        implicit: bool | None = None,
        duplicates: str | None = None,
    ) -> Interactions:
        """Interactions from a delimited text file (compressed files such as ``.gz`` are read by extension).

        Parameters
        ----------
        path : str or path-like
            The file.
        user, item, rating, timestamp, implicit, duplicates
            As in :meth:`from_frame`. With ``header=None`` the columns are named ``"0"``, ``"1"``, ... so
            ``user="0"`` picks the first column.
        sep : str, default ","
            Field separator; a separator longer than one character (e.g. ``"::"``) is read literally.
        header : int, None or "infer", default "infer"
            Passed to :func:`pandas.read_csv`.

        Returns
        -------
        Interactions
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {str(path)!r}.")
        kwargs = {"sep": sep, "header": header}
        if len(sep) > 1:
            kwargs.update(sep=re.escape(sep), engine="python")
        df = pd.read_csv(path, **kwargs)
        if header is None:
            df.columns = [str(c) for c in df.columns]
        return cls.from_frame(
            df,
            user=str(user),
            item=str(item),
            rating=None if rating is None else str(rating),
            timestamp=None if timestamp is None else str(timestamp),
            implicit=implicit,
            duplicates=duplicates,
        )

    @classmethod
    def from_matrix(cls, X, *, user_ids=None, item_ids=None, implicit: bool = True) -> Interactions:
        """Interactions from a ``(n_users, n_items)`` matrix; its stored non-zero entries become interactions.

        Parameters
        ----------
        X : array-like or scipy sparse matrix, shape (n_users, n_items)
            Dense or sparse; explicit zeros of a sparse matrix are dropped.
        user_ids, item_ids : array-like, optional
            Raw ids of the rows and columns; default ``arange(n_users)`` and ``arange(n_items)``.
        implicit : bool, default True
            Whether the entries are implicit feedback (non-negative counts).

        Returns
        -------
        Interactions
        """
        if sp.issparse(X):
            if X.ndim != 2:
                raise ValueError(f"X must be 2-D, got shape {X.shape}.")
            coo = sp.csr_matrix(X, dtype=np.float64, copy=True)
            coo.sum_duplicates()
            coo.eliminate_zeros()
            coo = coo.tocoo()
            rows, cols, vals = coo.row, coo.col, coo.data
        else:
            arr = np.asarray(X)
            if arr.ndim != 2:
                raise ValueError(f"X must be 2-D, got shape {arr.shape}.")
            if arr.dtype.kind not in "biuf":
                raise TypeError(f"X must hold real numbers, got dtype {arr.dtype}.")
            arr = arr.astype(np.float64)
            rows, cols = np.nonzero(arr)
            vals = arr[rows, cols]
        n_users, n_items = X.shape
        user_ids = np.arange(n_users, dtype=np.int64) if user_ids is None else user_ids
        item_ids = np.arange(n_items, dtype=np.int64) if item_ids is None else item_ids
        for name, ids, n in (("user_ids", user_ids, n_users), ("item_ids", item_ids, n_items)):
            if len(ids) != n:
                raise ValueError(
                    f"{name} must have {n} entries (the matching dimension of X), got {len(ids)}."
                )
        if not np.all(np.isfinite(vals)):
            raise ValueError("X contains NaN or infinite entries.")
        return cls(rows, cols, vals, user_ids=user_ids, item_ids=item_ids, implicit=implicit)


# ---------------------------------------------------------------------- helpers


def _py(x):
    """A NumPy scalar as the Python scalar, so that messages show ``5`` rather than ``np.int64(5)``."""
    return x.item() if isinstance(x, np.generic) else x


def _lookup(index: pd.Index, raw, missing: str, what: str) -> np.ndarray:
    if missing not in _MISSING:
        raise ValueError(f"missing must be one of {_MISSING}, got {missing!r}.")
    arr = np.asarray(raw)
    if arr.dtype.kind in "US":
        arr = arr.astype(object)
    codes = np.asarray(index.get_indexer(arr.ravel()), dtype=np.int64).reshape(arr.shape)
    if missing == "raise" and np.any(codes < 0):
        unknown = pd.unique(arr.ravel()[codes.ravel() < 0])
        raise ValueError(
            f"{len(unknown)} unknown {what} id(s): {unknown[:5].tolist()}"
            f"{' ...' if len(unknown) > 5 else ''}; pass missing='ignore' to get -1 for them."
        )
    return codes


def _column(df: pd.DataFrame, name, arg: str):
    """The column label of ``df`` called ``name`` (also matching non-string labels by their text)."""
    if name in df.columns:
        return name
    by_text = {str(c): c for c in df.columns}
    if str(name) in by_text:
        return by_text[str(name)]
    close = difflib.get_close_matches(str(name), list(by_text), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    available = list(by_text)
    shown = available[:20] + (["..."] if len(available) > 20 else [])
    raise ValueError(f"{arg}={name!r} is not a column of the frame; available columns: {shown}.{hint}")


def _factorize(col: pd.Series, arg: str, name) -> tuple[np.ndarray, np.ndarray]:
    """Codes into the sorted unique raw ids, which keep their dtype (int64 for integers)."""
    missing = col.isna().to_numpy()
    if missing.any():
        raise ValueError(
            f"{arg} column {name!r} has {int(missing.sum())} missing (NaN) id(s), first at row "
            f"{int(np.argmax(missing))}; drop those rows first."
        )
    values = col.to_numpy()
    if values.dtype.kind in "iu":
        values = values.astype(np.int64)
    try:
        codes, uniques = pd.factorize(values, sort=True)
    except TypeError as err:
        raise ValueError(
            f"{arg} column {name!r} mixes id types that cannot be sorted ({err}); convert the ids to one "
            "type, e.g. with .astype(str)."
        ) from err
    uniques = np.asarray(uniques)
    if uniques.dtype.kind in "iu":
        uniques = uniques.astype(np.int64)
    return codes.astype(np.int64), uniques


def _timestamps(col: pd.Series, name) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(col):
        if col.isna().any():
            raise ValueError(f"timestamp column {name!r} has missing values.")
        nanos = col.to_numpy(dtype="datetime64[ns]").astype(np.int64)
        return nanos / 1e9
    if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        raise ValueError(f"timestamp column {name!r} must be numeric or datetime, got dtype {col.dtype}.")
    if col.dtype.kind in "iu":
        return col.to_numpy().astype(np.int64)
    times = col.to_numpy(dtype=np.float64, na_value=np.nan)
    if not np.all(np.isfinite(times)):
        raise ValueError(f"timestamp column {name!r} has NaN or infinite values.")
    return times


# ---------------------------------------------------------------------- MovieLens


def _open_text(path: Path):
    with open(path, "rb") as f:
        magic = f.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="latin-1", newline="")
    return open(path, encoding="latin-1", newline="")


def _read_movielens_frame(path: str | os.PathLike) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such MovieLens ratings file: {str(path)!r}.")
    with _open_text(path) as f:
        text = f.read()
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise ValueError(f"{str(path)!r} is empty: no ratings to read.")
    if "::" in lines[first]:
        sep = "::"
    elif "\t" in lines[first]:
        sep = "\t"
    else:
        raise ValueError(
            f"{str(path)!r}, line {first + 1}: expected 'user\\titem\\trating\\ttimestamp' (u.data) or "
            f"'user::item::rating::timestamp' (ratings.dat), got {lines[first][:80]!r}."
        )
    names = ["user", "item", "rating", "timestamp"]
    try:
        df = pd.read_csv(
            io.StringIO(text.replace("::", "\t") if sep == "::" else text),
            sep="\t",
            header=None,
            names=names,
            dtype={"user": np.int64, "item": np.int64, "rating": np.float64, "timestamp": np.int64},
            skip_blank_lines=True,
        )
        n_lines = sum(1 for line in lines if line.strip())
        if len(df) != n_lines or df.isna().to_numpy().any():
            raise ValueError
    except (ValueError, pd.errors.ParserError):
        _raise_malformed(path, lines, sep)
        raise  # pragma: no cover - _raise_malformed always raises when pandas failed
    return df


def _raise_malformed(path: Path, lines: Sequence[str], sep: str) -> None:
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        parts = line.split(sep)
        problem = None
        if len(parts) != 4:
            problem = f"expected 4 fields separated by {sep!r}, got {len(parts)}"
        else:
            try:
                int(parts[0]), int(parts[1]), float(parts[2]), int(parts[3])
                if not np.isfinite(float(parts[2])):
                    problem = "the rating is not finite"
            except ValueError:
                problem = "user, item and timestamp must be integers and the rating a number"
        if problem:
            raise ValueError(f"{str(path)!r}, line {lineno}: {problem}: {line[:80]!r}.")
    raise ValueError(f"{str(path)!r} could not be read as MovieLens ratings.")


def load_movielens(path: str | os.PathLike) -> Interactions:
    """Read MovieLens explicit ratings with timestamps.

    Accepts the ML-100K ``u.data`` layout (``user\\titem\\trating\\ttimestamp``, also ``u1.base`` etc.) and
    the ML-1M/10M ``ratings.dat`` layout (``user::item::rating::timestamp``), gzip-compressed or not; the
    layout is detected from the first line.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    Interactions
        Explicit ratings; raw ids are int64, id maps are the sorted unique ids of the file.

    Raises
    ------
    ValueError
        On a malformed line (naming the file and the line number) or a repeated (user, item) pair.

    References
    ----------
    F. M. Harper and J. A. Konstan, "The MovieLens Datasets: History and Context", ACM TiiS 5(4), 2015.
    """
    df = _read_movielens_frame(path)
    return Interactions.from_frame(df, user="user", item="item", rating="rating", timestamp="timestamp",
                                   implicit=False)


def _find(folder: Path, name: str) -> Path:
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"neither {name!r} nor {name + '.gz'!r} is in {str(folder)!r}.")


def movielens_folds(
    folder: str | os.PathLike, *, splits: Sequence[str] = ("u1", "u2", "u3", "u4", "u5")
) -> list[tuple[Interactions, Interactions]]:
    """The canonical ML-100K train/test splits ``u1.base``/``u1.test`` ... ``u5.base``/``u5.test``.

    Parameters
    ----------
    folder : str or path-like
        Folder holding ``<split>.base`` and ``<split>.test`` (optionally ``.gz``).
    splits : sequence of str, default ("u1", ..., "u5")
        Split names, e.g. ``("ua", "ub")`` for the 10-ratings-per-user splits.

    Returns
    -------
    list of (Interactions, Interactions)
        ``(train, test)`` per split. All objects share one id map: the sorted union of the ids of every file
        read, so user and item indices agree across every train and test set.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no such folder: {str(folder)!r}.")
    if isinstance(splits, str) or len(splits) == 0:
        raise ValueError(f"splits must be a non-empty sequence of split names, got {splits!r}.")
    parts = [
        (load_movielens(_find(folder, f"{s}.base")), load_movielens(_find(folder, f"{s}.test")))
        for s in splits
    ]
    every = [d for pair in parts for d in pair]
    user_ids = np.unique(np.concatenate([d.user_ids for d in every]))
    item_ids = np.unique(np.concatenate([d.item_ids for d in every]))
    return [(tr.with_id_maps(user_ids, item_ids), te.with_id_maps(user_ids, item_ids)) for tr, te in parts]


# ---------------------------------------------------------------------- splits


def _check_data(data) -> Interactions:
    if not isinstance(data, Interactions):
        raise TypeError(f"data must be an Interactions object, got {type(data).__name__}.")
    if data.nnz < 2:
        raise ValueError(f"data must hold at least 2 interactions to be split, got {data.nnz}.")
    return data


def _n_test(test_size, n: int) -> int:
    """Number of test rows: a fraction in (0, 1) (rounded up) or a count in [1, n - 1]."""
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise TypeError(f"test_size must be a fraction in (0, 1) or an integer count, got {test_size!r}.")
    if isinstance(test_size, numbers.Integral):
        if not 1 <= test_size <= n - 1:
            raise ValueError(f"test_size as a count must be in [1, {n - 1}], got {test_size}.")
        return int(test_size)
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size as a fraction must be in (0, 1), got {test_size}.")
    return int(min(max(np.ceil(test_size * n), 1), n - 1))


def _fraction(test_size) -> float:
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real) or not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be a fraction in (0, 1), got {test_size!r}.")
    return float(test_size)


def _split(data: Interactions, test: np.ndarray) -> tuple[Interactions, Interactions]:
    return data.subset(~test), data.subset(test)


def random_split(
    data: Interactions, *, test_size: float = 0.2, random_state=None
) -> tuple[Interactions, Interactions]:
    """Hold out a uniformly random subset of the interactions.

    Parameters
    ----------
    data : Interactions
    test_size : float or int, default 0.2
        Fraction of the interactions in (0, 1) (the count is rounded up) or a number of interactions.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    train, test : Interactions
        A partition of ``data`` (each keeps the original order), sharing its id maps.
    """
    data = _check_data(data)
    n_test = _n_test(test_size, data.nnz)
    rng = check_random_state(random_state)
    test = np.zeros(data.nnz, dtype=bool)
    test[rng.permutation(data.nnz)[:n_test]] = True
    return _split(data, test)


def kfold(
    data: Interactions, *, n_splits: int = 5, random_state=None
) -> list[tuple[Interactions, Interactions]]:
    """K-fold cross-validation over the interactions.

    Parameters
    ----------
    data : Interactions
    n_splits : int, default 5
        Number of folds, at least 2 and at most ``data.nnz``; fold sizes differ by at most one.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    list of (train, test)
        Each interaction is in exactly one test set; all share the id maps of ``data``.
    """
    data = _check_data(data)
    n_splits = check_int(n_splits, "n_splits", low=2)
    if n_splits > data.nnz:
        raise ValueError(f"n_splits must be at most the number of interactions ({data.nnz}), got {n_splits}.")
    rng = check_random_state(random_state)
    fold = np.empty(data.nnz, dtype=np.int64)
    fold[rng.permutation(data.nnz)] = np.arange(data.nnz) % n_splits
    return [_split(data, fold == f) for f in range(n_splits)]


def _rank_within_user(data: Interactions, order: np.ndarray) -> np.ndarray:
    """Rank (0 = first) of each interaction among its user's interactions, ranked by ``order``.

    ``order`` must be a permutation of the rows sorted by user (as from ``np.lexsort((..., users))``).
    """
    sorted_users = data.users[order]
    counts = np.bincount(data.users, minlength=data.n_users)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    rank = np.empty(data.nnz, dtype=np.int64)
    rank[order] = np.arange(data.nnz) - starts[sorted_users]
    return rank


def leave_k_out(
    data: Interactions, *, k: int = 1, by_time: bool = False, random_state=None, min_train: int = 1
) -> tuple[Interactions, Interactions]:
    """Hold out ``k`` interactions of every user.

    Parameters
    ----------
    data : Interactions
    k : int, default 1
        Interactions held out per user.
    by_time : bool, default False
        Hold out each user's latest ``k`` interactions (ties broken by the later row), which needs timestamps;
        otherwise ``k`` chosen at random.
    random_state : None, int or numpy.random.Generator
        Used when ``by_time`` is False.
    min_train : int, default 1
        Users with fewer than ``k + min_train`` interactions keep them all in train.

    Returns
    -------
    train, test : Interactions
        A partition of ``data`` sharing its id maps.
    """
    data = _check_data(data)
    k = check_int(k, "k", low=1)
    min_train = check_int(min_train, "min_train", low=0)
    n = data.nnz
    if by_time:
        if data.timestamps is None:
            raise ValueError("by_time=True needs timestamps, but data has none; pass by_time=False.")
        order = np.lexsort((-np.arange(n), -data.timestamps.astype(np.float64), data.users))
    else:
        rng = check_random_state(random_state)
        order = np.lexsort((rng.random(n), data.users))
    rank = _rank_within_user(data, order)
    counts = np.bincount(data.users, minlength=data.n_users)
    test = (rank < k) & (counts[data.users] >= k + min_train)
    return _split(data, test)


def time_split(data: Interactions, *, test_size: float = 0.2) -> tuple[Interactions, Interactions]:
    """Split at one global time: the interactions after the ``1 - test_size`` quantile of the timestamps.

    With ``t*`` the lower ``(1 - test_size)`` quantile of the timestamps, train holds the interactions with
    ``t <= t*`` and test those with ``t > t*``; ties at ``t*`` all go to train, so the test fraction can be
    below ``test_size``.

    Parameters
    ----------
    data : Interactions
        Must have timestamps.
    test_size : float, default 0.2
        Fraction in (0, 1).

    Returns
    -------
    train, test : Interactions
    """
    data = _check_data(data)
    test_size = _fraction(test_size)
    if data.timestamps is None:
        raise ValueError("time_split needs timestamps, but data has none; use random_split instead.")
    cut = np.quantile(data.timestamps, 1.0 - test_size, method="lower")
    test = data.timestamps > cut
    if not test.any():
        raise ValueError(
            f"no interaction is later than the {1 - test_size:.3g} quantile of the timestamps ({cut}); the "
            "timestamps take too few distinct values for this test_size."
        )
    return _split(data, test)


def per_user_split(
    data: Interactions, *, test_size: float = 0.2, random_state=None, min_train: int = 1
) -> tuple[Interactions, Interactions]:
    """Hold out a random fraction of each user's interactions.

    A user with ``n_u >= min_train + 1`` interactions gets
    ``clip(round(test_size * n_u), 1, n_u - min_train)`` test interactions (so every such user has both train
    and test items); users with fewer keep all in train.

    Parameters
    ----------
    data : Interactions
    test_size : float, default 0.2
        Fraction in (0, 1).
    random_state : None, int or numpy.random.Generator
    min_train : int, default 1
        Minimum number of train interactions kept per user.

    Returns
    -------
    train, test : Interactions
        A partition of ``data`` sharing its id maps.
    """
    data = _check_data(data)
    test_size = _fraction(test_size)
    min_train = check_int(min_train, "min_train", low=0)
    rng = check_random_state(random_state)
    counts = np.bincount(data.users, minlength=data.n_users)
    n_test = np.clip(np.floor(test_size * counts + 0.5), 1, np.maximum(counts - min_train, 0))
    n_test = n_test.astype(np.int64)
    n_test[counts < min_train + 1] = 0
    order = np.lexsort((rng.random(data.nnz), data.users))
    rank = _rank_within_user(data, order)
    return _split(data, rank < n_test[data.users])
