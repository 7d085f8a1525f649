"""Dynamic programming: Markov decision processes (value, policy and modified policy iteration,
backward induction) and knapsack."""

from .knapsack import MAX_CELLS, KnapsackResult, knapsack
from .mdp import MDP, FiniteHorizonResult, MDPResult, forest

__all__ = ["MAX_CELLS", "MDP", "FiniteHorizonResult", "KnapsackResult", "MDPResult", "forest", "knapsack"]
