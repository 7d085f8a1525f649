"""Input checks done once, at the door. Every error names the argument, the value and what was expected."""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp

__all__ = [
    "check_X",
    "check_finite_array",
    "check_int",
    "check_random_state",
    "check_real",
    "check_sample_weight",
]


def _describe(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_real(
    value,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    allow_none: bool = False,
) -> float | None:
    """Check a real scalar lies in an interval; return it as a float."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_describe(value)}.")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}.")
    if low is not None and (value < low or (low_open and value == low)):
        bracket = "(" if low_open else "["
        upper = "inf" if high is None else high
        close = ")" if high_open or high is None else "]"
        raise ValueError(f"{name} must be in {bracket}{low}, {upper}{close}, got {value}.")
    if high is not None and (value > high or (high_open and value == high)):
        bracket = "(" if low_open else "["
        lower = "-inf" if low is None else low
        close = ")" if high_open else "]"
        raise ValueError(f"{name} must be in {bracket}{lower}, {high}{close}, got {value}.")
    return value


def check_int(value, name: str, *, low: int | None = None, allow_none: bool = False) -> int | None:
    """Check an integer scalar is at least ``low``."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {_describe(value)}.")
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}.")
    return int(value)


def check_finite_array(a, name: str, *, ndim: int | tuple[int, ...] | None = None) -> np.ndarray:
    """Convert to a float64 array and check it is numeric and finite."""
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be numeric, got an array-like that cannot be read as numbers.") from err
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if arr.ndim not in allowed:
            raise ValueError(
                f"{name} must have {' or '.join(map(str, allowed))} dimension(s), "
                f"got shape {arr.shape}."
            )
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s); remove or impute them.")
    return arr


def check_X(X, name: str = "X"):
    """Dense 2-D float64 array, or CSR/CSC sparse matrix with float64 data; finite values."""
    if sp.issparse(X):
        if X.format not in ("csr", "csc"):
            X = X.tocsr()
        if X.ndim != 2:
            raise ValueError(f"{name} must be 2-D, got shape {X.shape}.")
        if not np.issubdtype(X.dtype, np.number) or np.issubdtype(X.dtype, np.complexfloating):
            raise TypeError(f"{name} must hold real numbers, got dtype {X.dtype}.")
        X = X.astype(np.float64, copy=False)
        if not np.all(np.isfinite(X.data)):
            raise ValueError(f"{name} contains NaN or infinite values; remove or impute them.")
        X.sort_indices()
        return X
    if hasattr(X, "dtypes") and hasattr(X, "columns"):
        non_numeric = [c for c, t in zip(X.columns, X.dtypes, strict=True) if not np.issubdtype(t, np.number)]
        if non_numeric:
            raise TypeError(
                f"{name} has non-numeric column(s) {non_numeric[:5]}; encode them first "
                "(e.g. one-hot encoding)."
            )
    arr = np.asarray(X)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}.")
    return check_finite_array(arr, name, ndim=2)


def check_sample_weight(sample_weight, n_samples: int) -> np.ndarray | None:
    """Non-negative finite weights of length n_samples with a positive sum, or None."""
    if sample_weight is None:
        return None
    sw = check_finite_array(sample_weight, "sample_weight", ndim=1)
    if sw.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight has {sw.shape[0]} entries but X has {n_samples} rows; they must match."
        )
    if np.any(sw < 0):
        raise ValueError("sample_weight must be non-negative, got negative entries.")
    if sw.sum() <= 0:
        raise ValueError("sample_weight must have a positive sum, got all zeros.")
    return sw


def check_random_state(random_state) -> np.random.Generator:
    """A NumPy Generator from None, an int, a Generator or a RandomState."""
    if random_state is None or isinstance(random_state, numbers.Integral):
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(2**31 - 1))
    raise TypeError(
        f"random_state must be None, an int or a numpy Generator, got {_describe(random_state)}."
    )
