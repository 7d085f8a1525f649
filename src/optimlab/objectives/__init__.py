"""Objectives: datafits, penalties, and the objectives that solvers minimize."""

from optimlab.objectives.datafits import Datafit, Logistic, Multinomial, Squared
from optimlab.objectives.function import FunctionObjective
from optimlab.objectives.objective import BaseObjective, Objective
from optimlab.objectives.penalties import L1, L2, Bounds, ElasticNet, NoPenalty, Penalty

__all__ = [
    "L1",
    "L2",
    "BaseObjective",
    "Bounds",
    "Datafit",
    "ElasticNet",
    "FunctionObjective",
    "Logistic",
    "Multinomial",
    "NoPenalty",
    "Objective",
    "Penalty",
    "Squared",
]
