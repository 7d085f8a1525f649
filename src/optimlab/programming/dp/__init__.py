"""Dynamic programming: Markov decision processes and knapsack, solved exactly or with certified bounds.

- :class:`MDP`: discounted MDPs with dense or sparse transitions ``P[s, a, s']``, solved by policy
  iteration (exact linear solves), value iteration (span stopping rule, MacQueen bounds) or
  modified policy iteration; :meth:`MDP.solve_finite_horizon` for backward induction. Every
  :class:`MDPResult` carries its Bellman residual and a bound on the distance to the optimal values.
- :func:`forest`: the forest-management example MDP.
- :func:`knapsack`: exact 0/1 and bounded knapsack by DP over the capacity.
"""

from .knapsack import MAX_CELLS, KnapsackResult, knapsack
from .mdp import MDP, METHODS, FiniteHorizonResult, MDPHistory, MDPResult, forest

__all__ = [
    "MAX_CELLS",
    "MDP",
    "METHODS",
    "FiniteHorizonResult",
    "KnapsackResult",
    "MDPHistory",
    "MDPResult",
    "forest",
    "knapsack",
]
