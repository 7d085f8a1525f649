"""Array-native expressions: linear arrays of affine forms, scalar quadratics, constraints.

A :class:`LinExpr` of shape ``s`` is ``M x + d`` with ``M`` one sparse matrix (``prod(s)`` rows,
one column per model variable, stored in C order) and ``d`` a vector; every operation is a sparse
matrix operation on ``M`` (indexing selects rows, ``A @ e`` multiplies ``M`` by ``A``, ``e.sum``
multiplies by a 0/1 matrix), so building a model never loops over Python scalars.
A :class:`QuadExpr` is the scalar ``0.5 x'Qx + q'x + k``. Comparing expressions (``<=``,
``>=``, ``==``) gives a :class:`Constraint` for ``Model.add_constraints``.
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp

__all__ = ["Constraint", "LinExpr", "QuadExpr", "Variable", "between", "sum_squares"]


def _pad(M: sp.csr_matrix, n: int) -> sp.csr_matrix:
    if M.shape[1] == n:
        return M
    return sp.csr_matrix((M.data, M.indices, M.indptr), shape=(M.shape[0], n))


def _is_matrix(value) -> bool:
    return sp.issparse(value) or (isinstance(value, np.ndarray) and value.ndim == 2)


def _array(value, what: str = "operand") -> np.ndarray:
    arr = np.asarray(value.toarray() if sp.issparse(value) else value, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"The {what} has NaN or infinite entries.")
    return arr


class LinExpr:
    """An array of affine forms ``M x + d`` of the variables of one model (see the module doc)."""

    __array_ufunc__ = None  # numpy defers ``ndarray op expr`` to our reflected operators
    __array_priority__ = 1000

    def __init__(self, model, coef: sp.csr_matrix, const: np.ndarray, shape: tuple[int, ...]) -> None:
        self.model = model
        self.coef = coef
        self.const = const
        self.shape = tuple(int(s) for s in shape)

    # ------------------------------------------------------------------ array protocol
    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    # No __len__ and no __iter__: numpy must see an expression as one opaque object (a 0-d object
    # array), so that scipy.sparse's ``A @ expr`` returns NotImplemented and our __rmatmul__ runs.
    __iter__ = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} shape={self.shape} in {self.model!r}>"

    def _n(self) -> int:
        return self.model.n_vars

    def _rows(self, index: np.ndarray, shape) -> LinExpr:
        return LinExpr(self.model, _pad(self.coef, self._n())[index], self.const[index], shape)

    def __getitem__(self, key) -> LinExpr:
        idx = np.arange(self.size).reshape(self.shape)[key]
        return self._rows(idx.ravel(), idx.shape)

    def reshape(self, *shape) -> LinExpr:
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], tuple | list) else shape
        idx = np.arange(self.size).reshape(shape)
        return LinExpr(self.model, self.coef, self.const, idx.shape)

    def ravel(self) -> LinExpr:
        return self.reshape(self.size)

    flatten = ravel

    @property
    def T(self) -> LinExpr:
        idx = np.arange(self.size).reshape(self.shape).T
        return self._rows(idx.ravel(), idx.shape)

    def _broadcast(self, shape) -> LinExpr:
        if self.shape == tuple(shape):
            return self
        idx = np.broadcast_to(np.arange(self.size).reshape(self.shape), shape)
        return self._rows(idx.ravel(), idx.shape)

    # ------------------------------------------------------------------ helpers
    def _other(self, other):
        if isinstance(other, LinExpr):
            if other.model is not self.model:
                raise ValueError("The expressions belong to two different models.")
            return other
        if isinstance(other, QuadExpr):
            return other
        if _is_matrix(other) or isinstance(other, numbers.Number | np.ndarray | list | tuple):
            return _array(other)
        return NotImplemented

    def _shape_with(self, other_shape) -> tuple[int, ...]:
        try:
            return np.broadcast_shapes(self.shape, tuple(other_shape))
        except ValueError:
            raise ValueError(f"Shapes {self.shape} and {tuple(other_shape)} do not broadcast.") from None

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, other):
        other = self._other(other)
        if other is NotImplemented:
            return NotImplemented
        if isinstance(other, QuadExpr):
            return other + self
        if isinstance(other, LinExpr):
            shape = self._shape_with(other.shape)
            a, b = self._broadcast(shape), other._broadcast(shape)
            n = self._n()
            return LinExpr(self.model, _pad(a.coef, n) + _pad(b.coef, n), a.const + b.const, shape)
        shape = self._shape_with(other.shape)
        a = self._broadcast(shape)
        return LinExpr(self.model, a.coef, a.const + np.broadcast_to(other, shape).ravel(), shape)

    __radd__ = __add__

    def __neg__(self) -> LinExpr:
        return LinExpr(self.model, -self.coef, -self.const, self.shape)

    def __pos__(self) -> LinExpr:
        return self

    def __sub__(self, other):
        other = self._other(other)
        if other is NotImplemented:
            return NotImplemented
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __mul__(self, other):
        other = self._other(other)
        if other is NotImplemented:
            return NotImplemented
        if isinstance(other, LinExpr | QuadExpr):
            if self.size == 1 and isinstance(other, LinExpr) and other.size == 1:
                return self.ravel() @ other.ravel()
            raise TypeError("The elementwise product of two expressions is not linear; use e @ e or "
                            "sum_squares(e) for a quadratic objective.")
        shape = self._shape_with(other.shape)
        a = self._broadcast(shape)
        w = np.broadcast_to(other, shape).ravel()
        return LinExpr(self.model, sp.diags(w, format="csr") @ a.coef, w * a.const, shape)

    __rmul__ = __mul__

    def __truediv__(self, other):
        if isinstance(other, LinExpr | QuadExpr):
            raise TypeError("Division by an expression is not linear.")
        return self * (1.0 / _array(other, "divisor"))

    def __matmul__(self, other):
        other = self._other(other)
        if other is NotImplemented:
            return NotImplemented
        if isinstance(other, LinExpr):
            if self.ndim != 1 or other.ndim != 1 or self.size != other.size:
                raise ValueError(f"expr @ expr needs two vectors of the same length; got {self.shape} and "
                                 f"{other.shape}.")
            return QuadExpr.product(self, other)
        M = other
        if M.ndim == 1:
            M = M.reshape(-1, 1)
            out = self.__matmul__(M)
            return out.reshape(out.shape[:-1])
        if self.ndim == 0 or self.shape[-1] != M.shape[0]:
            raise ValueError(f"Shapes {self.shape} and {M.shape} do not align for @.")
        Ms = sp.csr_matrix(M)
        if self.ndim == 1:
            op = Ms.T
            shape = (M.shape[1],)
        else:
            lead = int(np.prod(self.shape[:-1]))
            op = sp.kron(sp.eye(lead), Ms.T, format="csr")
            shape = (*self.shape[:-1], M.shape[1])
        return LinExpr(self.model, (op @ _pad(self.coef, self._n())).tocsr(), op @ self.const, shape)

    def __rmatmul__(self, other):
        other = self._other(other)
        if other is NotImplemented:
            return NotImplemented
        M = other
        if M.ndim == 1:
            out = self.__rmatmul__(M.reshape(1, -1))
            return out.reshape(out.shape[1:])
        if self.ndim == 0 or self.shape[0] != M.shape[1]:
            raise ValueError(f"Shapes {M.shape} and {self.shape} do not align for @.")
        Ms = sp.csr_matrix(M)
        if self.ndim == 1:
            op, shape = Ms, (M.shape[0],)
        else:
            trail = int(np.prod(self.shape[1:]))
            op = sp.kron(Ms, sp.eye(trail), format="csr")
            shape = (M.shape[0], *self.shape[1:])
        return LinExpr(self.model, (op @ _pad(self.coef, self._n())).tocsr(), op @ self.const, shape)

    def dot(self, other):
        return self @ other

    def sum(self, axis=None) -> LinExpr:
        """Sum over all entries or along ``axis`` (an int or a tuple), as numpy does."""
        if axis is None:
            S = sp.csr_matrix(np.ones((1, self.size)))
            return LinExpr(self.model, S @ self.coef, S @ self.const, ())
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        axes = tuple(a % self.ndim for a in axes)
        out_shape = tuple(self.shape[d] for d in range(self.ndim) if d not in axes)
        # the output entry of every input entry: the output's flat index, broadcast over the summed axes
        out_idx = np.expand_dims(np.arange(int(np.prod(out_shape))).reshape(out_shape), axes)
        out_idx = np.broadcast_to(out_idx, self.shape).ravel()
        S = sp.csc_matrix((np.ones(self.size), out_idx, np.arange(self.size + 1)),
                          shape=(int(np.prod(out_shape)), self.size)).tocsr()
        return LinExpr(self.model, (S @ self.coef).tocsr(), S @ self.const, out_shape)

    # ------------------------------------------------------------------ comparisons
    def _compare(self, other, sense: str) -> Constraint:
        other = self._other(other)
        if other is NotImplemented:
            return NotImplemented
        if isinstance(other, QuadExpr):
            raise TypeError("Quadratic constraints are not supported.")
        diff = self - other
        n = diff.size
        lo = np.full(n, -np.inf)
        hi = np.full(n, np.inf)
        if sense in ("<=", "=="):
            hi = -diff.const
        if sense in (">=", "=="):
            lo = -diff.const
        return Constraint(LinExpr(self.model, diff.coef, np.zeros(n), diff.shape), lo, hi)

    def __le__(self, other):
        return self._compare(other, "<=")

    def __ge__(self, other):
        return self._compare(other, ">=")

    def __eq__(self, other):  # type: ignore[override]
        return self._compare(other, "==")

    __hash__ = None  # type: ignore[assignment]

    def __bool__(self):
        raise TypeError("An expression has no truth value.")


class Variable(LinExpr):
    """Variables of a model, shaped like the array the user asked for.

    ``flat_index`` gives each entry's column in the model; ``lb`` and ``ub`` read and set the
    bounds in place (a re-solve starts warm). Slices of a ``Variable`` are ``Variable`` s.
    """

    def __init__(self, model, flat_index: np.ndarray, name: str) -> None:
        flat_index = np.asarray(flat_index, dtype=np.int64)
        k = flat_index.size
        coef = sp.csr_matrix((np.ones(k), flat_index.ravel(), np.arange(k + 1)), shape=(k, model.n_vars))
        super().__init__(model, coef, np.zeros(k), flat_index.shape)
        self.flat_index = flat_index
        self.name = name

    def __getitem__(self, key) -> Variable:
        return Variable(self.model, self.flat_index[key], self.name)

    def __repr__(self) -> str:
        return f"<Variable {self.name!r} shape={self.shape}>"

    @property
    def lb(self) -> np.ndarray:
        return self.model._lb[self.flat_index]

    @lb.setter
    def lb(self, value) -> None:
        self.model._set_bounds(self.flat_index, lower=value)

    @property
    def ub(self) -> np.ndarray:
        return self.model._ub[self.flat_index]

    @ub.setter
    def ub(self, value) -> None:
        self.model._set_bounds(self.flat_index, upper=value)


class QuadExpr:
    """A scalar ``0.5 x'Qx + q'x + k`` (``Q`` symmetric, as in :class:`Problem`)."""

    __array_ufunc__ = None
    __array_priority__ = 1000
    shape = ()
    size = 1

    def __init__(self, model, Q: sp.csr_matrix, q: sp.csr_matrix, k: float) -> None:
        self.model, self.Q, self.q, self.k = model, Q, q, float(k)

    @classmethod
    def product(cls, a: LinExpr, b: LinExpr) -> QuadExpr:
        """``sum_i a_i b_i`` for two vectors of affine forms."""
        n = a.model.n_vars
        A, B = _pad(a.coef, n), _pad(b.coef, n)
        cross = (A.T @ B).tocsr()
        Q = (cross + cross.T).tocsr()
        q = sp.csr_matrix(A.T @ b.const + B.T @ a.const).reshape(1, n)
        return cls(a.model, Q, sp.csr_matrix(q), float(a.const @ b.const))

    def _grow(self):
        n = self.model.n_vars
        if self.Q.shape[0] != n:
            Q = self.Q.tocoo()
            self.Q = sp.csr_matrix((Q.data, (Q.row, Q.col)), shape=(n, n))
            self.q = _pad(sp.csr_matrix(self.q), n)
        return self

    def __add__(self, other):
        self._grow()
        if isinstance(other, QuadExpr):
            other._grow()
            return QuadExpr(self.model, self.Q + other.Q, self.q + other.q, self.k + other.k)
        if isinstance(other, LinExpr):
            if other.size != 1:
                raise ValueError(
                    f"Cannot add a {other.shape} expression to a scalar quadratic; sum it first."
                )
            return QuadExpr(self.model, self.Q, self.q + _pad(other.coef, self.model.n_vars),
                            self.k + float(other.const[0]))
        if isinstance(other, numbers.Number) or (isinstance(other, np.ndarray) and other.size == 1):
            return QuadExpr(self.model, self.Q, self.q, self.k + float(np.asarray(other).ravel()[0]))
        return NotImplemented

    __radd__ = __add__

    def __neg__(self) -> QuadExpr:
        return QuadExpr(self.model, -self.Q, -self.q, -self.k)

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __mul__(self, other):
        if isinstance(other, numbers.Number) or (isinstance(other, np.ndarray) and other.size == 1):
            w = float(np.asarray(other).ravel()[0])
            return QuadExpr(self.model, w * self.Q, w * self.q, w * self.k)
        raise TypeError("A quadratic expression can only be multiplied by a scalar.")

    __rmul__ = __mul__

    def __truediv__(self, other):
        return self * (1.0 / float(other))

    def __le__(self, other):
        raise TypeError("Quadratic constraints are not supported.")

    __ge__ = __le__

    def __bool__(self):
        raise TypeError("An expression has no truth value.")


class Constraint:
    """``lower <= expr <= upper`` for an array of affine forms (built by comparisons)."""

    def __init__(self, expr: LinExpr, lower: np.ndarray, upper: np.ndarray) -> None:
        self.expr, self.lower, self.upper = expr, np.asarray(lower, float), np.asarray(upper, float)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.expr.shape

    def __bool__(self):
        raise TypeError(
            "A constraint has no truth value. A chained comparison `lo <= expr <= hi` does not work in "
            "Python: use between(expr, lo, hi), or add `expr >= lo` and `expr <= hi` separately."
        )


def between(expr: LinExpr, lower, upper) -> Constraint:
    """The ranged constraint ``lower <= expr <= upper`` (one row per entry)."""
    c_lo = expr >= lower
    c_hi = expr <= upper
    return Constraint(c_lo.expr, c_lo.lower, c_hi.upper)


def sum_squares(expr: LinExpr) -> QuadExpr:
    """``||expr||^2``: the sum of the squares of the entries, a convex quadratic."""
    if not isinstance(expr, LinExpr):
        raise TypeError(f"sum_squares takes a linear expression; got {type(expr).__name__}.")
    flat = expr.ravel()
    return QuadExpr.product(flat, flat)
