"""Markov decision processes solved exactly or with certified error bounds.

A discounted MDP has states ``s``, actions ``a``, transition probabilities ``P[s, a, s']`` and
expected rewards ``r[s, a]``; the optimal values solve the Bellman equation

.. math::

    V^*(s) = \\max_a \\Big( r(s, a) + \\gamma \\sum_{s'} P(s' \\mid s, a)\\, V^*(s') \\Big)
           = (T V^*)(s).

``T`` is a ``gamma``-contraction in the max norm, so any ``V`` satisfies
``||V - V*|| <= ||T V - V|| / (1 - gamma)``. Every result reports its Bellman residual
``||T V - V||_inf`` and a bound on ``||V - V*||_inf`` computed for the values it returns, with an
allowance of a few ulps of the largest Q-value for the rounding of ``T V - V``.

- Value iteration stops on the **span** of ``T V - V`` (the span seminorm contracts too) and uses
  MacQueen's bounds ``T V + gamma/(1-gamma) min(T V - V) <= V* <= T V + gamma/(1-gamma) max(T V - V)``:
  their midpoint is within ``gamma / (1 - gamma) * span / 2`` of ``V*`` (MacQueen 1966;
  Puterman 1994, sec. 6.6).
- Policy iteration evaluates each policy exactly with one linear solve (Howard 1960): dense LU
  up to 1000 states, sparse LU (SuperLU) above.
- Modified policy iteration replaces the solve by ``sweeps`` applications of ``T_pi``
  (Puterman and Shin 1978).
- Backward induction solves finite-horizon problems (``discount = 1`` allowed).

References
----------
R. A. Howard, *Dynamic Programming and Markov Processes*, MIT Press, 1960.
J. MacQueen, "A modified dynamic programming method for Markovian decision problems",
J. Math. Anal. Appl. 14, 1966.
M. L. Puterman and M. C. Shin, "Modified policy iteration algorithms for discounted Markov
decision problems", Management Science 24, 1978.
M. L. Puterman, *Markov Decision Processes*, Wiley, 1994, chapter 6.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from optimlab._validation import check_finite_array, check_int, check_real
from optimlab.exceptions import ConvergenceWarning

__all__ = ["MDP", "METHODS", "FiniteHorizonResult", "MDPHistory", "MDPResult", "forest"]

#: The infinite-horizon methods of :meth:`MDP.solve`.
METHODS = ("policy_iteration", "value_iteration", "modified_policy_iteration")

#: Largest accepted ``|sum_s' P[s, a, s'] - 1|``.
ROW_SUM_TOL = 1e-8

# Dense input with more nonzeros than this fraction stays dense: one BLAS matrix-vector product
# per Bellman update then beats a CSR product, and dense LU beats sparse LU on dense P_pi.
_DENSE_FRACTION = 0.25

_EPS = np.finfo(float).eps

# Up to this many states a policy is evaluated by dense LU (LAPACK): a few milliseconds, whatever
# the sparsity, where sparse LU of a random transition graph fills in and is slower.
_DENSE_SOLVE_STATES = 1000

# Value iteration's span decreases by a factor gamma or better each sweep in exact arithmetic;
# when its minimum has not improved for this many sweeps, rounding dominates.
_STALL_SWEEPS = 50

_MESSAGES = {
    "converged": "Converged: the bound on ||values - V*||_inf is at or under tol.",
    "max_iter": (
        "max_iter reached before the bound on ||values - V*||_inf fell under tol. Increase max_iter, "
        "or use method='policy_iteration', which needs few iterations even for a discount near 1."
    ),
    "time_limit": "time_limit reached before the bound on ||values - V*||_inf fell under tol.",
    "callback": "Stopped by the callback (StopIteration).",
    "stalled": (
        "Rounding errors keep the bound on ||values - V*||_inf above tol: the values are as accurate "
        "as double precision allows for this problem. Raise tol."
    ),
}


@dataclass
class MDPHistory:
    """One entry per iteration of :meth:`MDP.solve`.

    Attributes
    ----------
    iteration : array of int
        Iteration number (one Bellman evaluation, or one policy evaluation for policy iteration).
    time : array of float
        Seconds since the start.
    residual : array of float
        ``||T V_k - V_k||_inf`` at the iterate ``V_k``.
    bound : array of float
        The bound on ``||V_k - V*||_inf`` that the iterate carries (the one reported if the run
        stopped there).
    """

    iteration: list = field(default_factory=list)
    time: list = field(default_factory=list)
    residual: list = field(default_factory=list)
    bound: list = field(default_factory=list)

    def _append(self, iteration: int, elapsed: float, residual: float, bound: float) -> None:
        self.iteration.append(iteration)
        self.time.append(elapsed)
        self.residual.append(residual)
        self.bound.append(bound)

    def _freeze(self) -> MDPHistory:
        return MDPHistory(
            iteration=np.asarray(self.iteration, dtype=np.int64),
            time=np.asarray(self.time, dtype=float),
            residual=np.asarray(self.residual, dtype=float),
            bound=np.asarray(self.bound, dtype=float),
        )

    def __len__(self) -> int:
        return len(self.iteration)

    def as_dict(self) -> dict[str, np.ndarray]:
        """The history as a dict of arrays (ready for ``pandas.DataFrame``)."""
        frozen = self._freeze()
        return {"iteration": frozen.iteration, "time": frozen.time, "residual": frozen.residual,
                "bound": frozen.bound}


@dataclass
class MDPResult:
    """The answer of :meth:`MDP.solve`, with its certificate.

    Attributes
    ----------
    policy : ndarray of int, shape (S,)
        The returned policy: greedy with respect to ``values`` (value and modified policy
        iteration) or the policy whose exact values are ``values`` (policy iteration).
    values : ndarray of shape (S,)
        The value estimate ``V``.
    q_values : ndarray of shape (S, A)
        ``r + gamma P V``, so that ``(T V)(s) = max_a q_values[s, a]``.
    bellman_residual : float
        ``||T V - V||_inf``, recomputed from ``values``.
    bound : float
        A bound on ``||V - V*||_inf``: ``bellman_residual / (1 - gamma)``, or MacQueen's span bound
        where value or modified policy iteration returns the midpoint of its bounds (smaller);
        both include an allowance of a few ulps of ``max |q_values|`` for rounding.
    success : bool
        True exactly when ``bound <= tol``.
    status : {"converged", "max_iter", "time_limit", "callback", "stalled"}
    message : str
        What ``status`` means and what to do about it.
    method : str
    n_iter : int
    time : float
        Seconds.
    tol : float
    history : MDPHistory
        Residual and bound per iteration.
    policy_values : ndarray of shape (S,)
        (Computed on first access: one linear solve.) The exact values ``v_pi`` of ``policy``.
    policy_gap : float
        (Computed on first access.) A bound on ``||v_pi - V*||_inf``:
        ``||T v_pi - v_pi||_inf / (1 - gamma)``.
    """

    policy: np.ndarray
    values: np.ndarray
    q_values: np.ndarray
    bellman_residual: float
    bound: float
    success: bool
    status: str
    message: str
    method: str
    n_iter: int
    time: float
    tol: float
    history: MDPHistory
    _mdp: MDP = field(repr=False, compare=False)

    @cached_property
    def policy_values(self) -> np.ndarray:
        return self._mdp._evaluate(self.policy)

    @cached_property
    def policy_gap(self) -> float:
        v = self.policy_values
        Q = self._mdp._q(v)
        residual = float(np.abs(Q.max(axis=1) - v).max())
        return (residual + _rounding(Q)) / (1.0 - self._mdp.discount)

    def __repr__(self) -> str:
        shown = np.array2string(self.values, threshold=8, precision=6)
        return (
            f"MDPResult(method={self.method!r}, status={self.status!r}, n_iter={self.n_iter}, "
            f"bellman_residual={self.bellman_residual:.3e}, bound={self.bound:.3e}, "
            f"time={self.time:.4g}, values={shown})"
        )


@dataclass
class FiniteHorizonResult:
    """The answer of :meth:`MDP.solve_finite_horizon` (backward induction).

    Attributes
    ----------
    policy : ndarray of int, shape (T, S)
        ``policy[t, s]``: the optimal action in state ``s`` with ``T - t`` stages to go.
    values : ndarray of shape (T + 1, S)
        ``values[t]``: the optimal expected total (discounted) reward from stage ``t`` on;
        ``values[T]`` is the terminal value.
    horizon : int
    time : float
        Seconds.
    """

    policy: np.ndarray
    values: np.ndarray
    horizon: int
    time: float


def _rounding(Q: np.ndarray) -> float:
    """Allowance for the rounding of ``T V - V``: a few ulps of the largest Q-value."""
    return 4 * _EPS * float(np.abs(Q).max())


def _is_sparse_list(obj) -> bool:
    return isinstance(obj, list | tuple) and len(obj) > 0 and all(sp.issparse(m) for m in obj)


def _state_action(row: int, n_actions: int) -> str:
    s, a = divmod(int(row), n_actions)
    return f"state {s}, action {a}"


class MDP:
    """A finite discounted Markov decision process.

    Parameters
    ----------
    transitions : array of shape (S, A, S), sparse matrix of shape (S*A, S), or list of A sparse (S, S)
        ``transitions[s, a, s']`` is the probability of moving to ``s'`` when action ``a`` is taken
        in state ``s``; each ``transitions[s, a, :]`` sums to 1 (within ``ROW_SUM_TOL``). A single
        sparse matrix holds ``P[s, a, :]`` in row ``s * A + a``. A list (or tuple) of ``A``
        ``scipy.sparse`` matrices holds ``P[:, a, :]`` in element ``a``, as pymdptoolbox's sparse
        form does. (pymdptoolbox's dense ``(A, S, S)`` arrays become ours with
        ``np.moveaxis(P, 0, 1)``.)
    rewards : array of shape (S, A) or (S, A, S), or list of A sparse (S, S)
        The expected reward ``r[s, a]`` of action ``a`` in state ``s``, or a reward per transition
        ``R[s, a, s']`` (per action ``R_a[s, s']`` in the list form), of which the expectation
        ``r[s, a] = sum_s' P[s, a, s'] R[s, a, s']`` is used.
    discount : float
        ``gamma`` in ``[0, 1)``; ``1`` is accepted for finite-horizon problems only.

    Attributes
    ----------
    n_states, n_actions : int
    discount : float
    rewards : ndarray of shape (S, A)
        The expected rewards.
    transition_matrix : ndarray or scipy.sparse.csr_array of shape (S*A, S)
        ``P[s, a, :]`` in row ``s * A + a``; kept dense when the input is a dense array with more
        than a quarter of its entries nonzero, sparse otherwise.

    Examples
    --------
    >>> from optimlab.programming.dp import MDP, forest
    >>> P, R = forest(S=3, r1=4, r2=2, p=0.1)
    >>> res = MDP(P, R, 0.9).solve("value_iteration", tol=1e-10)
    >>> res.policy
    array([0, 0, 0])
    >>> res.values.round(6)
    array([26.244, 29.484, 33.484])
    >>> bool(res.bound <= 1e-10)
    True
    """

    def __init__(self, transitions, rewards, discount: float) -> None:
        self.discount = check_real(discount, "discount", low=0.0, high=1.0)
        P = self._read_transitions(transitions)
        self._sparse = sp.issparse(P)
        self.transition_matrix = P
        self._check_probabilities()
        self.rewards = self._read_rewards(rewards)

    def _read_transitions(self, transitions):
        if _is_sparse_list(transitions):
            first = transitions[0].shape
            S, A = first[0], len(transitions)
            for a, m in enumerate(transitions):
                if m.ndim != 2 or m.shape != (S, S):
                    raise ValueError(
                        f"transitions[{a}] has shape {m.shape}; every per-action matrix must be ({S}, {S})."
                    )
            self.n_states, self.n_actions = S, A
            stacked = sp.vstack([sp.csr_array(m, dtype=float) for m in transitions], format="csr")
            # stacked row a*S + s becomes row s*A + a
            order = (np.arange(A)[None, :] * S + np.arange(S)[:, None]).ravel()
            P = sp.csr_array(stacked[order])
        elif sp.issparse(transitions):
            n_rows, S = transitions.shape
            if S == 0 or n_rows % S or n_rows == 0:
                raise ValueError(
                    f"A sparse transitions matrix must have shape (S*A, S) with row s*A + a holding "
                    f"P[s, a, :]; got shape {transitions.shape}."
                )
            self.n_states, self.n_actions = S, n_rows // S
            P = sp.csr_array(transitions, dtype=float, copy=True)  # sum_duplicates works in place
        else:
            if isinstance(transitions, list | tuple) and any(sp.issparse(m) for m in transitions):
                raise ValueError("transitions mixes sparse and dense matrices; pass a list of A sparse "
                                 "(S, S) matrices or one (S, A, S) array.")
            try:
                arr = np.asarray(transitions, dtype=float)
            except (TypeError, ValueError) as err:
                raise ValueError("transitions must be an (S, A, S) array of numbers, a sparse (S*A, S) "
                                 "matrix or a list of A sparse (S, S) matrices.") from err
            if arr.ndim != 3 or arr.shape[0] != arr.shape[2] or arr.size == 0:
                hint = ""
                if arr.ndim == 3 and arr.shape[1] == arr.shape[2]:
                    hint = " For pymdptoolbox's (A, S, S) layout, pass np.moveaxis(transitions, 0, 1)."
                raise ValueError(f"transitions must have shape (S, A, S) with P[s, a, s']; got {arr.shape}."
                                 + hint)
            S, A = arr.shape[0], arr.shape[1]
            self.n_states, self.n_actions = S, A
            flat = arr.reshape(S * A, S)
            if np.count_nonzero(flat) > _DENSE_FRACTION * flat.size:
                return np.array(flat, order="C")  # a copy: later changes to the input must not leak in
            P = sp.csr_array(flat)
        P.sum_duplicates()
        return P

    def _check_probabilities(self) -> None:
        P, A = self.transition_matrix, self.n_actions
        if self._sparse:
            row_of_entry = np.repeat(np.arange(P.shape[0]), np.diff(P.indptr))
            data = P.data
        else:
            row_of_entry, data = None, P.ravel()
        bad = ~np.isfinite(data) | (data < 0)
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            row = row_of_entry[first] if self._sparse else first // P.shape[1]
            value = data[first]
            raise ValueError(
                f"transitions must be finite and non-negative; {_state_action(row, A)} has the "
                f"probability {float(value)!r} ({int(bad.sum())} such entries in all)."
            )
        sums = np.asarray(P.sum(axis=1)).ravel()
        off = np.flatnonzero(np.abs(sums - 1.0) > ROW_SUM_TOL)
        if off.size:
            row = int(off[0])
            raise ValueError(
                f"The transition probabilities of {_state_action(row, A)} sum to {sums[row]:.12g}, not 1 "
                f"({off.size} of {sums.size} state-action pairs are off by more than {ROW_SUM_TOL:g}); "
                "normalize them, e.g. P / P.sum(axis=-1, keepdims=True)."
            )

    def _read_rewards(self, rewards) -> np.ndarray:
        S, A, P = self.n_states, self.n_actions, self.transition_matrix
        if _is_sparse_list(rewards):
            if len(rewards) != A or any(m.shape != (S, S) for m in rewards):
                raise ValueError(f"A list of rewards must hold {A} sparse ({S}, {S}) matrices, one per "
                                 f"action; got {[m.shape for m in rewards]}.")
            per_action = [sp.csr_array(m, dtype=float) for m in rewards]
            if not all(np.all(np.isfinite(m.data)) for m in per_action):
                raise ValueError("rewards contain NaN or infinite values.")
            # rows ordered as P's: row s*A + a of the stacked rewards is R_a[s, :]
            stacked = sp.vstack(per_action, format="csr")
            order = (np.arange(A)[None, :] * S + np.arange(S)[:, None]).ravel()
            expected = sp.csr_array(stacked[order]).multiply(P).sum(axis=1)
            return np.asarray(expected, dtype=float).reshape(S, A)
        try:
            R = np.asarray(rewards, dtype=float)
        except (TypeError, ValueError) as err:
            raise ValueError("rewards must be an (S, A) or (S, A, S) array of numbers, or a list of A "
                             "sparse (S, S) matrices.") from err
        if R.shape not in ((S, A), (S, A, S)):
            raise ValueError(f"rewards must have shape ({S}, {A}) or ({S}, {A}, {S}) (states, actions"
                             f"[, next states]); got {R.shape}.")
        finite = np.isfinite(R) if R.ndim == 2 else np.isfinite(R).all(axis=2)
        if not finite.all():
            row = int(np.flatnonzero(~finite.ravel())[0])
            raise ValueError(f"rewards contain NaN or infinite values (first at {_state_action(row, A)}).")
        if R.ndim == 2:
            return R.copy()
        R2 = R.reshape(S * A, S)
        if self._sparse:
            expected = np.asarray(P.multiply(R2).sum(axis=1), dtype=float)
        else:
            expected = np.einsum("ij,ij->i", P, R2)
        return expected.reshape(S, A)

    def _check_values(self, values, name: str) -> np.ndarray:
        V = check_finite_array(values, name, ndim=(0, 1))
        if V.ndim == 0:
            return np.full(self.n_states, float(V))
        if V.shape != (self.n_states,):
            raise ValueError(f"{name} must have shape ({self.n_states},) (one value per state); "
                             f"got {V.shape}.")
        return V.copy()

    def _check_policy(self, policy) -> np.ndarray:
        pol = np.asarray(policy)
        if (pol.shape != (self.n_states,) or not np.issubdtype(pol.dtype, np.integer)
                or pol.min(initial=0) < 0 or pol.max(initial=0) >= self.n_actions):
            raise ValueError(f"policy must be an integer array of shape ({self.n_states},) with actions in "
                             f"[0, {self.n_actions}); got {np.array2string(pol, threshold=8)}.")
        return pol.astype(np.int64)

    def _q(self, values: np.ndarray) -> np.ndarray:
        return self.rewards + self.discount * (self.transition_matrix @ values).reshape(
            self.n_states, self.n_actions)

    def _policy_rows(self, policy: np.ndarray):
        rows = np.arange(self.n_states) * self.n_actions + policy
        return self.transition_matrix[rows], self.rewards[np.arange(self.n_states), policy]

    def _evaluate(self, policy: np.ndarray) -> np.ndarray:
        P_pi, r_pi = self._policy_rows(policy)
        if self._sparse and self.n_states > _DENSE_SOLVE_STATES:
            M = sp.identity(self.n_states, format="csc") - self.discount * sp.csc_array(P_pi)
            return np.asarray(spla.spsolve(M, r_pi), dtype=float).reshape(-1)
        if self._sparse:
            P_pi = P_pi.toarray()
        return np.linalg.solve(np.eye(self.n_states) - self.discount * P_pi, r_pi)

    def q_values(self, values) -> np.ndarray:
        """``Q[s, a] = r[s, a] + gamma * sum_s' P[s, a, s'] values[s']``, shape (S, A)."""
        return self._q(self._check_values(values, "values"))

    def bellman(self, values) -> np.ndarray:
        """The Bellman operator: ``(T V)(s) = max_a Q[s, a]``."""
        return self.q_values(values).max(axis=1)

    def evaluate(self, policy) -> np.ndarray:
        """Exact values of a deterministic policy: the solution of ``(I - gamma P_pi) v = r_pi``.

        Parameters
        ----------
        policy : array of int, shape (S,)

        Returns
        -------
        ndarray of shape (S,)
        """
        if self.discount >= 1.0:
            raise ValueError("evaluate needs discount < 1 (with discount 1 the values may be infinite).")
        return self._evaluate(self._check_policy(policy))

    def solve(
        self,
        method: str = "policy_iteration",
        *,
        tol: float = 1e-8,
        max_iter: int = 10_000,
        sweeps: int = 20,
        initial_values=None,
        time_limit: float | None = None,
        callback: Callable[[MDPResult], None] | None = None,
    ) -> MDPResult:
        """Solve the discounted infinite-horizon problem ``max_pi E[sum_t gamma^t r(s_t, a_t)]``.

        Every method stops when its bound on ``||values - V*||_inf`` is at most ``tol``:

        - ``"policy_iteration"``: ``pi <- greedy(v_pi)`` with ``v_pi`` the exact solution of
          ``(I - gamma P_pi) v = r_pi``; the bound is ``||T v_pi - v_pi|| / (1 - gamma)``, so the
          returned policy is the optimal one or within ``tol`` of it. An action is replaced only
          by one better by more than rounding, so ties never cycle; if the policy stops changing
          with the bound above ``tol`` (a ``tol`` below what double precision can certify), the
          status is ``"stalled"``. The solves use dense LU (LAPACK) up to 1000 states and sparse
          LU (SuperLU) above: fast when the transition graph is local (grids, queues,
          inventories), slow when it is random over many thousands of states, where modified
          policy iteration is the better choice.
        - ``"value_iteration"``: ``V <- T V``, stopping when
          ``gamma / (1 - gamma) * span(T V - V) / 2 <= tol``, i.e.
          ``span(T V - V) <= 2 tol (1 - gamma) / gamma``. Each iterate is moved to the midpoint of
          MacQueen's bounds on ``V*`` (a constant shift, which changes neither the greedy
          policies nor the spans of plain value iteration), so the returned values are within
          ``gamma / (1 - gamma) * span / 2`` of ``V*``. If the span has not decreased for 50
          sweeps (rounding), the status is ``"stalled"``.
        - ``"modified_policy_iteration"``: ``V <- T_pi^sweeps T V`` with ``pi = greedy(V)``, the
          same stopping rule and the same MacQueen midpoint on exit.

        Value and modified policy iteration apply ``T`` once more to the midpoint they return,
        which gives ``q_values``, ``bellman_residual`` and ``bound`` for the returned values.

        Parameters
        ----------
        method : {"policy_iteration", "value_iteration", "modified_policy_iteration"}
        tol : float, default 1e-8
            Target bound on ``||values - V*||_inf`` (absolute, in reward units).
        max_iter : int, default 10000
            Iterations: Bellman updates for value and modified policy iteration, policy
            evaluations for policy iteration.
        sweeps : int, default 20
            Partial evaluation sweeps ``T_pi`` per iteration of modified policy iteration.
        initial_values : float or array of shape (S,), optional
            Starting values (policy iteration starts from the greedy policy for them). Default:
            ``min(r) / (1 - gamma)``, a lower bound on ``V*``.
        time_limit : float, optional
            Seconds; checked once per iteration.
        callback : callable, optional
            ``callback(result)`` once per iteration with the :class:`MDPResult` of the current
            iterate (``status="running"``, the history so far); raising ``StopIteration`` stops the
            run, which returns that iterate.

        Returns
        -------
        MDPResult

        Warns
        -----
        ConvergenceWarning
            When the run stops with ``bound > tol`` for any reason but the callback.
        """
        if self.discount >= 1.0:
            raise ValueError(
                f"solve needs discount < 1 (got {self.discount}): an undiscounted infinite-horizon total "
                "reward may be infinite; use solve_finite_horizon(horizon)."
            )
        if method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}; got {method!r}.")
        tol = check_real(tol, "tol", low=0.0, low_open=True)
        max_iter = check_int(max_iter, "max_iter", low=1)
        sweeps = check_int(sweeps, "sweeps", low=1)
        time_limit = check_real(time_limit, "time_limit", low=0.0, low_open=True, allow_none=True)
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable; got {callback!r}.")
        if initial_values is None:
            V = np.full(self.n_states, self.rewards.min() / (1.0 - self.discount))
        else:
            V = self._check_values(initial_values, "initial_values")

        run = _Run(self, method, tol, max_iter, time_limit, callback)
        result = self._policy_iteration(V, run) if method == "policy_iteration" else (
            self._value_iteration(V, run, sweeps if method == "modified_policy_iteration" else 0))
        if result.status not in ("converged", "callback"):
            warnings.warn(f"MDP.solve({method!r}): {result.message} (bound {result.bound:.3e}, "
                          f"tol {tol:.1e})", ConvergenceWarning, stacklevel=2)
        return result

    def _policy_iteration(self, V: np.ndarray, run: _Run) -> MDPResult:
        g = self.discount
        states = np.arange(self.n_states)
        policy = self._q(V).argmax(axis=1)
        while True:
            V = self._evaluate(policy)
            Q = self._q(V)
            best = Q.max(axis=1)
            residual = float(np.abs(best - V).max())
            result = run.step(policy, V, Q, residual, (residual + _rounding(Q)) / (1.0 - g))
            if result is not None:
                return result
            # Improvements below rounding (of v_pi's solve) could make tied actions cycle.
            gain = best - Q[states, policy]
            switch = gain > 64 * _EPS * (1.0 + np.abs(Q).max()) / (1.0 - g)
            if not switch.any():
                return run.finish("stalled")
            policy = np.where(switch, Q.argmax(axis=1), policy)

    def _value_iteration(self, V: np.ndarray, run: _Run, sweeps: int) -> MDPResult:
        g = self.discount
        factor = g / (1.0 - g)
        carried = np.inf  # a bound on ||V - V*|| known before evaluating T V
        best_span, since_best = np.inf, 0
        while True:
            Q = self._q(V)
            TV = Q.max(axis=1)
            diff = TV - V
            lo, hi = float(diff.min()), float(diff.max())
            residual = max(-lo, hi)
            rounding = _rounding(Q)
            policy = Q.argmax(axis=1)
            result = run.step(policy, V, Q, residual, min((residual + rounding) / (1.0 - g), carried))
            if result is not None:
                return result
            span = hi - lo
            if span < best_span:
                best_span, since_best = span, 0
            else:
                since_best += 1
                if since_best >= _STALL_SWEEPS:
                    return run.finish("stalled")
            V = TV + factor * (hi + lo) / 2.0
            # rounding of T V - V moves the midpoint by up to rounding / (1 - gamma), its span as much
            midpoint_bound = factor * span / 2.0 + 2.0 * rounding / (1.0 - g)
            if sweeps and midpoint_bound > run.tol:
                P_pi, r_pi = self._policy_rows(policy)
                for _ in range(sweeps):
                    V = r_pi + g * (P_pi @ V)
                carried = np.inf
            else:
                carried = midpoint_bound

    def solve_finite_horizon(self, horizon: int, *, terminal_values=None) -> FiniteHorizonResult:
        """Backward induction over ``horizon`` stages; ``discount = 1`` is allowed.

        .. math::

            V_T = \\text{terminal\\_values}, \\qquad
            V_t(s) = \\max_a \\Big( r(s, a) + \\gamma \\sum_{s'} P(s' \\mid s, a) V_{t+1}(s') \\Big),
            \\quad t = T-1, \\dots, 0,

        with ``policy[t]`` the maximizing actions (the lowest index on ties).

        Parameters
        ----------
        horizon : int
            Number of decision stages ``T >= 1``.
        terminal_values : float or array of shape (S,), optional
            ``V_T``; default 0.

        Returns
        -------
        FiniteHorizonResult
            ``policy`` of shape (T, S) and ``values`` of shape (T + 1, S).
        """
        horizon = check_int(horizon, "horizon", low=1)
        start = time.perf_counter()
        values = np.empty((horizon + 1, self.n_states))
        values[horizon] = 0.0 if terminal_values is None else self._check_values(terminal_values,
                                                                                 "terminal_values")
        policy = np.empty((horizon, self.n_states), dtype=np.int64)
        for t in range(horizon - 1, -1, -1):
            Q = self._q(values[t + 1])
            policy[t] = Q.argmax(axis=1)
            values[t] = Q[np.arange(self.n_states), policy[t]]
        return FiniteHorizonResult(policy=policy, values=values, horizon=horizon,
                                   time=time.perf_counter() - start)

    def __repr__(self) -> str:
        storage = "sparse" if self._sparse else "dense"
        return (f"MDP(n_states={self.n_states}, n_actions={self.n_actions}, discount={self.discount}, "
                f"transitions={storage})")


class _Run:
    """Bookkeeping of one :meth:`MDP.solve`: history, callback, stopping, the result."""

    def __init__(self, mdp: MDP, method: str, tol: float, max_iter: int, time_limit: float | None,
                 callback) -> None:
        self.mdp, self.method, self.tol = mdp, method, tol
        self.max_iter, self.time_limit, self.callback = max_iter, time_limit, callback
        self.history = MDPHistory()
        self.start = time.perf_counter()
        self.last: MDPResult | None = None

    def _result(self, status: str, final: bool) -> MDPResult:
        last = self.last
        last.status, last.message = status, _MESSAGES[status]
        last.time = time.perf_counter() - self.start
        if final:
            last.history = self.history._freeze()
        return last

    def step(self, policy, values, q_values, residual: float, bound: float) -> MDPResult | None:
        """Record the iterate; return the final result when the run must stop, else None."""
        n_iter = len(self.history) + 1
        elapsed = time.perf_counter() - self.start
        self.history._append(n_iter, elapsed, residual, bound)
        self.last = MDPResult(
            policy=policy, values=values, q_values=q_values, bellman_residual=residual, bound=bound,
            success=bound <= self.tol, status="running", message="", method=self.method, n_iter=n_iter,
            time=elapsed, tol=self.tol, history=self.history, _mdp=self.mdp,
        )
        stop = None
        if self.callback is not None:
            try:
                self.callback(self.last)
            except StopIteration:
                stop = "callback"
        if bound <= self.tol:
            stop = "converged"
        elif stop is None and n_iter >= self.max_iter:
            stop = "max_iter"
        elif stop is None and self.time_limit is not None and elapsed >= self.time_limit:
            stop = "time_limit"
        return None if stop is None else self._result(stop, final=True)

    def finish(self, status: str) -> MDPResult:
        return self._result("converged" if self.last.success else status, final=True)


def forest(S: int = 3, r1: float = 4.0, r2: float = 2.0, p: float = 0.1, *,
           sparse: bool = False) -> tuple:
    """The forest-management MDP (the example of pymdptoolbox), in this module's layout.

    States ``0, ..., S-1`` are the age classes of a forest; action 0 waits, action 1 cuts.

    - Waiting: with probability ``p`` a fire burns the forest back to state 0; otherwise it grows
      one class older (the oldest class stays the oldest). The reward is ``r1`` in the oldest
      class and 0 elsewhere.
    - Cutting: the forest goes back to state 0. The reward is 0 in state 0, ``r2`` in the oldest
      class and 1 elsewhere.

    Parameters
    ----------
    S : int, default 3
        Number of states, at least 2.
    r1, r2 : float, default 4 and 2
        Rewards of waiting, and of cutting, in the oldest state.
    p : float, default 0.1
        Probability of fire, in ``[0, 1]``.
    sparse : bool, default False
        Return the transitions as a list of 2 ``scipy.sparse.csr_array`` of shape (S, S) (one
        per action) instead of a dense (S, 2, S) array.

    Returns
    -------
    transitions : ndarray of shape (S, 2, S), or list of 2 sparse (S, S)
    rewards : ndarray of shape (S, 2)
    """
    S = check_int(S, "S", low=2)
    r1 = check_real(r1, "r1")
    r2 = check_real(r2, "r2")
    p = check_real(p, "p", low=0.0, high=1.0)
    states = np.arange(S)
    older = np.minimum(states + 1, S - 1)
    wait = sp.csr_array(
        (np.concatenate([np.full(S, p), np.full(S, 1.0 - p)]),
         (np.concatenate([states, states]), np.concatenate([np.zeros(S, dtype=np.int64), older]))),
        shape=(S, S),
    )
    cut = sp.csr_array((np.ones(S), (states, np.zeros(S, dtype=np.int64))), shape=(S, S))
    rewards = np.zeros((S, 2))
    rewards[S - 1, 0] = r1
    rewards[1:, 1] = 1.0
    rewards[S - 1, 1] = r2
    if sparse:
        wait.eliminate_zeros()
        return [wait, cut], rewards
    return np.stack([wait.toarray(), cut.toarray()], axis=1), rewards
