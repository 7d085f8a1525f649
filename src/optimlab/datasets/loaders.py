"""Read a labelled table (CSV or LIBSVM/svmlight) or a built-in dataset into ``(X, y)``.

Every reader returns a :class:`Table`; everything that can go wrong with the user's file is a
:class:`DataError` whose message says what is wrong and how to fix it, so that front-ends (the CLI)
can print it as one line instead of a traceback.
"""

from __future__ import annotations

import bz2
import csv
import difflib
import gzip
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = [
    "BUILTIN_DATASETS",
    "DataError",
    "Table",
    "check_target",
    "infer_task",
    "load_builtin",
    "load_table",
]

_CSV_SUFFIXES = {".csv": ",", ".tsv": "\t"}
_LIBSVM_SUFFIXES = {".svm", ".libsvm", ".svmlight", ".lsvm"}
_OPENERS = {".gz": gzip.open, ".bz2": bz2.open}

#: Largest number of distinct integer values a target may have and still be read as class labels.
MAX_INTEGER_CLASSES = 20
#: A numeric-looking column is "numeric with a few bad entries" (an error) rather than categorical
#: when at least this share of its entries parse as numbers.
_NUMERIC_SHARE = 0.9
#: Columns with more levels than this are flagged as probable identifiers in the notes.
_MANY_LEVELS = 50

BUILTIN_DATASETS = {
    "breast_cancer": "Wisconsin breast cancer: 569 x 30, binary classification",
    "diabetes": "diabetes progression: 442 x 10, regression",
    "wine": "wine cultivars: 178 x 13, 3 classes",
    "iris": "iris: 150 x 4, 3 classes",
}


class DataError(ValueError):
    """The data cannot be used as given; the message says why and what to do."""


@dataclass
class Table:
    """A labelled dataset ready for a model.

    Attributes
    ----------
    X : ndarray or scipy.sparse.csr_matrix, shape (n_samples, n_features)
        Numeric features (float64).
    y : ndarray, shape (n_samples,)
        The target, as read (numbers, or labels of any type).
    feature_names : list of str
    target : str
        Name of the target column (``"label"`` for LIBSVM files).
    name : str
        Short description of where the data comes from, for titles and reports.
    notes : list of str
        What was done to the data that the user should know (one-hot encoding, ...).
    """

    X: np.ndarray | sp.csr_matrix
    y: np.ndarray
    feature_names: list[str]
    target: str
    name: str
    notes: list[str] = field(default_factory=list)

    @property
    def shape(self) -> tuple[int, int]:
        return self.X.shape


# -- entry points ---------------------------------------------------------------------------------
def load_table(path, target: str | None = None, *, format: str = "auto") -> Table:
    """Read a CSV (with a header) or a LIBSVM/svmlight file.

    Parameters
    ----------
    path : str or Path
        The file; ``.gz`` and ``.bz2`` compression is read transparently.
    target : str, optional
        For CSV files, the name of the label column (required). LIBSVM files carry the label
        in the first field of each line, so ``target`` must be left out for them.
    format : {"auto", "csv", "libsvm"}, default "auto"
        ``"auto"`` decides from the extension (``.csv``, ``.tsv``; ``.svm``, ``.libsvm``,
        ``.svmlight``), else from the first line of the file.

    Returns
    -------
    Table

    Raises
    ------
    DataError
        Missing, empty or unreadable file; ragged CSV; unknown target column; missing values.

    Examples
    --------
    >>> from optimlab.datasets import load_table
    >>> table = load_table("houses.csv", target="price")  # doctest: +SKIP
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"File not found: {path}.")
    if path.is_dir():
        raise DataError(f"{path} is a folder; give a CSV or LIBSVM file.")
    if format not in ("auto", "csv", "libsvm"):
        raise DataError(f"format must be 'auto', 'csv' or 'libsvm', got {format!r}.")
    first = _first_line(path)
    if first is None:
        raise DataError(f"{path} is empty.")
    kind = _detect_format(path, first) if format == "auto" else format
    if kind == "libsvm":
        if target is not None:
            raise DataError(
                f"{path} is a LIBSVM file, whose label is the first field of each line; "
                f"leave out the target option (got {target!r})."
            )
        return _load_libsvm(path)
    return _load_csv(path, target, first)


def load_builtin(name: str = "breast_cancer") -> Table:
    """A small real dataset bundled with scikit-learn (no download).

    Parameters
    ----------
    name : {"breast_cancer", "diabetes", "wine", "iris"}, default "breast_cancer"
        See :data:`BUILTIN_DATASETS`.
    """
    from sklearn import datasets

    if name not in BUILTIN_DATASETS:
        raise DataError(f"Unknown built-in dataset {name!r}; choose one of {', '.join(BUILTIN_DATASETS)}.")
    bunch = getattr(datasets, f"load_{name}")()
    y = bunch.target
    if getattr(bunch, "target_names", None) is not None and name != "diabetes":
        y = np.asarray(bunch.target_names)[y]
    n, p = bunch.data.shape
    return Table(
        X=np.asarray(bunch.data, dtype=np.float64),
        y=np.asarray(y),
        feature_names=[str(f) for f in bunch.feature_names],
        target="target",
        name=f"{name} (scikit-learn built-in, {n} x {p})",
    )


def infer_task(y) -> tuple[str, str]:
    """Guess whether ``y`` is a classification or a regression target.

    Non-numeric (or boolean) targets and numeric targets with at most
    :data:`MAX_INTEGER_CLASSES` distinct integer values are class labels; other numbers are a
    regression target.

    Returns
    -------
    task : {"classification", "regression"}
    reason : str
        The evidence, in words, for the user.
    """
    arr = np.asarray(y)
    if arr.dtype.kind in "OUSb":
        numeric = pd.to_numeric(pd.Series(arr), errors="coerce") if arr.dtype.kind != "b" else None
        if numeric is None or numeric.isna().any():
            return "classification", "the target is not numeric"
        arr = numeric.to_numpy()
    values = np.unique(arr)
    integers = np.all(np.isfinite(values)) and np.all(values == np.round(values))
    if integers and values.size <= MAX_INTEGER_CLASSES:
        return "classification", f"the target has {values.size} distinct integer values"
    return "regression", f"the target is real-valued with {values.size} distinct values"


def check_target(y, task: str, *, target: str = "target") -> np.ndarray:
    """Check ``y`` suits ``task`` and return it ready for a datafit (numbers for regression).

    Raises
    ------
    DataError
        A non-numeric or constant regression target; a classification target with one class.
    """
    arr = np.asarray(y)
    if task == "regression":
        numeric = pd.to_numeric(pd.Series(arr), errors="coerce")
        bad = numeric.isna().to_numpy()
        if bad.any() or arr.dtype.kind == "b":
            examples = ", ".join(repr(v) for v in pd.unique(arr[bad] if bad.any() else arr)[:3])
            raise DataError(
                f"Target {target!r} is not numeric (values such as {examples}); regression needs "
                "numbers. Use --task classification for labels."
            )
        out = numeric.to_numpy(dtype=np.float64)
        if np.unique(out).size < 2:
            raise DataError(f"Target {target!r} is constant ({out[0]:g}); there is nothing to regress.")
        return out
    if task == "classification":
        classes = pd.unique(arr)
        if classes.size < 2:
            raise DataError(
                f"Target {target!r} has a single class ({classes[0]!r}); a classifier needs at least two."
            )
        return arr
    raise DataError(f"task must be 'classification' or 'regression', got {task!r}.")


# -- formats ------------------------------------------------------------------------------------------
def _open_text(path: Path):
    opener = _OPENERS.get(path.suffix.lower())
    if opener is not None:
        return opener(path, "rt", newline="", encoding="utf-8", errors="replace")
    return open(path, newline="", encoding="utf-8", errors="replace")


def _first_line(path: Path) -> str | None:
    """The first non-blank line, or None for an empty file."""
    try:
        with _open_text(path) as handle:
            for line in handle:
                if line.strip():
                    return line
    except (OSError, EOFError) as exc:
        raise DataError(f"Cannot read {path}: {exc}.") from None
    return None


def _detect_format(path: Path, first: str) -> str:
    suffixes = [s.lower() for s in path.suffixes if s.lower() not in _OPENERS]
    last = suffixes[-1] if suffixes else ""
    if last in _CSV_SUFFIXES:
        return "csv"
    if last in _LIBSVM_SUFFIXES:
        return "libsvm"
    fields = first.split("#", 1)[0].split()
    if len(fields) >= 2 and all(":" in f for f in fields[1:]) and ":" not in fields[0]:
        return "libsvm"
    return "csv"


def _load_libsvm(path: Path) -> Table:
    from sklearn.datasets import load_svmlight_file

    try:
        X, y = load_svmlight_file(str(path))
    except (ValueError, RuntimeError) as exc:
        raise DataError(f"{path} is not a valid LIBSVM/svmlight file: {exc}.") from None
    if X.shape[0] == 0:
        raise DataError(f"{path} has no data lines.")
    if X.shape[1] == 0:
        raise DataError(f"{path} has no features (every line is a label alone).")
    X = sp.csr_matrix(X, dtype=np.float64)
    if not np.all(np.isfinite(X.data)):
        raise DataError(f"{path} has non-finite feature values (nan or inf).")
    n, p = X.shape
    return Table(X=X, y=np.asarray(y), feature_names=[f"x{j}" for j in range(p)], target="label",
                 name=f"{path.name} ({n} x {p}, sparse)")


def _sniff_delimiter(path: Path, first: str) -> str:
    suffixes = [s.lower() for s in path.suffixes if s.lower() not in _OPENERS]
    if suffixes and suffixes[-1] in _CSV_SUFFIXES:
        return _CSV_SUFFIXES[suffixes[-1]]
    try:
        return csv.Sniffer().sniff(first, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _check_rectangular(path: Path, sep: str) -> None:
    """Fail on the first row whose number of fields differs from the header's."""
    with _open_text(path) as handle:
        reader = csv.reader(handle, delimiter=sep)
        width = None
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if width is None:
                width = len(row)
            elif len(row) != width:
                raise DataError(
                    f"{path} is ragged: line {reader.line_num} has {len(row)} fields but the header "
                    f"has {width}. Every row needs one value per column."
                )


def _load_csv(path: Path, target: str | None, first: str) -> Table:
    sep = _sniff_delimiter(path, first)
    _check_rectangular(path, sep)
    try:
        frame = pd.read_csv(path, sep=sep, index_col=False, skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(f"Cannot parse {path} as CSV: {exc}".rstrip(".") + ".") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.shape[0] == 0:
        raise DataError(f"{path} has a header but no data rows.")
    if target is None:
        raise DataError(
            f"Name the label column of {path} with --target; its columns are: {_list(frame.columns)}."
        )
    if target not in frame.columns:
        close = difflib.get_close_matches(target, frame.columns, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise DataError(
            f"No column {target!r} in {path}.{hint} Its columns are: {_list(frame.columns)}."
        )
    if frame.shape[1] < 2:
        raise DataError(f"{path} has only the target column {target!r}; there are no features.")
    y = frame.pop(target)
    if y.isna().any():
        raise DataError(
            f"Target {target!r} has {int(y.isna().sum())} missing values; drop or fill those rows."
        )
    notes: list[str] = []
    features = _numeric_features(frame, notes)
    n, p = features.shape
    return Table(
        X=features.to_numpy(dtype=np.float64),
        y=_coerce_target(y),
        feature_names=list(features.columns),
        target=target,
        name=f"{path.name} ({n} x {p})",
        notes=notes,
    )


def _coerce_target(y: pd.Series) -> np.ndarray:
    if y.dtype == object:
        stripped = y.astype(str).str.strip()
        numeric = pd.to_numeric(stripped, errors="coerce")
        return numeric.to_numpy() if not numeric.isna().any() else stripped.to_numpy()
    return y.to_numpy()


def _numeric_features(frame: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """Numbers as they are, booleans as 0/1, text as one-hot columns; missing values are an error."""
    missing = frame.isna().sum()
    missing = missing[missing > 0]
    if len(missing):
        listed = ", ".join(f"{name!r} ({count} rows)" for name, count in missing.items())
        raise DataError(f"Missing values in column(s) {listed}; fill or drop them before comparing.")
    columns: dict[str, pd.Series] = {}
    categorical: list[str] = []
    for name in frame.columns:
        col = frame[name]
        if col.dtype == bool:
            columns[name] = col.astype(np.float64)
        elif pd.api.types.is_numeric_dtype(col):
            columns[name] = col.astype(np.float64)
        else:
            text = col.astype(str).str.strip()
            numeric = pd.to_numeric(text, errors="coerce")
            bad = numeric.isna()
            if not bad.any():
                columns[name] = numeric.astype(np.float64)
                continue
            if bad.mean() <= 1.0 - _NUMERIC_SHARE:
                examples = ", ".join(repr(v) for v in pd.unique(text[bad])[:3])
                raise DataError(
                    f"Column {name!r} is numeric except for {int(bad.sum())} value(s) such as {examples}; "
                    "fix or drop those rows."
                )
            categorical.append(name)
            columns[name] = text
    data = pd.DataFrame(columns, index=frame.index)
    if categorical:
        levels = {name: data[name].nunique() for name in categorical}
        data = pd.get_dummies(data, columns=categorical, prefix_sep="=", dtype=np.float64)
        described = ", ".join(f"{name!r} ({levels[name]} levels)" for name in categorical)
        notes.append(f"One-hot encoded categorical column(s) {described} into {data.shape[1]} features.")
        many = [name for name in categorical if levels[name] > _MANY_LEVELS]
        if many:
            notes.append(
                f"Column(s) {_list(many)} have more than {_MANY_LEVELS} levels and may be identifiers; "
                "consider dropping them."
            )
    return data


def _list(names, limit: int = 20) -> str:
    names = [str(n) for n in names]
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")
