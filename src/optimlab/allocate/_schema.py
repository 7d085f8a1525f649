"""Checking a problem description: fields, numbers and tables, with errors that name the field path.

Every error is a :class:`ProblemError` (a ``ValueError``) whose message names the place in the file
(``production.resources[2].capacity``), the value received and what was expected, and suggests the
closest allowed name for a misspelled key.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["ProblemError", "check_keys", "names", "number", "numbers", "table", "text"]


class ProblemError(ValueError):
    """A problem description that cannot be solved as written: the message says where and why."""


def suggest(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or ``""``."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def join(path: str, key) -> str:
    return f"{path}.{key}" if path else str(key)


def check_keys(mapping, path: str, *, required: Iterable[str] = (), optional: Iterable[str] = ()) -> dict:
    """Check that ``mapping`` has every required key and no key outside ``required + optional``."""
    required, optional = list(required), list(optional)
    if not isinstance(mapping, Mapping):
        raise ProblemError(
            f"{path or 'The problem'} must be a mapping of fields; got {type(mapping).__name__}."
        )
    allowed = required + optional
    for key in mapping:
        if key not in allowed:
            raise ProblemError(
                f"{join(path, key)}: unknown field {key!r}{suggest(key, allowed)} "
                f"(allowed: {', '.join(allowed)})."
            )
    for key in required:
        if mapping.get(key) is None:
            raise ProblemError(f"{join(path, key)} is missing: the field {key!r} is required.")
    return dict(mapping)


def number(
    value,
    path: str,
    *,
    minimum: float | None = None,
    strict: bool = False,
    integer: bool = False,
    allow_inf: bool = False,
) -> float:
    """A finite real (``minimum``: lower limit, ``strict``: excluded), named by ``path`` in errors."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        try:
            value = float(str(value).strip())
        except ValueError:
            raise ProblemError(f"{path} must be a number; got {value!r}.") from None
    value = float(value)
    if math.isnan(value) or (math.isinf(value) and not allow_inf):
        raise ProblemError(f"{path} must be a finite number; got {value!r}.")
    if minimum is not None and (value < minimum or (strict and value == minimum)):
        relation = "above" if strict else "at least"
        word = {0.0: "positive" if strict else "non-negative"}.get(minimum, f"{relation} {minimum:g}")
        raise ProblemError(f"{path} must be {word}; got {value:g}.")
    if integer and value != round(value):
        raise ProblemError(f"{path} must be a whole number; got {value:g}.")
    return value


def text(value, path: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == "":
        raise ProblemError(f"{path} must be a non-empty name; got {value!r}.")
    return str(value).strip()


def table(
    value,
    path: str,
    base_dir: Path | None,
    *,
    required: Iterable[str] = (),
    optional: Iterable[str] = (),
    extra: bool = False,
) -> pd.DataFrame:
    """A table: a DataFrame, a list of records, a dict of columns, or a CSV path (relative to the file).

    Columns outside ``required + optional`` are an error unless ``extra`` (wide tables, one column per name).
    """
    required, optional = list(required), list(optional)
    if isinstance(value, pd.DataFrame):
        df = value.copy()
    elif isinstance(value, str | Path):
        file = Path(value)
        if not file.is_absolute() and base_dir is not None:
            file = base_dir / file
        if not file.is_file():
            raise ProblemError(f"{path}: the CSV file {str(file)!r} does not exist.")
        df = pd.read_csv(file, skipinitialspace=True)
        df.columns = [str(c).strip() for c in df.columns]
    elif isinstance(value, Mapping) and value and all(isinstance(v, list) for v in value.values()):
        lengths = {len(v) for v in value.values()}
        if len(lengths) != 1:
            raise ProblemError(f"{path}: the columns have different lengths {sorted(lengths)}.")
        df = pd.DataFrame(dict(value))
    elif isinstance(value, list):
        for i, record in enumerate(value):
            if not isinstance(record, Mapping):
                raise ProblemError(f"{path}[{i}] must be a record (name: value, ...); got {record!r}.")
            if not extra:
                check_keys({k: 0 for k in record}, f"{path}[{i}]", optional=required + optional)
        df = pd.DataFrame(list(value))
    else:
        raise ProblemError(
            f"{path} must be a table: a list of records, a CSV file name or a DataFrame; "
            f"got {type(value).__name__}."
        )
    if df.empty:
        raise ProblemError(f"{path} is an empty table.")
    columns = [str(c) for c in df.columns]
    df.columns = columns
    for col in required:
        if col not in columns:
            others = [c for c in columns if c not in required + optional]
            raise ProblemError(
                f"{path} has no column {col!r}{suggest(col, others)} "
                f"(columns: {', '.join(columns)}; required: {', '.join(required)})."
            )
        missing = df[col].isna().to_numpy()
        if missing.any():
            raise ProblemError(f"{path}[{int(np.flatnonzero(missing)[0])}].{col} is missing.")
    if not extra:
        for col in columns:
            if col not in required + optional:
                raise ProblemError(
                    f"{path}: unknown column {col!r}{suggest(col, required + optional)} "
                    f"(allowed: {', '.join(required + optional)})."
                )
    return df.reset_index(drop=True)


def names(df: pd.DataFrame, column: str, path: str) -> list[str]:
    """The names in ``column``, as non-empty, unique strings."""
    out = [text(v, f"{path}[{i}].{column}") for i, v in enumerate(df[column])]
    seen: dict[str, int] = {}
    for i, name in enumerate(out):
        if name in seen:
            raise ProblemError(
                f"{path}[{i}].{column}: the name {name!r} is used twice (also at [{seen[name]}])."
            )
        seen[name] = i
    return out


def numbers(
    df: pd.DataFrame, column: str, path: str, *, default: float | None = None, **checks
) -> np.ndarray:
    """A numeric column checked entry by entry (``default`` fills an absent column or empty cells)."""
    if column not in df.columns:
        if default is None:
            raise ProblemError(f"{path} has no column {column!r}.")
        return np.full(len(df), float(default))
    out = np.empty(len(df))
    for i, v in enumerate(df[column]):
        if default is not None and (v is None or (isinstance(v, float) and math.isnan(v))):
            out[i] = default
        else:
            out[i] = number(v, f"{path}[{i}].{column}", **checks)
    return out


def flags(df: pd.DataFrame, column: str, path: str, *, default: bool = False) -> np.ndarray:
    """A yes/no column (true/false, yes/no, 1/0)."""
    if column not in df.columns:
        return np.full(len(df), default)
    out = np.empty(len(df), dtype=bool)
    for i, v in enumerate(df[column]):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            out[i] = default
        elif isinstance(v, bool | np.bool_):
            out[i] = bool(v)
        elif str(v).strip().lower() in ("true", "yes", "1", "1.0"):
            out[i] = True
        elif str(v).strip().lower() in ("false", "no", "0", "0.0"):
            out[i] = False
        else:
            raise ProblemError(f"{path}[{i}].{column} must be true or false; got {v!r}.")
    return out


def choice(value, path: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    if str(value) not in choices:
        raise ProblemError(
            f"{path} must be one of {', '.join(choices)}; got {value!r}"
            + (suggest(value, choices) or ".")
        )
    return str(value)


def pairs(
    df: pd.DataFrame,
    path: str,
    *,
    row_key: str,
    col_key: str,
    value_key: str,
    row_names: list[str],
    col_names: list[str],
    default: float = np.nan,
    **checks,
) -> np.ndarray:
    """A matrix indexed by (row name, column name) from a long table (row_key, col_key, value_key)
    or a wide one (row_key plus one column per column name). Absent pairs are ``default``."""
    out = np.full((len(row_names), len(col_names)), float(default))
    rows = {n: i for i, n in enumerate(row_names)}
    cols = {n: j for j, n in enumerate(col_names)}
    columns = list(df.columns)
    if row_key not in columns:
        raise ProblemError(
            f"{path} has no column {row_key!r}{suggest(row_key, columns)} (columns: {', '.join(columns)})."
        )
    long = col_key in columns or value_key in columns
    if long:
        for col in (col_key, value_key):
            if col not in columns:
                raise ProblemError(
                    f"{path} has no column {col!r}{suggest(col, columns)} "
                    f"(a long table has columns {row_key}, {col_key}, {value_key})."
                )
        for col in columns:
            if col not in (row_key, col_key, value_key):
                raise ProblemError(
                    f"{path}: unknown column {col!r}{suggest(col, [row_key, col_key, value_key])}."
                )
    for i, record in enumerate(df.to_dict("records")):
        r = text(record[row_key], f"{path}[{i}].{row_key}")
        if r not in rows:
            raise ProblemError(f"{path}[{i}].{row_key}: {r!r} is not defined{suggest(r, row_names)}.")
        entries = (
            [(record[col_key], record[value_key])]
            if long
            else [(c, record[c]) for c in columns if c != row_key]
        )
        for c, v in entries:
            c = text(c, f"{path}[{i}].{col_key}")
            if c not in cols:
                where = f"{path}[{i}].{col_key}" if long else f"{path} column"
                raise ProblemError(f"{where}: {c!r} is not defined{suggest(c, col_names)}.")
            if v is None or (isinstance(v, float) and math.isnan(v)):
                continue
            out[rows[r], cols[c]] = number(v, f"{path}[{i}].{value_key if long else c}", **checks)
    return out
