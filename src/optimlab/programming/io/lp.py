"""CPLEX LP format: read and write.

Sections (keywords are case-insensitive): ``Minimize``/``Maximize`` (also ``min``, ``max``,
``minimum``, ``maximise``...), ``Subject To`` (also ``such that``, ``st``, ``s.t.``), ``Bounds``,
``Generals``/``Integers``, ``Binaries``, ``End``. Comments start with a backslash. Expressions may
span lines. The objective may have a name (``obj:``), a constant and a quadratic part
``[ 2 x ^ 2 + 3 x * y ] / 2`` (the ``0.5 x'Qx`` of :class:`Problem`; without ``/ 2`` the bracket is
taken at face value). Constraints: ``name: expr <= rhs`` (also ``>=``, ``=``, ``<``, ``>``,
``=<``, ``=>``) and ranged ``name: lo <= expr <= hi``; unnamed ones are called ``R1, R2, ...``.
Bounds: ``x <= 4``, ``-1 <= x <= 4``, ``x >= -inf``, ``x = 3``, ``x free``. Variables not in
``Bounds`` are in ``[0, inf)``; binaries in ``[0, 1]``. Semi-continuous variables, SOS and
quadratic constraints are refused with the line number.

Names written out must be valid LP names: brackets (``x[0,1]``, used by models) become
parentheses (``x(0,1)``), other operator characters and spaces become ``_``, names that would
read as numbers get a leading underscore, and names that then collide get a ``~2`` suffix.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..problem import Block, Problem
from ._errors import ModelFileError
from ._files import read_text, write_text

__all__ = ["read_lp", "write_lp"]

_KEYWORDS = {
    "min": ("minimize", "minimise", "minimum", "min"),
    "max": ("maximize", "maximise", "maximum", "max"),
    "st": (r"subject\s+to", r"such\s+that", r"s\.t\.", "st"),
    "bounds": ("bounds", "bound"),
    "general": ("generals", "general", "gen", "integers", "integer"),
    "binary": ("binaries", "binary", "bin"),
    "semi": ("semi-continuous", "semis", "semi"),
    "sos": ("sos",),
    "end": ("end",),
}
# a keyword starts the line and is followed by white space or the end of the line, never by ':'
# (a constraint may be called "bin: ...")
_SECTION_WORDS = [
    (re.compile(rf"^({'|'.join(words)})(?=\s|$)(?!\s*:)", re.I), kind) for kind, words in _KEYWORDS.items()
]
_RESERVED = {w.replace("\\", "") for words in _KEYWORDS.values() for w in words if "\\" not in w} | {
    "subject", "such", "free", "inf", "infinity"}
_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<op><=|>=|=<|=>|<|>|=)"
    r"|(?P<inf>[+-]?(?:infinity|inf)\b)"
    r"|(?P<sym>[-+*^/\[\]:])"
    r"|(?P<name>[A-Za-z_!\"#$%&()/,.;?@`'{}|~][A-Za-z0-9_!\"#$%&()/,.;?@`'{}|~]*))",
    re.I,
)
_OPS = {"<=": "<=", "=<": "<=", "<": "<=", ">=": ">=", "=>": ">=", ">": ">=", "=": "="}


class _Tokens:
    def __init__(self, path: Path, tokens: list[tuple[str, str, int]]) -> None:
        self.path = path
        self.items = tokens
        self.pos = 0

    def peek(self, k: int = 0):
        i = self.pos + k
        if i < len(self.items):
            return self.items[i]
        return (None, None, self.items[-1][2] if self.items else None)

    def take(self):
        tok = self.peek()
        self.pos += 1
        return tok

    def done(self) -> bool:
        return self.pos >= len(self.items)

    def fail(self, reason: str, line: int | None = None):
        raise ModelFileError(self.path, line if line is not None else self.peek()[2], reason)


def _tokenize(path: Path, text: str, line: int, out: list) -> None:
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            return
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            bad = text[pos:].strip()[:20]
            raise ModelFileError(path, line, f"unexpected text {bad!r}.")
        kind = m.lastgroup
        value = m.group(kind)
        if kind == "inf":
            kind, value = "num", ("-inf" if value.startswith("-") else "inf")
        out.append((kind, value, line))
        pos = m.end()


def _split_sections(path: Path, text: str):
    sections: list[tuple[str, int, list]] = []
    current = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("\\", 1)[0].strip()
        if not line:
            continue
        for pattern, kind in _SECTION_WORDS:
            m = pattern.match(line)
            if m:
                if kind in ("semi", "sos"):
                    raise ModelFileError(path, lineno, f"section {m.group(0)!r} is not supported "
                                         "(semi-continuous variables, SOS).")
                current = (kind, lineno, [])
                sections.append(current)
                line = line[m.end():].strip()
                break
        if current is None:
            raise ModelFileError(path, lineno, "text before the objective section (expected Minimize or "
                                 "Maximize).")
        if current[0] == "end":
            if line:
                raise ModelFileError(path, lineno, "text after End.")
            continue
        _tokenize(path, line, lineno, current[2])
    return sections


class _Builder:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.col_index: dict[str, int] = {}
        self.col_names: list[str] = []

    def col(self, name: str) -> int:
        idx = self.col_index.get(name)
        if idx is None:
            idx = self.col_index[name] = len(self.col_names)
            self.col_names.append(name)
        return idx


def _number(toks: _Tokens) -> float:
    sign = 1.0
    while toks.peek()[0] == "sym" and toks.peek()[1] in "+-":
        sign = -sign if toks.take()[1] == "-" else sign
    kind, value, line = toks.take()
    if kind != "num":
        toks.fail(f"expected a number, found {value!r}.", line)
    return sign * float(value)


def _expression(toks: _Tokens, b: _Builder, *, quadratic: bool):
    """Parse terms until a comparison operator, a name followed by ':', or the end."""
    lin: dict[int, float] = {}
    quad: list[tuple[int, int, float]] = []
    const = 0.0
    first = True
    while not toks.done():
        kind, value, line = toks.peek()
        if kind == "op":
            break
        if kind == "name" and toks.peek(1)[1] == ":" and not first:
            break  # the next statement's name
        sign = 1.0
        saw_sign = False
        while toks.peek()[0] == "sym" and toks.peek()[1] in "+-":
            sign = -sign if toks.take()[1] == "-" else sign
            saw_sign = True
        if not first and not saw_sign:
            break  # a new statement without a name starts here
        first = False
        kind, value, line = toks.peek()
        if kind == "sym" and value == "[":
            if not quadratic:
                toks.fail("quadratic terms are only supported in the objective.", line)
            toks.take()
            terms = _quadratic_terms(toks, b)
            half = toks.peek()[1] == "/"
            if half:
                toks.take()
                if _number(toks) != 2:
                    toks.fail("a quadratic bracket must be divided by 2 or not at all.", line)
            scale = sign * (1.0 if half else 2.0)
            for i, j, v in terms:
                quad.append((i, j, scale * v))
            continue
        coef = 1.0
        if kind == "num":
            coef = float(toks.take()[1])
            if coef in (np.inf, -np.inf):
                toks.fail("infinite coefficient.", line)
            if toks.peek()[0] != "name" or toks.peek(1)[1] == ":":
                const += sign * coef
                continue
        kind, value, line = toks.take()
        if kind != "name":
            toks.fail(f"expected a variable name, found {value!r}.", line)
        j = b.col(value)
        lin[j] = lin.get(j, 0.0) + sign * coef
        if toks.peek()[0] == "sym" and toks.peek()[1] in "*^/":
            toks.fail(f"unexpected {toks.peek()[1]!r} after {value!r}: products and powers are only "
                      "allowed inside [ ] in the objective.", toks.peek()[2])
    return lin, quad, const


def _quadratic_terms(toks: _Tokens, b: _Builder):
    terms = []
    while True:
        kind, value, line = toks.peek()
        if kind is None:
            toks.fail("unclosed '['.", line)
        if kind == "sym" and value == "]":
            toks.take()
            return terms
        sign = 1.0
        while toks.peek()[0] == "sym" and toks.peek()[1] in "+-":
            sign = -sign if toks.take()[1] == "-" else sign
        coef = float(toks.take()[1]) if toks.peek()[0] == "num" else 1.0
        kind, name, line = toks.take()
        if kind != "name":
            toks.fail(f"expected a variable in the quadratic term, found {name!r}.", line)
        i = b.col(name)
        kind, value, line = toks.take()
        if value == "^":
            if _number(toks) != 2:
                toks.fail("only squares (^ 2) are allowed.", line)
            terms.append((i, i, sign * coef))
        elif value == "*":
            kind, other, line = toks.take()
            if kind != "name":
                toks.fail(f"expected a variable after '*', found {other!r}.", line)
            j = b.col(other)
            terms.append((i, j, sign * coef * 0.5) if i != j else (i, i, sign * coef))
            if i != j:
                terms.append((j, i, sign * coef * 0.5))
        else:
            toks.fail(f"expected '^ 2' or '* name' in a quadratic term, found {value!r}.", line)


def read_lp(path) -> Problem:
    """Read a CPLEX LP file (``.gz`` allowed) into a :class:`Problem`.

    Raises
    ------
    ModelFileError
        With the line number, for anything the reader cannot accept.
    """
    path = Path(path)
    text = read_text(path)
    sections = _split_sections(path, text)
    if not sections or sections[0][0] not in ("min", "max"):
        raise ModelFileError(path, sections[0][1] if sections else None,
                             "the file must start with Minimize or Maximize.")
    b = _Builder(path)
    sense = "maximize" if sections[0][0] == "max" else "minimize"
    obj_toks = _Tokens(path, sections[0][2])
    if obj_toks.peek()[0] == "name" and obj_toks.peek(1)[1] == ":":
        obj_toks.pos = 2
    c_lin, q_terms, offset = ({}, [], 0.0)
    if not obj_toks.done():
        c_lin, q_terms, offset = _expression(obj_toks, b, quadratic=True)
    if not obj_toks.done():
        obj_toks.fail(f"unexpected {obj_toks.peek()[1]!r} in the objective.")
    rows: list[tuple[str, dict, float, float]] = []
    bounds: list[tuple[int, str, float, int]] = []
    generals: set[int] = set()
    binaries: set[int] = set()
    seen_end = False
    for kind, lineno, tokens in sections[1:]:
        toks = _Tokens(path, tokens)
        if kind in ("min", "max"):
            raise ModelFileError(path, lineno, "a second objective section.")
        if kind == "end":
            seen_end = True
        elif kind == "st":
            while not toks.done():
                rows.append(_constraint(toks, b, len(rows)))
        elif kind == "bounds":
            while not toks.done():
                bounds.extend(_bound(toks, b))
        else:
            for tkind, value, line in toks.items:
                if tkind != "name":
                    raise ModelFileError(path, line, f"expected variable names in the {kind} section, "
                                         f"found {value!r}.")
                (generals if kind == "general" else binaries).add(b.col(value))
    if not seen_end:
        raise ModelFileError(path, None, "missing End (the file is truncated?).")
    n, m = len(b.col_names), len(rows)
    c = np.zeros(n)
    for j, v in c_lin.items():
        c[j] = v
    lb, ub = np.zeros(n), np.full(n, np.inf)
    integ = np.zeros(n, dtype=bool)
    for j in binaries:
        lb[j], ub[j], integ[j] = 0.0, 1.0, True
    for j in generals:
        integ[j] = True
    for j, side, v, _ in bounds:
        if side in ("lo", "fix"):
            lb[j] = v
        if side in ("up", "fix"):
            ub[j] = v
        if side == "free":
            lb[j], ub[j] = -np.inf, np.inf
    ri, rj, rv = [], [], []
    for i, (_, coefs, _, _) in enumerate(rows):
        ri += [i] * len(coefs)
        rj += list(coefs)
        rv += list(coefs.values())
    A = sp.csr_matrix((rv, (ri, rj)), shape=(m, n))
    Q = None
    if q_terms:
        qi, qj, qv = (np.array(t) for t in zip(*q_terms, strict=True))
        Q = sp.csr_matrix((qv.astype(float), (qi, qj)), shape=(n, n))
    try:
        return Problem.build(
            c, A=A, row_lower=[r[2] for r in rows], row_upper=[r[3] for r in rows], lb=lb, ub=ub,
            integrality=integ, Q=Q, offset=offset, sense=sense, name=path.name.split(".")[0],
            col_names=b.col_names, row_names=[r[0] for r in rows],
            var_blocks=[Block("x", 0, (n,))], row_blocks=[Block("rows", 0, (m,))] if m else [],
        )
    except ValueError as exc:
        raise ModelFileError(path, None, str(exc)) from exc


def _constraint(toks: _Tokens, b: _Builder, count: int):
    line = toks.peek()[2]
    name = f"R{count + 1}"
    if toks.peek()[0] == "name" and toks.peek(1)[1] == ":":
        name = toks.take()[1]
        toks.take()
    lower = upper = None
    signed = toks.peek()[0] == "sym" and toks.peek()[1] in "+-"
    if (toks.peek()[0] == "num" and toks.peek(1)[0] == "op") or (
        signed and toks.peek(1)[0] == "num" and toks.peek(2)[0] == "op"
    ):
        # ranged: lo <= expr <= hi (or hi >= expr >= lo)
        bound = _number(toks)
        kind, op, line = toks.take()
        if kind != "op":
            toks.fail(f"expected a comparison after {bound!r}.", line)
        op = _OPS[op]
        if op == "=":
            toks.fail("a constraint cannot start with 'number ='.", line)
        lower, upper = (bound, None) if op == "<=" else (None, bound)
    lin, quad, const = _expression(toks, b, quadratic=False)
    if quad:
        toks.fail("quadratic constraints are not supported.", line)
    kind, op, line2 = toks.take()
    if kind != "op":
        toks.fail(f"constraint {name!r} has no comparison operator (<=, >=, =).", line)
    op = _OPS[op]
    rhs = _number(toks) - const
    if lower is not None or upper is not None:
        if op == "=":
            toks.fail("a ranged constraint cannot use '='.", line2)
        if op == "<=" and lower is not None:
            return name, lin, lower - const, rhs
        if op == ">=" and upper is not None:
            return name, lin, rhs, upper - const
        toks.fail("a ranged constraint must read lo <= expr <= hi or hi >= expr >= lo.", line2)
    if op == "<=":
        return name, lin, -np.inf, rhs
    if op == ">=":
        return name, lin, rhs, np.inf
    return name, lin, rhs, rhs


def _bound(toks: _Tokens, b: _Builder):
    kind, value, line = toks.peek()
    out = []
    if kind == "num" or (kind == "sym" and value in "+-"):
        v = _number(toks)
        k2, op, line = toks.take()
        if k2 != "op":
            toks.fail(f"expected a comparison in Bounds, found {op!r}.", line)
        k3, name, line = toks.take()
        if k3 != "name":
            toks.fail(f"expected a variable name in Bounds, found {name!r}.", line)
        j = b.col(name)
        op = _OPS[op]
        out.append((j, {"<=": "lo", ">=": "up", "=": "fix"}[op], v, line))
        if toks.peek()[0] == "op":
            op2 = _OPS[toks.take()[1]]
            v2 = _number(toks)
            out.append((j, {"<=": "up", ">=": "lo", "=": "fix"}[op2], v2, line))
        return out
    if kind != "name":
        toks.fail(f"expected a bound, found {value!r}.", line)
    toks.take()
    j = b.col(value)
    nxt = toks.peek()
    if nxt[0] == "name" and nxt[1].lower() == "free":
        toks.take()
        return [(j, "free", 0.0, line)]
    k2, op, line = toks.take()
    if k2 != "op":
        toks.fail(f"expected a comparison or 'free' after {value!r} in Bounds, found {op!r}.", line)
    v = _number(toks)
    op = _OPS[op]
    return [(j, {"<=": "up", ">=": "lo", "=": "fix"}[op], v, line)]


# ------------------------------------------------------------------------------------ writer
_BAD_START = re.compile(r"^(?:[0-9.]|[eE][0-9+-]|inf|infinity|free$)", re.I)


def _lp_name(name: str) -> str:
    name = name.replace("[", "(").replace("]", ")").replace(" ", "_")
    name = re.sub(r"[:<>=+\-*^/\\\[\]]", "_", name)
    if not name or _BAD_START.match(name) or name.lower() in _RESERVED:
        name = "_" + name
    return name


def _unique(names: list[str]) -> list[str]:
    """Names made valid can collide (``x-1`` and ``x_1``): number the later ones ``name~2``, ..."""
    seen: dict[str, int] = {}
    taken = set(names)
    out = []
    for name in names:
        if name in seen:
            k = seen[name] + 1
            while f"{name}~{k}" in taken:
                k += 1
            seen[name] = k
            name = f"{name}~{k}"
            taken.add(name)
        else:
            seen[name] = 1
        out.append(name)
    return out


def _num(v: float) -> str:
    if v == np.inf:
        return "inf"
    if v == -np.inf:
        return "-inf"
    return str(int(v)) if v == int(v) and abs(v) < 1e15 else repr(float(v))


def lp_text(problem: Problem) -> str:
    """The problem as CPLEX LP text."""
    n, m = problem.n_vars, problem.n_rows
    cols = [_lp_name(problem.col_name(j)) for j in range(n)]
    rows = [_lp_name(problem.row_name(i)) for i in range(m)]
    cols, rows = _unique(cols), _unique(rows)

    def linear(pairs) -> str:
        out = []
        for j, v in pairs:
            mag = abs(v)
            term = cols[j] if mag == 1 else f"{_num(mag)} {cols[j]}"
            out.append(("- " if np.signbit(v) else "+ ") + term)
        text = " ".join(out)
        return text[2:] if text.startswith("+ ") else text

    lines = ["\\ written by optimlab", "Maximize" if problem.sense == "maximize" else "Minimize"]
    # every column appears in the objective, zeros included: LP files number the variables in
    # order of appearance, and this keeps the column order on reading back
    obj = linear([(j, problem.c[j]) for j in range(n)]) if n else "0"
    if problem.is_qp:
        Q = sp.triu(problem.Q, format="coo")
        terms = []
        for i, j, v in zip(Q.row, Q.col, Q.data, strict=True):
            coef = v if i == j else 2 * v
            body = f"{cols[i]} ^ 2" if i == j else f"{cols[i]} * {cols[j]}"
            terms.append(("- " if coef < 0 else "+ ") + f"{_num(abs(coef))} {body}")
        quad = " ".join(terms)
        obj += f" + [ {quad[2:] if quad.startswith('+ ') else quad} ] / 2"
    if problem.offset:
        obj += f" {'-' if problem.offset < 0 else '+'} {_num(abs(problem.offset))}"
    lines.append(f" obj: {obj}")
    lines.append("Subject To")
    A = problem.A.tocsr()
    for i in range(m):
        start, stop = A.indptr[i], A.indptr[i + 1]
        expr = linear(zip(A.indices[start:stop], A.data[start:stop], strict=True))
        expr = expr or (f"0 {cols[0]}" if n else "0")
        lo, hi = problem.row_lower[i], problem.row_upper[i]
        if lo == hi:
            lines.append(f" {rows[i]}: {expr} = {_num(lo)}")
        elif np.isfinite(lo) and np.isfinite(hi):
            lines.append(f" {rows[i]}: {_num(lo)} <= {expr} <= {_num(hi)}")
        elif np.isfinite(hi):
            lines.append(f" {rows[i]}: {expr} <= {_num(hi)}")
        else:
            lines.append(f" {rows[i]}: {expr} >= {_num(lo)}")
    bounds = []
    binaries, generals = [], []
    for j in range(n):
        lo, hi = problem.lb[j], problem.ub[j]
        if problem.integrality[j] and lo == 0 and hi == 1:
            binaries.append(cols[j])
            continue
        if problem.integrality[j]:
            generals.append(cols[j])
        if lo == 0 and hi == np.inf:
            continue
        if lo == -np.inf and hi == np.inf:
            bounds.append(f" {cols[j]} free")
        elif lo == hi:
            bounds.append(f" {cols[j]} = {_num(lo)}")
        else:
            bounds.append(f" {_num(lo)} <= {cols[j]} <= {_num(hi)}")
    if bounds:
        lines += ["Bounds", *bounds]
    if generals:
        lines += ["Generals", *(" " + name for name in generals)]
    if binaries:
        lines += ["Binaries", *(" " + name for name in binaries)]
    lines.append("End")
    return "\n".join(lines) + "\n"


def write_lp(problem: Problem, path, *, overwrite: bool = False) -> Path:
    """Write ``problem`` in CPLEX LP format (``.gz`` compresses); refuses to overwrite by default."""
    return write_text(Path(path), lp_text(problem), overwrite=overwrite)
