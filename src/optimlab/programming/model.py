"""``Model``: array-native modeling of LP, QP and MILP, solved by the backends in one call.

Example
-------
>>> import numpy as np
>>> from optimlab.programming import Model
>>> m = Model("mix")
>>> x = m.add_variables(2, lb=0, name="x")
>>> cap = m.add_constraints(np.array([[1.0, 1.0], [1.0, 3.0]]) @ x <= [4.0, 6.0], name="capacity")
>>> m.maximize(np.array([3.0, 2.0]) @ x)
>>> sol = m.solve()
>>> round(sol.objective, 6), sol["x"].round(6).tolist(), sol.duals["capacity"].round(6).tolist()
(12.0, [4.0, 0.0], [3.0, 0.0])
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .backends import SolveOptions, solve_problem
from .expr import Constraint, LinExpr, QuadExpr, Variable, _pad
from .problem import Block, Problem
from .solution import Solution, SolutionStatus

__all__ = ["ConstraintBlock", "Model"]

#: Largest QP for which ``solve`` checks convexity with a dense eigenvalue computation.
CONVEXITY_CHECK_MAX_VARS = 3000


class ConstraintBlock:
    """A named block of constraints: ``flat_index`` gives its rows; ``lower``/``upper`` can be set."""

    def __init__(self, model: Model, name: str, start: int, shape: tuple[int, ...]) -> None:
        self.model, self.name, self.start, self.shape = model, name, start, shape
        self.flat_index = start + np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape)

    def __repr__(self) -> str:
        return f"<ConstraintBlock {self.name!r} shape={self.shape}>"

    @property
    def lower(self) -> np.ndarray:
        return self.model._row_lower[self.flat_index]

    @lower.setter
    def lower(self, value) -> None:
        self.model._set_rows(self.flat_index, lower=value)

    @property
    def upper(self) -> np.ndarray:
        return self.model._row_upper[self.flat_index]

    @upper.setter
    def upper(self, value) -> None:
        self.model._set_rows(self.flat_index, upper=value)

    @property
    def rhs(self) -> np.ndarray:
        """The finite side of each row (the upper one where both are finite)."""
        lo, hi = self.lower, self.upper
        return np.where(np.isfinite(hi), hi, lo)

    @rhs.setter
    def rhs(self, value) -> None:
        """Set the right-hand side: both sides of equalities, the finite side of one-sided rows."""
        value = np.broadcast_to(np.asarray(value, dtype=float), self.shape)
        lo, hi = self.lower, self.upper
        eq = lo == hi
        self.model._set_rows(self.flat_index, lower=np.where(eq | ~np.isfinite(hi), value, lo),
                             upper=np.where(eq | np.isfinite(hi), value, hi))


class Model:
    """A linear, quadratic or mixed-integer program built from arrays of variables.

    Variables come in named arrays (:meth:`add_variables`), constraints in named blocks
    (:meth:`add_constraints`), the objective from :meth:`minimize` or :meth:`maximize`.
    :meth:`solve` assembles one sparse matrix and hands it to a backend in one call; after
    changing numbers only (bounds, right-hand sides, costs), the next solve reuses the assembled
    matrix and starts warm from the previous basis or point.
    """

    def __init__(self, name: str = "") -> None:
        self.name = name
        self._lb = np.zeros(0)
        self._ub = np.zeros(0)
        self._integer = np.zeros(0, dtype=bool)
        self._var_blocks: list[Block] = []
        self._row_blocks: list[Block] = []
        self._row_parts: list[sp.csr_matrix] = []
        self._row_lower = np.zeros(0)
        self._row_upper = np.zeros(0)
        self._constraints: dict[str, ConstraintBlock] = {}
        self._variables: dict[str, Variable] = {}
        self._c = np.zeros(0)
        self._Q: sp.csr_matrix | None = None
        self._offset = 0.0
        self._sense = "minimize"
        self._has_objective = False
        self._version = 0  # bumped when the structure (shapes, sparsity, integrality) changes
        self._A_cache: tuple[int, sp.csr_matrix] | None = None
        self._convex_cache: tuple[int, bool] | None = None
        self._warm: dict[str, tuple[int, object]] = {}

    def __repr__(self) -> str:
        return f"<Model {self.name!r}: {self.n_vars} variables, {self.n_rows} constraints>"

    @property
    def n_vars(self) -> int:
        return int(self._lb.shape[0])

    @property
    def n_rows(self) -> int:
        return int(self._row_lower.shape[0])

    # ------------------------------------------------------------------ variables
    def add_variables(self, shape=(), *, lb=0.0, ub=np.inf, integer: bool = False, binary: bool = False,
                      name: str | None = None) -> Variable:
        """Add an array of variables.

        Parameters
        ----------
        shape : int or tuple of int
            ``()`` for one scalar variable.
        lb, ub : float or array broadcastable to ``shape``
            Bounds (``-numpy.inf`` / ``numpy.inf`` for none).
        integer, binary : bool
            Integrality (``binary`` sets the bounds to ``[0, 1]``).
        name : str, optional
            Default ``x0``, ``x1``, ...; names are unique in a model.
        """
        shape = (shape,) if isinstance(shape, int | np.integer) else tuple(int(s) for s in shape)
        if any(s < 0 for s in shape):
            raise ValueError(f"shape must be non-negative; got {shape}.")
        name = self._name(name, self._variables, "x")
        size = int(np.prod(shape, dtype=np.int64))
        if binary:
            lb, ub, integer = 0.0, 1.0, True
        lo = self._bound_array(lb, shape, "lb")
        hi = self._bound_array(ub, shape, "ub")
        bad = np.flatnonzero(lo > hi)
        if bad.size:
            raise ValueError(
                f"Variable {name}: lb {lo[bad[0]]} is above ub {hi[bad[0]]} at flat index {bad[0]}."
            )
        start = self.n_vars
        self._lb = np.concatenate([self._lb, lo])
        self._ub = np.concatenate([self._ub, hi])
        self._integer = np.concatenate([self._integer, np.full(size, bool(integer))])
        self._c = np.concatenate([self._c, np.zeros(size)])
        self._var_blocks.append(Block(name, start, shape))
        self._version += 1
        var = Variable(self, start + np.arange(size).reshape(shape), name)
        self._variables[name] = var
        return var

    @staticmethod
    def _name(name, taken, prefix: str) -> str:
        if name is None:
            k = len(taken)
            while f"{prefix}{k}" in taken:
                k += 1
            return f"{prefix}{k}"
        if not isinstance(name, str) or not name:
            raise ValueError(f"name must be a non-empty string; got {name!r}.")
        if name in taken:
            raise ValueError(f"The name {name!r} is already used in this model.")
        return name

    @staticmethod
    def _bound_array(value, shape, what: str) -> np.ndarray:
        try:
            arr = np.broadcast_to(np.asarray(value, dtype=float), shape)
        except ValueError:
            raise ValueError(f"{what} of shape {np.shape(value)} does not broadcast to {shape}.") from None
        if np.isnan(arr).any():
            raise ValueError(f"{what} contains NaN.")
        return arr.ravel().copy()

    def _set_bounds(self, index, *, lower=None, upper=None) -> None:
        index = np.asarray(index)
        lb, ub = self._lb.copy(), self._ub.copy()
        if lower is not None:
            lb[index] = self._bound_array(lower, index.shape, "lb").reshape(index.shape)
        if upper is not None:
            ub[index] = self._bound_array(upper, index.shape, "ub").reshape(index.shape)
        if np.any(lb > ub):
            raise ValueError("A lower bound would be above its upper bound.")
        self._lb, self._ub = lb, ub

    # ------------------------------------------------------------------ constraints
    def add_constraints(self, constraint: Constraint, *, name: str | None = None) -> ConstraintBlock:
        """Add a block of constraints built by a comparison (``A @ x <= b``) or :func:`between`."""
        if isinstance(constraint, bool | np.bool_):
            raise TypeError("add_constraints got a bool: compare an expression, e.g. `A @ x <= b` "
                            "(a comparison of plain numbers gives True/False).")
        if not isinstance(constraint, Constraint):
            raise TypeError(
                f"add_constraints takes a constraint (expr <= rhs); got {type(constraint).__name__}."
            )
        if constraint.expr.model is not self:
            raise ValueError("The constraint uses variables of another model.")
        if np.any(np.isnan(constraint.lower)) or np.any(np.isnan(constraint.upper)):
            raise ValueError("The right-hand side contains NaN.")
        name = self._name(name, self._constraints, "c")
        coef = constraint.expr.coef
        if coef.nnz and not np.all(np.isfinite(coef.data)):
            raise ValueError(f"Constraint {name}: the coefficients contain NaN or inf.")
        start = self.n_rows
        shape = constraint.shape
        self._row_parts.append(coef.tocsr())
        self._row_lower = np.concatenate([self._row_lower, constraint.lower.ravel()])
        self._row_upper = np.concatenate([self._row_upper, constraint.upper.ravel()])
        self._row_blocks.append(Block(name, start, shape))
        self._version += 1
        block = ConstraintBlock(self, name, start, shape)
        self._constraints[name] = block
        return block

    def _set_rows(self, index, *, lower=None, upper=None) -> None:
        index = np.asarray(index)
        lo, hi = self._row_lower.copy(), self._row_upper.copy()
        if lower is not None:
            lo[index] = np.broadcast_to(np.asarray(lower, dtype=float), index.shape)
        if upper is not None:
            hi[index] = np.broadcast_to(np.asarray(upper, dtype=float), index.shape)
        if np.isnan(lo).any() or np.isnan(hi).any():
            raise ValueError("A right-hand side is NaN.")
        self._row_lower, self._row_upper = lo, hi

    @property
    def constraints(self) -> dict[str, ConstraintBlock]:
        return dict(self._constraints)

    @property
    def variables(self) -> dict[str, Variable]:
        return dict(self._variables)

    # ------------------------------------------------------------------ objective
    def minimize(self, objective) -> None:
        """Set the objective to minimize: a scalar linear or convex quadratic expression."""
        self._objective(objective, "minimize")

    def maximize(self, objective) -> None:
        """Set the objective to maximize: a scalar linear or concave quadratic expression."""
        self._objective(objective, "maximize")

    def _objective(self, objective, sense: str) -> None:
        n = self.n_vars
        if isinstance(objective, int | float | np.number):
            c, Q, k = np.zeros(n), None, float(objective)
        elif isinstance(objective, QuadExpr):
            if objective.model is not self:
                raise ValueError("The objective uses variables of another model.")
            objective._grow()
            c = np.asarray(objective.q.toarray()).ravel()
            Q, k = objective.Q.tocsr(), objective.k
        elif isinstance(objective, LinExpr):
            if objective.model is not self:
                raise ValueError("The objective uses variables of another model.")
            if objective.size != 1:
                raise ValueError(
                    f"The objective must be a scalar; got an expression of shape {objective.shape} "
                    "(sum it, or take a dot product with a cost array)."
                )
            c = np.asarray(_pad(objective.coef, n).toarray()).ravel()
            Q, k = None, float(objective.const[0])
        else:
            raise TypeError(
                f"The objective must be an expression or a number; got {type(objective).__name__}."
            )
        finite_q = Q is None or bool(np.all(np.isfinite(Q.data)))
        if not np.all(np.isfinite(c)) or not np.isfinite(k) or not finite_q:
            raise ValueError("The objective has NaN or infinite coefficients.")
        if Q is not None:
            Q.eliminate_zeros()
            if Q.nnz == 0:
                Q = None
        old_pattern = None if self._Q is None else (self._Q.indptr.tobytes(), self._Q.indices.tobytes())
        new_pattern = None if Q is None else (Q.indptr.tobytes(), Q.indices.tobytes())
        if old_pattern != new_pattern or sense != self._sense:
            self._version += 1
        self._c, self._Q, self._offset, self._sense = c, Q, k, sense
        self._has_objective = True

    # ------------------------------------------------------------------ assembly and solve
    def _matrix(self) -> sp.csr_matrix:
        n = self.n_vars
        if self._A_cache is None or self._A_cache[0] != self._version:
            if self._row_parts:
                A = sp.vstack([_pad(part, n) for part in self._row_parts], format="csr")
            else:
                A = sp.csr_matrix((0, n))
            self._A_cache = (self._version, A)
        return self._A_cache[1]

    def to_problem(self) -> Problem:
        """The model in matrix form (one sparse matrix; variables and constraints keep their names)."""
        n = self.n_vars
        Q = self._Q
        if Q is not None and Q.shape != (n, n):  # variables were added after the objective
            Q = Q.tocoo()
            Q = sp.csr_matrix((Q.data, (Q.row, Q.col)), shape=(n, n))
        c = np.concatenate([self._c, np.zeros(n - self._c.size)])
        return Problem(
            c=c, A=self._matrix(), row_lower=self._row_lower.copy(), row_upper=self._row_upper.copy(),
            lb=self._lb.copy(), ub=self._ub.copy(), integrality=self._integer.copy(), Q=Q,
            offset=self._offset, sense=self._sense, name=self.name,
            var_blocks=list(self._var_blocks), row_blocks=list(self._row_blocks),
        )

    def _check_convex(self, problem: Problem) -> None:
        if not problem.is_qp:
            return
        if self._convex_cache is not None and self._convex_cache[0] == (self._version, id(self._Q)):
            ok = self._convex_cache[1]
        elif problem.n_vars <= CONVEXITY_CHECK_MAX_VARS:
            Q = problem.Q.toarray()
            if problem.sense == "maximize":
                Q = -Q
            eig = np.linalg.eigvalsh(0.5 * (Q + Q.T))
            ok = bool(eig.min() >= -1e-9 * max(1.0, np.abs(eig).max()))
            self._convex_cache = ((self._version, id(self._Q)), ok)
        else:
            return  # too large for a dense check: the backends report non-convexity themselves
        if not ok:
            kind = "convex" if problem.sense == "minimize" else "concave"
            raise ValueError(f"The quadratic objective is not {kind} (Q has a negative eigenvalue for a "
                             f"{problem.sense}); the backends solve convex QPs only.")

    def solve(self, backend: str = "auto", *, time_limit: float | None = None, mip_gap: float | None = None,
              verbose: bool = False, tol: float | None = None, diagnose: bool = True) -> Solution:
        """Solve the model.

        Parameters
        ----------
        backend : {"auto", "highs", "piqp", "osqp", "clarabel"}
            ``auto`` picks by problem class (HiGHS for LP/MILP, PIQP first for QP) and falls back
            when a backend reports numerical trouble or an uncertified answer.
        time_limit : float, optional
            Seconds per backend attempt.
        mip_gap : float, optional
            Relative MIP gap (default 1e-6).
        verbose : bool
            Show the backend's log.
        tol : float, optional
            Feasibility/optimality tolerance asked of the backend (default: the backend's).
        diagnose : bool
            For an infeasible LP/MILP, attach an irreducible infeasible subset (``solution.iis``)
            in the model's constraint names.

        Returns
        -------
        Solution
            Values per variable array (``sol["x"]`` or ``sol[x]``), shadow prices per constraint
            block (``sol.duals["capacity"]``), reduced costs, LP ranging, the certificate.
        """
        if self.n_vars == 0:
            raise ValueError("The model has no variables.")
        if not self._has_objective:
            self.minimize(0.0)
        problem = self.to_problem()
        problem.validate()
        self._check_convex(problem)
        options = SolveOptions(time_limit=time_limit, mip_gap=mip_gap, verbose=verbose, tol=tol)
        cached = self._warm.get(backend)
        warm = cached[1] if cached is not None and cached[0] == self._version else None
        sol = solve_problem(problem, backend=backend, options=options, warm=warm)
        if sol.warm is not None:
            self._warm[backend] = (self._version, sol.warm)
        if diagnose and sol.status == SolutionStatus.INFEASIBLE and problem.kind in ("lp", "milp"):
            from .iis import find_iis

            sol.iis = find_iis(problem, time_limit=time_limit)
        return sol

    def relax(self, *, row_penalty=1.0, bound_penalty=None, time_limit: float | None = None):
        """The cheapest loosening of constraints (and bounds) that makes the model feasible.

        See :func:`optimlab.programming.iis.feasibility_relaxation`.
        """
        from .iis import feasibility_relaxation

        return feasibility_relaxation(self.to_problem(), row_penalty=row_penalty, bound_penalty=bound_penalty,
                                      time_limit=time_limit)

    def write(self, path, *, overwrite: bool = False):
        """Write the model as .mps, .qps or .lp (by extension); never overwrites unless asked."""
        from .io import write_problem

        return write_problem(self.to_problem(), path, overwrite=overwrite)
