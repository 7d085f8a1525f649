"""MPS and QPS files, free and fixed format: read and write.

Conventions (those of HiGHS, CPLEX and the Netlib/MIPLIB files):

- the first ``N`` row is the objective; further ``N`` rows are free rows and are dropped;
- a right-hand side on the objective row is minus the objective's constant;
- ``RANGES`` on a row with right-hand side ``b`` and range ``R``: ``G`` -> ``[b, b + |R|]``,
  ``L`` -> ``[b - |R|, b]``, ``E`` -> ``[b, b + R]`` if ``R > 0`` else ``[b + R, b]``;
- ``BOUNDS`` types ``UP LO FX FR MI PL BV LI UI``; an ``UP`` bound below zero on a variable whose
  lower bound is still the default 0 makes the lower bound ``-inf``; semi-continuous bounds
  (``SC``) are refused;
- integer columns (between ``MARKER INTORG`` and ``INTEND``) keep the default bounds
  ``[0, inf)`` (as HiGHS reads them, not ``[0, 1]`` as some older readers did);
- ``QUADOBJ`` (one triangle) or ``QMATRIX``/``QSECTION`` (the whole matrix) give ``Q`` of the
  objective ``0.5 x'Qx + c'x``;
- ``OBJSENSE`` (``MAX``/``MAXIMIZE``/``MIN``/``MINIMIZE``) as a section or on the same line.

Free format splits on white space; fixed format reads the columns 2-3, 5-12, 15-22, 25-36, 40-47
and 50-61, so names may contain spaces. ``format="auto"`` reads the file as free format and, if
that fails, again as fixed format (Netlib's forplan has names with spaces).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..problem import Block, Problem
from ._errors import ModelFileError
from ._files import read_text, write_text

__all__ = ["read_mps", "write_mps"]

_SECTIONS = {
    "NAME", "OBJSENSE", "OBJSENSE MAX", "OBJSENSE MIN", "OBJNAME", "ROWS", "COLUMNS", "RHS", "RANGES",
    "BOUNDS", "QUADOBJ", "QMATRIX", "QSECTION", "ENDATA", "SOS", "QCMATRIX", "INDICATORS", "CSECTION",
}
_BOUND_TYPES = ("UP", "LO", "FX", "FR", "MI", "PL", "BV", "LI", "UI", "SC")
_MAX_WORDS = {"MAX", "MAXIMIZE", "MAXIMISE"}
_MIN_WORDS = {"MIN", "MINIMIZE", "MINIMISE"}


def _fixed_fields(line: str) -> list[str]:
    cuts = ((1, 3), (4, 12), (14, 22), (24, 36), (39, 47), (49, 61))
    fields = [line[a:b].strip() for a, b in cuts]
    while fields and not fields[-1]:
        fields.pop()
    return fields


class _Reader:
    def __init__(self, path: Path, fmt: str) -> None:
        if fmt not in ("auto", "free", "fixed"):
            raise ValueError(f"format must be 'auto', 'free' or 'fixed'; got {fmt!r}.")
        self.path = path
        self.fmt = fmt
        self.lineno = 0
        self.name = ""
        self.sense = "minimize"
        self.obj_row: str | None = None
        self.row_index: dict[str, int] = {}
        self.row_types: list[str] = []
        self.free_rows: set[str] = set()
        self.col_index: dict[str, int] = {}
        self.col_names: list[str] = []
        self.col_integer: list[bool] = []
        self.cost: dict[int, float] = {}
        self.entries_row: list[int] = []
        self.entries_col: list[int] = []
        self.entries_val: list[float] = []
        self.rhs: dict[int, float] = {}
        self.ranges: dict[int, float] = {}
        self.offset = 0.0
        self.bounds: list[tuple[int, str, float]] = []
        self.q_entries: list[tuple[int, int, float]] = []
        self.q_full = False
        self.integer = False
        self.rhs_set: str | None = None
        self.range_set: str | None = None
        self.bound_set: str | None = None

    # -------------------------------------------------------------------------------- helpers
    def fail(self, reason: str):
        raise ModelFileError(self.path, self.lineno, reason)

    def number(self, text: str) -> float:
        try:
            value = float(text.replace("D", "E").replace("d", "e"))
        except ValueError:
            self.fail(f"{text!r} is not a number.")
        if np.isnan(value):
            self.fail("NaN is not a valid coefficient.")
        return value

    def fields(self, line: str, expected: tuple[int, ...]) -> list[str]:
        if self.fmt != "fixed":
            parts = line.split()
            if len(parts) in expected or self.fmt == "free":
                if len(parts) not in expected:
                    self.fail(f"expected {' or '.join(map(str, expected))} fields, found {len(parts)}: "
                              f"{line.strip()!r}.")
                return parts
        parts = _fixed_fields(line)
        if parts and not parts[0]:
            parts = parts[1:]
        if len(parts) not in expected or any(not p for p in parts):
            self.fail(f"expected {' or '.join(map(str, expected))} fields, found {len(line.split())}: "
                      f"{line.strip()!r}.")
        return parts

    def row(self, name: str) -> int | None:
        """Index of a constraint row, -1 for the objective, None for a dropped free row."""
        if name == self.obj_row:
            return -1
        idx = self.row_index.get(name)
        if idx is None:
            if name in self.free_rows:
                return None
            self.fail(f"unknown row {name!r} (not declared in ROWS).")
        return idx

    def column(self, name: str, *, create: bool) -> int:
        idx = self.col_index.get(name)
        if idx is None:
            if not create:
                self.fail(f"unknown column {name!r} (not declared in COLUMNS).")
            idx = len(self.col_names)
            self.col_index[name] = idx
            self.col_names.append(name)
            self.col_integer.append(self.integer)
        return idx

    # -------------------------------------------------------------------------------- sections
    def read(self, text: str) -> Problem:
        section = None
        seen_end = False
        for raw in io.StringIO(text):
            self.lineno += 1
            line = raw.rstrip("\r\n")
            stripped = line.strip()
            if not stripped or line.startswith("*"):
                continue
            if not line[0].isspace():
                words = stripped.split()
                head = words[0].upper()
                if head == "NAME":
                    self.name = stripped[4:].strip()
                    section = "NAME"
                    continue
                if head == "OBJSENSE":
                    if len(words) > 1:
                        self.set_sense(words[1])
                        section = None
                    else:
                        section = "OBJSENSE"
                    continue
                if head in ("ROWS", "COLUMNS", "RHS", "RANGES", "BOUNDS", "QUADOBJ", "QMATRIX", "QSECTION",
                            "OBJNAME"):
                    if head == "COLUMNS" and self.obj_row is None and not self.row_index:
                        self.fail("COLUMNS before ROWS.")
                    if head == "QSECTION" and len(words) > 1 and words[1] != self.obj_row:
                        self.fail(f"QSECTION {words[1]}: quadratic constraints are not supported.")
                    section = head
                    self.q_full = head in ("QMATRIX", "QSECTION") or self.q_full
                    continue
                if head == "ENDATA":
                    seen_end = True
                    break
                if head in ("SOS", "QCMATRIX", "INDICATORS", "CSECTION"):
                    self.fail(f"section {head} (special ordered sets, quadratic or indicator constraints) "
                              "is not supported.")
                if section == "OBJSENSE" and head in _MAX_WORDS | _MIN_WORDS:
                    self.set_sense(head)
                    continue
                self.fail(f"unknown section {words[0]!r} (expected one of NAME, OBJSENSE, ROWS, COLUMNS, "
                          "RHS, RANGES, BOUNDS, QUADOBJ, QMATRIX, ENDATA).")
            if section is None or section == "NAME":
                self.fail(f"data line outside a section: {stripped!r}.")
            getattr(self, f"line_{section.lower()}")(line)
        if not seen_end:
            self.lineno += 1
            self.fail("missing ENDATA (the file is truncated?).")
        if self.obj_row is None:
            self.lineno = None
            self.fail("no objective row (an N row in ROWS).")
        return self.build()

    def set_sense(self, word: str) -> None:
        word = word.upper()
        if word in _MAX_WORDS:
            self.sense = "maximize"
        elif word in _MIN_WORDS:
            self.sense = "minimize"
        else:
            self.fail(f"unknown objective sense {word!r} (expected MAX or MIN).")

    def line_objsense(self, line: str) -> None:
        self.set_sense(line.strip())

    def line_objname(self, line: str) -> None:
        self.obj_row = line.strip()

    def line_rows(self, line: str) -> None:
        kind, name = self.fields(line, (2,))
        kind = kind.upper()
        if kind not in ("N", "E", "L", "G"):
            self.fail(f"unknown row type {kind!r} (expected N, E, L or G).")
        if name in self.row_index or name == self.obj_row or name in self.free_rows:
            self.fail(f"row {name!r} is declared twice.")
        if kind == "N":
            if self.obj_row is None:
                self.obj_row = name
            else:
                self.free_rows.add(name)
            return
        self.row_index[name] = len(self.row_types)
        self.row_types.append(kind)

    def line_columns(self, line: str) -> None:
        parts = line.split()
        if len(parts) >= 3 and parts[1].strip("'\"").upper() == "MARKER":
            marker = parts[2].strip("'\"").upper()
            if marker == "INTORG":
                self.integer = True
            elif marker == "INTEND":
                self.integer = False
            else:
                self.fail(f"unknown MARKER {parts[2]!r} (expected 'INTORG' or 'INTEND').")
            return
        parts = self.fields(line, (3, 5))
        col = self.column(parts[0], create=True)
        if self.integer and not self.col_integer[col]:
            self.col_integer[col] = True
        for rname, value in zip(parts[1::2], parts[2::2], strict=True):
            r = self.row(rname)
            v = self.number(value)
            if r is None:
                continue
            if r == -1:
                self.cost[col] = self.cost.get(col, 0.0) + v
            else:
                self.entries_row.append(r)
                self.entries_col.append(col)
                self.entries_val.append(v)

    def _pairs(self, line: str, current: str | None, what: str):
        parts = self.fields(line, (2, 3, 4, 5))
        if len(parts) in (3, 5):
            set_name, parts = parts[0], parts[1:]
        elif len(parts) == 2:
            set_name = None
        else:  # 4 fields: a set name and one pair with a stray field, or two pairs without a set name
            set_name = None
        if set_name is not None and current is not None and set_name != current:
            return current, []  # a second RHS/RANGES vector: only the first one is used
        return set_name if current is None else current, list(zip(parts[0::2], parts[1::2], strict=True))

    def line_rhs(self, line: str) -> None:
        self.rhs_set, pairs = self._pairs(line, self.rhs_set, "RHS")
        for rname, value in pairs:
            r = self.row(rname)
            v = self.number(value)
            if r == -1:
                self.offset = -v
            elif r is not None:
                self.rhs[r] = v

    def line_ranges(self, line: str) -> None:
        self.range_set, pairs = self._pairs(line, self.range_set, "RANGES")
        for rname, value in pairs:
            r = self.row(rname)
            v = self.number(value)
            if r == -1:
                self.fail("RANGES on the objective row.")
            if r is not None:
                self.ranges[r] = v

    def line_bounds(self, line: str) -> None:
        parts = self.fields(line, (2, 3, 4))
        kind = parts[0].upper()
        if kind not in _BOUND_TYPES:
            self.fail(f"unknown bound type {parts[0]!r} (expected one of {', '.join(_BOUND_TYPES)}).")
        if kind == "SC":
            self.fail("semi-continuous bounds (SC) are not supported.")
        needs_value = kind not in ("FR", "MI", "PL", "BV")
        if len(parts) == 4:
            set_name, col_name, value = parts[1], parts[2], parts[3]
        elif len(parts) == 3:
            # "TYPE SET COLUMN" (no value) or "TYPE COLUMN VALUE" (no set name)
            if needs_value or parts[2] not in self.col_index:
                set_name, col_name, value = None, parts[1], parts[2]
            else:
                set_name, col_name, value = parts[1], parts[2], None
        else:
            set_name, col_name, value = None, parts[1], None
        if needs_value and value is None:
            self.fail(f"bound type {kind} needs a value.")
        if self.bound_set is None:
            self.bound_set = set_name
        elif set_name is not None and set_name != self.bound_set:
            return
        col = self.column(col_name, create=False)
        v = self.number(value) if value is not None else np.nan
        self.bounds.append((col, kind, v))

    def line_quadobj(self, line: str) -> None:
        a, b, value = self.fields(line, (3,))
        entry = (self.column(a, create=False), self.column(b, create=False), self.number(value))
        self.q_entries.append(entry)

    line_qmatrix = line_quadobj
    line_qsection = line_quadobj

    # -------------------------------------------------------------------------------- assembly
    def build(self) -> Problem:
        n, m = len(self.col_names), len(self.row_types)
        c = np.zeros(n)
        if self.cost:
            c[list(self.cost)] = list(self.cost.values())
        A = sp.coo_matrix(
            (np.asarray(self.entries_val, dtype=float),
             (np.asarray(self.entries_row, dtype=np.int64), np.asarray(self.entries_col, dtype=np.int64))),
            shape=(m, n),
        ).tocsr()
        A.sum_duplicates()
        types = np.array(self.row_types, dtype="U1")
        b = np.zeros(m)
        if self.rhs:
            b[list(self.rhs)] = list(self.rhs.values())
        lower = np.where(types == "L", -np.inf, b)
        upper = np.where(types == "G", np.inf, b)
        for r, rng in self.ranges.items():
            t = types[r]
            if t == "G":
                upper[r] = b[r] + abs(rng)
            elif t == "L":
                lower[r] = b[r] - abs(rng)
            elif rng >= 0:
                upper[r] = b[r] + rng
            else:
                lower[r] = b[r] + rng
        integ = np.array(self.col_integer, dtype=bool)
        lb, ub = np.zeros(n), np.full(n, np.inf)
        lb_set = np.zeros(n, dtype=bool)
        for col, kind, v in self.bounds:
            if kind == "UP":
                ub[col] = v
                if v < 0 and lb[col] == 0 and not lb_set[col]:
                    lb[col] = -np.inf
            elif kind == "LO":
                lb[col], lb_set[col] = v, True
            elif kind == "FX":
                lb[col] = ub[col] = v
                lb_set[col] = True
            elif kind == "FR":
                lb[col], ub[col] = -np.inf, np.inf
                lb_set[col] = True
            elif kind == "MI":
                lb[col], lb_set[col] = -np.inf, True
            elif kind == "PL":
                ub[col] = np.inf
            elif kind == "BV":
                lb[col], ub[col], integ[col] = 0.0, 1.0, True
                lb_set[col] = True
            elif kind == "LI":
                lb[col], integ[col], lb_set[col] = v, True, True
            elif kind == "UI":
                ub[col], integ[col] = v, True
                if v < 0 and lb[col] == 0 and not lb_set[col]:
                    lb[col] = -np.inf
        Q = None
        if self.q_entries:
            qi, qj, qv = (np.array(t) for t in zip(*self.q_entries, strict=True))
            if self.q_full:
                Q = sp.coo_matrix((qv.astype(float), (qi, qj)), shape=(n, n)).tocsr()
                Q = ((Q + Q.T) * 0.5).tocsr()
            else:
                off = qi != qj
                Q = sp.coo_matrix(
                    (np.concatenate([qv, qv[off]]).astype(float),
                     (np.concatenate([qi, qj[off]]), np.concatenate([qj, qi[off]]))),
                    shape=(n, n),
                ).tocsr()
            Q.sum_duplicates()
        row_names = [None] * m
        for name, i in self.row_index.items():
            row_names[i] = name
        try:
            return Problem.build(
                c, A=A, row_lower=lower, row_upper=upper, lb=lb, ub=ub, integrality=integ, Q=Q,
                offset=self.offset, sense=self.sense, name=self.name or self.path.name.split(".")[0],
                col_names=self.col_names, row_names=row_names,
                var_blocks=[Block("x", 0, (n,))], row_blocks=[Block("rows", 0, (m,))] if m else [],
            )
        except ValueError as exc:
            raise ModelFileError(self.path, None, str(exc)) from exc


def read_mps(path, *, format: str = "auto") -> Problem:
    """Read an MPS or QPS file (``.gz`` allowed) into a :class:`Problem`.

    Parameters
    ----------
    path : str or Path
    format : {"auto", "free", "fixed"}
        ``auto`` reads free format and, if that fails, fixed format.

    Raises
    ------
    ModelFileError
        With the line number, for anything the reader cannot accept.
    """
    path = Path(path)
    text = read_text(path)
    if format != "auto":
        return _Reader(path, format).read(text)
    try:
        return _Reader(path, "free").read(text)
    except ModelFileError as free_error:
        # A fixed-format file whose names contain spaces can look like free format with the
        # wrong number of fields; read it again by columns, and report whichever reading got
        # further if both fail.
        try:
            return _Reader(path, "fixed").read(text)
        except ModelFileError as fixed_error:
            if (fixed_error.line or 0) > (free_error.line or 0):
                raise fixed_error from None
            raise free_error from None


# ------------------------------------------------------------------------------------ writer
def _num(v: float, width: int | None = None) -> str:
    """Shortest exact text of a float; in fixed format, the most digits that fit ``width``."""
    v = float(v)
    text = str(int(v)) if v == int(v) and abs(v) < 1e15 else repr(v)
    if width is None or len(text) <= width:
        return text
    for digits in range(15, 0, -1):
        text = f"{v:.{digits}g}"
        if len(text) <= width:
            return text
    raise ValueError(f"{v!r} does not fit a fixed-format MPS field.")


def _check_names(names: list[str], what: str, fixed: bool) -> None:
    for name in names:
        if not name or (any(ch.isspace() for ch in name) and not fixed):
            raise ValueError(f"{what} name {name!r} cannot be written to free MPS (empty or with spaces).")
        if fixed and len(name) > 8:
            raise ValueError(f"{what} name {name!r} is longer than 8 characters: fixed MPS cannot hold it; "
                             "write free MPS instead.")


def _data(fixed: bool, first: str, pairs) -> str:
    """A COLUMNS/RHS/RANGES/QUADOBJ line: a name and one or two (name, number) pairs."""
    if not fixed:
        return "    " + "  ".join([first, *(f"{a}  {b}" for a, b in pairs)])
    # fixed columns: names at 5-12, 15-22, 40-47; numbers at 25-36 and 50-61
    line = "    " + first.ljust(10)
    for k, (name, value) in enumerate(pairs):
        line += name.ljust(10) + (value.ljust(15) if k == 0 and len(pairs) > 1 else value)
    return line


def _marker(fixed: bool, tag: str) -> str:
    if fixed:
        return "    " + "MARKER".ljust(10) + "'MARKER'".ljust(25) + tag
    return f"    MARKER  'MARKER'  {tag}"


def mps_text(problem: Problem, *, fixed: bool = False) -> str:
    """The problem as MPS (QPS when it has a quadratic objective) text."""
    n, m = problem.n_vars, problem.n_rows
    width = 12 if fixed else None
    cols = [problem.col_name(j) for j in range(n)]
    rows = [problem.row_name(i) for i in range(m)]
    obj = "obj"
    while obj in set(rows):
        obj += "_"
    _check_names(cols, "column", fixed)
    _check_names(rows, "row", fixed)
    if len(set(cols)) != n or len(set(rows)) != m:
        raise ValueError("column and row names must be unique to be written to MPS.")
    lo, hi = problem.row_lower, problem.row_upper
    out = [f"NAME          {problem.name or 'optimlab'}"]
    if problem.sense == "maximize":
        out += ["OBJSENSE", "    MAX"]
    out.append("ROWS")
    out.append(f" N  {obj}")
    types = []
    for i in range(m):
        if lo[i] == hi[i]:
            t = "E"
        elif np.isfinite(lo[i]):
            t = "G"
        elif np.isfinite(hi[i]):
            t = "L"
        else:
            t = "N"
        types.append(t)
        out.append(f" {t}  {rows[i]}")
    out.append("COLUMNS")
    A = problem.A.tocsc()
    integer = False
    for j in range(n):
        if problem.integrality[j] != integer:
            integer = bool(problem.integrality[j])
            tag = "'INTORG'" if integer else "'INTEND'"
            out.append(_marker(fixed, tag))
        entries = [(obj, problem.c[j])] if problem.c[j] != 0 else []
        start, stop = A.indptr[j], A.indptr[j + 1]
        entries += [(rows[i], v) for i, v in zip(A.indices[start:stop], A.data[start:stop], strict=True)
                    if types[i] != "N"]
        if not entries:
            entries = [(obj, 0.0)]
        for k in range(0, len(entries), 2):
            out.append(_data(fixed, cols[j], [(name, _num(v, width)) for name, v in entries[k:k + 2]]))
    if integer:
        out.append(_marker(fixed, "'INTEND'"))
    rhs = []
    if problem.offset != 0:
        rhs.append((obj, -problem.offset))
    ranges = []
    for i, t in enumerate(types):
        if t == "N":
            continue
        b = lo[i] if t in ("E", "G") else hi[i]
        if b != 0:
            rhs.append((rows[i], b))
        if t == "G" and np.isfinite(hi[i]):
            ranges.append((rows[i], hi[i] - lo[i]))
    out.append("RHS")
    for name, v in rhs:
        out.append(_data(fixed, "rhs", [(name, _num(v, width))]))
    if ranges:
        out.append("RANGES")
        for name, v in ranges:
            out.append(_data(fixed, "rng", [(name, _num(v, width))]))
    bounds = []
    for j in range(n):
        l, u = problem.lb[j], problem.ub[j]
        if problem.integrality[j] and l == 0 and u == 1:
            bounds.append(("BV", cols[j], None))
            continue
        if l == u:
            bounds.append(("FX", cols[j], l))
            continue
        if l == -np.inf and u == np.inf:
            bounds.append(("FR", cols[j], None))
            continue
        if l == -np.inf:
            bounds.append(("MI", cols[j], None))
        elif l != 0:
            bounds.append(("LO", cols[j], l))
        if u != np.inf:
            bounds.append(("UP", cols[j], u))
        elif problem.integrality[j]:
            bounds.append(("PL", cols[j], None))
    if bounds:
        out.append("BOUNDS")
        for kind, name, v in bounds:
            value = "" if v is None else _num(v, width)
            if fixed:  # type at 2-3, set name at 5-12, column at 15-22, value at 25-36
                out.append((" " + kind.ljust(3) + "bnd".ljust(10) + name.ljust(10) + value).rstrip())
            else:
                out.append(f" {kind} bnd  {name}" + (f"  {value}" if value else ""))
    if problem.is_qp:
        out.append("QUADOBJ")
        Q = sp.tril(problem.Q, format="coo")
        order = np.lexsort((Q.row, Q.col))
        for k in order:
            out.append(_data(fixed, cols[Q.col[k]], [(cols[Q.row[k]], _num(Q.data[k], width))]))
    out.append("ENDATA")
    return "\n".join(out) + "\n"


def write_mps(problem: Problem, path, *, fixed: bool | None = None, overwrite: bool = False) -> Path:
    """Write ``problem`` as MPS (QPS with a ``QUADOBJ`` section for a QP); ``.gz`` compresses.

    ``fixed=None`` writes free MPS unless a name contains a space (then fixed MPS, which needs
    names of at most 8 characters).

    Numbers are written with ``repr`` (shortest exact form), so reading the file back gives the
    same problem. Free rows (no finite side) are written as ``N`` rows, which readers drop.
    Refuses to replace an existing file unless ``overwrite=True``.
    """
    path = Path(path)
    if fixed is None:
        names = [problem.col_name(j) for j in range(problem.n_vars)]
        names += [problem.row_name(i) for i in range(problem.n_rows)]
        fixed = any(" " in name for name in names)
    return write_text(path, mps_text(problem, fixed=fixed), overwrite=overwrite)
