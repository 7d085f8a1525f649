"""Markov decision processes solved exactly or with certified error bounds.

A discounted MDP has states ``s``, actions ``a``, transition probabilities ``P[s, a, s']`` and
expected rewards ``r[s, a]``; the optimal values solve the Bellman equation

.. math::

    V^*(s) = \\max_a \\Big( r(s, a) + \\gamma \\sum_{s'} P(s' \\mid s, a)\\, V^*(s') \\Big)
           = (T V^*)(s).

``T`` is a ``gamma``-contraction in the max norm, so for any ``V``,
``||V - V*|| <= ||T V - V|| / (1 - gamma)``: every result reports its Bellman residual
``||T V - V||`` and that bound, computed from the returned values (not from the last iteration).
Value iteration stops on the **span** of ``T V - V`` (the span seminorm contracts too) and returns
the MacQueen midpoint ``V + gamma / (1 - gamma) * (max + min)(T V - V) / 2``, whose distance to
``V*`` is at most ``gamma / (1 - gamma) * span / 2`` (Puterman 1994, sections 6.3 and 6.6).
Policy iteration evaluates each policy exactly with one sparse linear solve (Howard 1960);
modified policy iteration replaces the solve by ``m`` sweeps (Puterman and Shin 1978).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

__all__ = ["MDP", "FiniteHorizonResult", "MDPResult", "forest"]

_ROW_SUM_TOL = 1e-8


@dataclass
class MDPResult:
    """The answer of an infinite-horizon solve.

    Attributes
    ----------
    policy : ndarray of int, shape (S,)
        An optimal (greedy) action per state.
    values : ndarray of shape (S,)
        The value estimate.
    q_values : ndarray of shape (S, A)
        ``r + gamma P values``.
    bellman_residual : float
        ``||T values - values||_inf``.
    bound : float
        A bound on ``||values - V*||_inf`` (the smaller of ``residual / (1 - gamma)`` and, for value
        iteration, the MacQueen bound).
    policy_values : ndarray of shape (S,)
        The exact values of ``policy`` (one linear solve), and ``policy_gap`` the bound on how far
        they are from optimal: ``||T v_pi - v_pi|| / (1 - gamma)``.
    status : {"converged", "max_iter"}
    method : str
    n_iter : int
    time : float
    history : list of float
        The stopping measure per iteration (span or residual).
    """

    policy: np.ndarray
    values: np.ndarray
    q_values: np.ndarray
    bellman_residual: float
    bound: float
    policy_values: np.ndarray
    policy_gap: float
    status: str
    method: str
    n_iter: int
    time: float
    history: list = field(default_factory=list)


@dataclass
class FiniteHorizonResult:
    """Backward induction: ``policy[t, s]`` for ``t < horizon`` and ``values[t, s]`` for ``t <= horizon``."""

    policy: np.ndarray
    values: np.ndarray
    q_values: np.ndarray
    time: float


class MDP:
    """A finite Markov decision process.

    Parameters
    ----------
    transitions : ndarray of shape (S, A, S), or a list of A sparse (S, S) matrices
        ``transitions[s, a, s']`` = probability of ``s'`` after action ``a`` in state ``s`` (the
        sparse form: ``transitions[a][s, s']``). Every row must sum to 1.
    rewards : ndarray of shape (S, A) or (S, A, S)
        Expected reward of ``a`` in ``s``, or reward per transition (its expectation is taken).
    discount : float
        ``gamma`` in ``[0, 1)`` (1 is allowed for finite-horizon problems only).
    """

    def __init__(self, transitions, rewards, discount: float) -> None:
        discount = float(discount)
        if not 0.0 <= discount <= 1.0:
            raise ValueError(f"discount must be in [0, 1]; got {discount}.")
        self.discount = discount
        if isinstance(transitions, list | tuple):
            mats = [sp.csr_matrix(t, dtype=float) for t in transitions]
            if not mats:
                raise ValueError("transitions is an empty list (no actions).")
            S = mats[0].shape[0]
            if any(m.shape != (S, S) for m in mats):
                raise ValueError(f"Every transition matrix must be ({S}, {S}).")
            A = len(mats)
            # rows ordered (s, a): interleave the actions' rows
            stacked = sp.vstack(mats, format="csr")  # row a * S + s
            order = (np.arange(A)[None, :] * S + np.arange(S)[:, None]).ravel()
            P = stacked[order]
        else:
            arr = np.asarray(transitions, dtype=float)
            if arr.ndim != 3 or arr.shape[0] != arr.shape[2]:
                raise ValueError(f"transitions must have shape (S, A, S); got {arr.shape}.")
            S, A = arr.shape[0], arr.shape[1]
            P = sp.csr_matrix(arr.reshape(S * A, S))
        self.n_states, self.n_actions = S, A
        if P.nnz and (not np.all(np.isfinite(P.data)) or P.data.min() < 0):
            raise ValueError("Transition probabilities must be finite and non-negative.")
        sums = np.asarray(P.sum(axis=1)).ravel()
        bad = np.flatnonzero(np.abs(sums - 1.0) > _ROW_SUM_TOL)
        if bad.size:
            s, a = divmod(int(bad[0]), A)
            raise ValueError(
                f"The transition probabilities of state {s}, action {a} sum to {sums[bad[0]]:.12g}, not 1."
            )
        self.P = P
        R = np.asarray(rewards, dtype=float)
        if R.shape == (S, A, S):
            R = np.asarray(P.multiply(sp.csr_matrix(R.reshape(S * A, S))).sum(axis=1)).reshape(S, A)
        elif R.shape != (S, A):
            raise ValueError(f"rewards must have shape ({S}, {A}) or ({S}, {A}, {S}); got {R.shape}.")
        if not np.all(np.isfinite(R)):
            raise ValueError("rewards contain NaN or infinite values.")
        self.R = R

    # ------------------------------------------------------------------ pieces
    def q_values(self, values: np.ndarray) -> np.ndarray:
        """``r + gamma P values`` as an (S, A) array."""
        return self.R + self.discount * (self.P @ values).reshape(self.n_states, self.n_actions)

    def bellman(self, values: np.ndarray) -> np.ndarray:
        """The Bellman operator ``T``."""
        return self.q_values(values).max(axis=1)

    def _policy_matrix(self, policy: np.ndarray):
        rows = np.arange(self.n_states) * self.n_actions + policy
        return self.P[rows], self.R[np.arange(self.n_states), policy]

    def evaluate(self, policy) -> np.ndarray:
        """Exact values of a deterministic policy: solve ``(I - gamma P_pi) v = r_pi``."""
        policy = np.asarray(policy, dtype=np.int64)
        if policy.shape != (self.n_states,) or policy.min() < 0 or policy.max() >= self.n_actions:
            raise ValueError(f"policy must give one action in [0, {self.n_actions}) per state.")
        if self.discount >= 1.0:
            raise ValueError("Policy evaluation needs discount < 1.")
        P_pi, r_pi = self._policy_matrix(policy)
        M = sp.eye(self.n_states, format="csc") - self.discount * P_pi.tocsc()
        return np.asarray(spla.spsolve(M, r_pi)).reshape(-1)

    def _greedy(self, values: np.ndarray, current: np.ndarray | None = None) -> np.ndarray:
        Q = self.q_values(values)
        best = Q.argmax(axis=1)
        if current is not None:  # keep the current action on ties: policy iteration then terminates
            keep = Q[np.arange(self.n_states), current] >= Q[np.arange(self.n_states), best] - 1e-12 * (
                1.0 + np.abs(Q).max())
            best = np.where(keep, current, best)
        return best

    def _result(self, values, method, status, n_iter, start, history, macqueen=np.inf) -> MDPResult:
        Q = self.q_values(values)
        residual = float(np.abs(Q.max(axis=1) - values).max())
        policy = Q.argmax(axis=1)
        pv = self.evaluate(policy)
        policy_gap = float(np.abs(self.bellman(pv) - pv).max()) / (1.0 - self.discount)
        return MDPResult(
            policy=policy, values=values, q_values=Q, bellman_residual=residual,
            bound=min(residual / (1.0 - self.discount), macqueen), policy_values=pv, policy_gap=policy_gap,
            status=status, method=method, n_iter=n_iter, time=time.perf_counter() - start, history=history,
        )

    # ------------------------------------------------------------------ solvers
    def solve(self, method: str = "policy_iteration", *, tol: float = 1e-8, max_iter: int = 10_000,
              sweeps: int = 20, initial_values=None, callback=None) -> MDPResult:
        """Solve the discounted MDP.

        Parameters
        ----------
        method : {"policy_iteration", "value_iteration", "modified_policy_iteration"}
        tol : float
            Target bound on ``||values - V*||_inf`` (value and modified policy iteration stop when
            the span bound is under it; policy iteration stops when the policy is stable).
        max_iter : int
        sweeps : int
            Partial evaluation sweeps per iteration of modified policy iteration.
        initial_values : array of shape (S,), optional
        callback : callable, optional
            ``callback(iteration, values)`` once per iteration; raising ``StopIteration`` stops.
        """
        if self.discount >= 1.0:
            raise ValueError("Infinite-horizon solves need discount < 1; use solve_finite_horizon.")
        if tol <= 0 or max_iter < 1 or sweeps < 1:
            raise ValueError("tol must be positive, max_iter and sweeps at least 1.")
        start = time.perf_counter()
        S = self.n_states
        V = np.zeros(S) if initial_values is None else np.asarray(initial_values, dtype=float).copy()
        if V.shape != (S,):
            raise ValueError(f"initial_values must have shape ({S},).")
        g = self.discount
        history: list[float] = []
        if method == "policy_iteration":
            policy = self._greedy(V)
            for k in range(1, max_iter + 1):
                V = self.evaluate(policy)
                new = self._greedy(V, policy)
                changed = int((new != policy).sum())
                history.append(float(changed))
                if callback is not None:
                    try:
                        callback(k, V)
                    except StopIteration:
                        return self._result(V, method, "stopped", k, start, history)
                if changed == 0:
                    return self._result(V, method, "converged", k, start, history)
                policy = new
            return self._result(V, method, "max_iter", max_iter, start, history)
        if method not in ("value_iteration", "modified_policy_iteration"):
            raise ValueError(f"Unknown method {method!r}; expected 'policy_iteration', 'value_iteration' or "
                             "'modified_policy_iteration'.")
        factor = g / (1.0 - g) if g > 0 else 0.0
        for k in range(1, max_iter + 1):
            Q = self.q_values(V)
            TV = Q.max(axis=1)
            diff = TV - V
            span = float(diff.max() - diff.min())
            history.append(span)
            if method == "modified_policy_iteration":
                P_pi, r_pi = self._policy_matrix(Q.argmax(axis=1))
                W = TV
                for _ in range(sweeps - 1):
                    W = r_pi + g * (P_pi @ W)
                nxt = W
            else:
                nxt = TV
            stop = factor * span / 2.0 <= tol
            if callback is not None:
                try:
                    callback(k, TV)
                except StopIteration:
                    stop = True
            if stop:
                # MacQueen: V* lies in [TV + factor min(diff), TV + factor max(diff)]
                mid = TV + factor * (diff.max() + diff.min()) / 2.0
                return self._result(mid, method, "converged", k, start, history, macqueen=factor * span / 2.0)
            V = nxt
        return self._result(V, method, "max_iter", max_iter, start, history)

    def solve_finite_horizon(self, horizon: int, *, terminal_values=None) -> FiniteHorizonResult:
        """Backward induction over ``horizon`` stages (``discount`` 1 allowed).

        ``values[horizon] = terminal_values`` (default 0), and for ``t = horizon-1, ..., 0``:
        ``q[t] = r + gamma P values[t+1]``, ``policy[t] = argmax q[t]``, ``values[t] = max q[t]``.
        """
        horizon = int(horizon)
        if horizon < 1:
            raise ValueError(f"horizon must be at least 1; got {horizon}.")
        start = time.perf_counter()
        S, A = self.n_states, self.n_actions
        V = np.zeros((horizon + 1, S))
        if terminal_values is not None:
            V[horizon] = np.broadcast_to(np.asarray(terminal_values, dtype=float), (S,))
        Q = np.zeros((horizon, S, A))
        policy = np.zeros((horizon, S), dtype=np.int64)
        for t in range(horizon - 1, -1, -1):
            Q[t] = self.q_values(V[t + 1])
            policy[t] = Q[t].argmax(axis=1)
            V[t] = Q[t].max(axis=1)
        return FiniteHorizonResult(policy=policy, values=V, q_values=Q, time=time.perf_counter() - start)


def forest(S: int = 3, r1: float = 4.0, r2: float = 2.0, p: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """The forest-management MDP (pymdptoolbox's example), as ``(transitions (S, 2, S), rewards (S, 2))``.

    States are the forest's age classes ``0..S-1``; action 0 waits, action 1 cuts. Waiting: with
    probability ``p`` a fire sends the forest to state 0, otherwise it ages by one class (the
    oldest stays oldest); the reward is ``r1`` in the oldest state, else 0. Cutting sends it to
    state 0 and earns 0 in state 0, ``r2`` in the oldest state and 1 elsewhere.
    """
    if S < 2 or not 0 <= p <= 1:
        raise ValueError("forest needs S >= 2 and 0 <= p <= 1.")
    P = np.zeros((S, 2, S))
    P[:, 0, 0] = p
    P[np.arange(S - 1), 0, np.arange(1, S)] = 1 - p
    P[S - 1, 0, S - 1] += 1 - p
    P[:, 1, 0] = 1.0
    R = np.zeros((S, 2))
    R[S - 1, 0] = r1
    R[1:, 1] = 1.0
    R[S - 1, 1] = r2
    return P, R
