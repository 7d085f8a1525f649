"""The matrix form of a mathematical program: the hub between models, files and backends.

Every front-end (``Model``, ``linprog``/``quadprog``, the file readers) produces a :class:`Problem`,
and every backend consumes one. A problem is

.. math::

    \\min_x \\text{ or } \\max_x \\quad \\tfrac12 x^\\top Q x + c^\\top x + \\text{offset}
    \\quad\\text{s.t.}\\quad r_\\ell \\le A x \\le r_u,\\quad \\ell \\le x \\le u,
    \\quad x_j \\in \\mathbb{Z} \\ (j \\in \\mathcal{I}),

with infinite bounds written as ``numpy.inf``. ``Q`` is symmetric (both triangles stored) and, for
a minimization, positive semidefinite (negative semidefinite for a maximization).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

__all__ = ["Block", "Problem"]


@dataclass(frozen=True)
class Block:
    """A named block of consecutive variables or rows.

    Attributes
    ----------
    name : str
        The user's name of the block (``"x"``, ``"capacity"``).
    start : int
        Index of the block's first column (variables) or row (constraints).
    shape : tuple of int
        The user's shape; the block covers ``prod(shape)`` consecutive indices in C order.
    """

    name: str
    start: int
    shape: tuple[int, ...]

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def stop(self) -> int:
        return self.start + self.size

    def take(self, vector: np.ndarray) -> np.ndarray:
        """The block's slice of a flat vector, reshaped to the user's shape."""
        return np.asarray(vector)[self.start : self.stop].reshape(self.shape)


def _as_vector(value, n: int, default: float, what: str) -> np.ndarray:
    if value is None:
        return np.full(n, default, dtype=float)
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return np.full(n, float(arr), dtype=float)
    arr = arr.reshape(-1)
    if arr.shape[0] != n:
        raise ValueError(f"{what} has {arr.shape[0]} entries; expected {n}.")
    return arr.copy()


@dataclass
class Problem:
    """A linear, quadratic or mixed-integer program in matrix form.

    Parameters
    ----------
    c : ndarray of shape (n,)
        Linear objective coefficients, in the user's sense (``sense``).
    A : sparse matrix of shape (m, n)
        Constraint matrix (stored as CSR).
    row_lower, row_upper : ndarray of shape (m,)
        Row bounds; ``-inf``/``inf`` where a side is absent, equal for an equality.
    lb, ub : ndarray of shape (n,)
        Variable bounds.
    integrality : ndarray of bool, shape (n,)
        True for integer variables (binary = integer with bounds 0 and 1).
    Q : sparse matrix of shape (n, n) or None
        Quadratic objective term ``0.5 x' Q x`` (symmetric, both triangles).
    offset : float
        Constant term of the objective.
    sense : {"minimize", "maximize"}
    name : str
    col_names, row_names : list of str or None
        One name per column / row (files carry them; models name by block and index).
    var_blocks, row_blocks : list of Block
        Named blocks of columns and rows (``Model`` fills them; a file gives one block each).
    """

    c: np.ndarray
    A: sp.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    integrality: np.ndarray
    Q: sp.csr_matrix | None = None
    offset: float = 0.0
    sense: str = "minimize"
    name: str = ""
    col_names: list[str] | None = None
    row_names: list[str] | None = None
    var_blocks: list[Block] = field(default_factory=list)
    row_blocks: list[Block] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        c,
        *,
        A=None,
        row_lower=None,
        row_upper=None,
        lb=None,
        ub=None,
        integrality=None,
        Q=None,
        offset: float = 0.0,
        sense: str = "minimize",
        name: str = "",
        col_names=None,
        row_names=None,
        var_blocks=None,
        row_blocks=None,
    ) -> Problem:
        """Build a problem from array-likes, with defaults (``lb = 0``, ``ub = inf``, no rows).

        Shapes and values are checked here, once: non-finite costs or matrix entries, NaN bounds,
        ``lower > upper``, a non-square or asymmetric ``Q`` raise ``ValueError`` naming the field.
        """
        c = np.asarray(c, dtype=float).reshape(-1)
        n = c.shape[0]
        if A is None:
            A = sp.csr_matrix((0, n))
        A = sp.csr_matrix(A, dtype=float)
        if A.shape[1] != n:
            raise ValueError(f"A has {A.shape[1]} columns; expected {n} (the length of c).")
        m = A.shape[0]
        prob = cls(
            c=c,
            A=A,
            row_lower=_as_vector(row_lower, m, -np.inf, "row_lower"),
            row_upper=_as_vector(row_upper, m, np.inf, "row_upper"),
            lb=_as_vector(lb, n, 0.0, "lb"),
            ub=_as_vector(ub, n, np.inf, "ub"),
            integrality=(
                np.zeros(n, dtype=bool)
                if integrality is None
                else np.broadcast_to(np.asarray(integrality, dtype=bool), (n,)).copy()
            ),
            Q=None if Q is None else sp.csr_matrix(Q, dtype=float),
            offset=float(offset),
            sense=sense,
            name=name,
            col_names=None if col_names is None else list(col_names),
            row_names=None if row_names is None else list(row_names),
            var_blocks=list(var_blocks) if var_blocks else [Block("x", 0, (n,))],
            row_blocks=list(row_blocks) if row_blocks else ([Block("rows", 0, (m,))] if m else []),
        )
        prob.validate()
        return prob

    # ------------------------------------------------------------------ shape and class
    @property
    def n_vars(self) -> int:
        return int(self.c.shape[0])

    @property
    def n_rows(self) -> int:
        return int(self.A.shape[0])

    @property
    def is_mip(self) -> bool:
        return bool(self.integrality.any())

    @property
    def is_qp(self) -> bool:
        return self.Q is not None and self.Q.nnz > 0

    @property
    def kind(self) -> str:
        """``"lp"``, ``"qp"``, ``"milp"`` or ``"miqp"``."""
        if self.is_mip:
            return "miqp" if self.is_qp else "milp"
        return "qp" if self.is_qp else "lp"

    # ------------------------------------------------------------------ checks
    def validate(self) -> None:
        """Raise ``ValueError`` naming the first inconsistent field."""
        n, m = self.n_vars, self.n_rows
        if self.sense not in ("minimize", "maximize"):
            raise ValueError(f"sense must be 'minimize' or 'maximize'; got {self.sense!r}.")
        if not np.all(np.isfinite(self.c)):
            raise ValueError("The objective has non-finite coefficients (NaN or inf).")
        if not np.isfinite(self.offset):
            raise ValueError(f"The objective constant must be finite; got {self.offset}.")
        if self.A.nnz and not np.all(np.isfinite(self.A.data)):
            raise ValueError("The constraint matrix has non-finite entries (NaN or inf).")
        for what, lo, hi, size in (
            ("row", self.row_lower, self.row_upper, m),
            ("variable", self.lb, self.ub, n),
        ):
            if lo.shape != (size,) or hi.shape != (size,):
                raise ValueError(f"The {what} bounds must have {size} entries.")
            if np.isnan(lo).any() or np.isnan(hi).any():
                raise ValueError(f"The {what} bounds contain NaN.")
            bad = np.flatnonzero(lo > hi)
            if bad.size:
                i = int(bad[0])
                raise ValueError(
                    f"{what.capitalize()} {self.row_name(i) if what == 'row' else self.col_name(i)}: "
                    f"lower bound {lo[i]} is above upper bound {hi[i]} (the problem is infeasible "
                    "as written)."
                )
            if np.any(lo == np.inf) or np.any(hi == -np.inf):
                raise ValueError(f"A {what} lower bound is +inf or an upper bound is -inf.")
        if self.integrality.shape != (n,):
            raise ValueError(f"integrality must have {n} entries.")
        if self.Q is not None:
            if self.Q.shape != (n, n):
                raise ValueError(f"Q has shape {self.Q.shape}; expected ({n}, {n}).")
            if self.Q.nnz and not np.all(np.isfinite(self.Q.data)):
                raise ValueError("Q has non-finite entries (NaN or inf).")
            asym = abs(self.Q - self.Q.T)
            if asym.nnz and asym.max() > 1e-9 * max(1.0, abs(self.Q).max()):
                raise ValueError("Q must be symmetric (store both triangles of 0.5 x'Qx).")

    # ------------------------------------------------------------------ names
    def col_name(self, j: int) -> str:
        if self.col_names is not None:
            return self.col_names[j]
        return _block_name(self.var_blocks, j, "x")

    def row_name(self, i: int) -> str:
        if self.row_names is not None:
            return self.row_names[i]
        return _block_name(self.row_blocks, i, "row")

    # ------------------------------------------------------------------ evaluation
    def objective(self, x: np.ndarray) -> float:
        """The objective in the user's sense, offset included."""
        x = np.asarray(x, dtype=float)
        value = float(self.c @ x) + self.offset
        if self.is_qp:
            value += 0.5 * float(x @ (self.Q @ x))
        return value

    def minimize_form(self) -> Problem:
        """The same problem as a minimization (``c``, ``Q`` and ``offset`` negated for a maximize)."""
        if self.sense == "minimize":
            return self
        return replace(
            self,
            c=-self.c,
            Q=None if self.Q is None else -self.Q,
            offset=-self.offset,
            sense="minimize",
        )

    def copy(self) -> Problem:
        """A deep copy of the numeric data (blocks and names are shared: they are immutable)."""
        return replace(
            self,
            c=self.c.copy(),
            A=self.A.copy(),
            row_lower=self.row_lower.copy(),
            row_upper=self.row_upper.copy(),
            lb=self.lb.copy(),
            ub=self.ub.copy(),
            integrality=self.integrality.copy(),
            Q=None if self.Q is None else self.Q.copy(),
        )


def _block_name(blocks: list[Block], index: int, default: str) -> str:
    for block in blocks:
        if block.start <= index < block.stop:
            if block.shape == ():
                return block.name
            sub = np.unravel_index(index - block.start, block.shape)
            return f"{block.name}[{','.join(str(int(s)) for s in sub)}]"
    return f"{default}[{index}]"
