"""Recommender systems trained by optimization.

- Data: :class:`Interactions` (raw ids kept), MovieLens and CSV loaders, splits.
- Models: :class:`MatrixFactorization` (explicit ratings, SGD or ALS), :class:`ImplicitALS`,
  :class:`BPR`, and the baselines :class:`Popularity`, :class:`ItemKNN`, :class:`EASE`.
- Metrics: RMSE, MAE and the ranking metrics at ``k``; :func:`evaluate` measures models side
  by side.

Every model's ``fit`` returns the model and stores an :class:`optimlab.Result` in ``result_``
with one history entry per epoch.
"""

from optimlab.recommend._base import Recommender, load_model
from optimlab.recommend.baselines import EASE, ItemKNN, Popularity
from optimlab.recommend.bpr import BPR
from optimlab.recommend.data import (
    Interactions,
    kfold,
    leave_k_out,
    load_movielens,
    movielens_folds,
    per_user_split,
    random_split,
    time_split,
)
from optimlab.recommend.evaluate import evaluate
from optimlab.recommend.ials import ImplicitALS
from optimlab.recommend.metrics import (
    coverage_at_k,
    hit_rate_at_k,
    mae,
    map_at_k,
    ndcg_at_k,
    precision_at_k,
    precision_at_k_truncated,
    ranking_metrics,
    recall_at_k,
    rmse,
)
from optimlab.recommend.mf import MatrixFactorization

#: Model classes by the names the command line uses.
MODELS = {
    "mf": MatrixFactorization,
    "ials": ImplicitALS,
    "bpr": BPR,
    "popularity": Popularity,
    "itemknn": ItemKNN,
    "ease": EASE,
}

__all__ = [
    "BPR",
    "EASE",
    "MODELS",
    "ImplicitALS",
    "Interactions",
    "ItemKNN",
    "MatrixFactorization",
    "Popularity",
    "Recommender",
    "coverage_at_k",
    "evaluate",
    "hit_rate_at_k",
    "kfold",
    "leave_k_out",
    "load_model",
    "load_movielens",
    "mae",
    "map_at_k",
    "movielens_folds",
    "ndcg_at_k",
    "per_user_split",
    "precision_at_k",
    "precision_at_k_truncated",
    "random_split",
    "ranking_metrics",
    "recall_at_k",
    "rmse",
    "time_split",
]
