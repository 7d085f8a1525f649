"""Search spaces: validation, conditions, grids and the count of configurations."""

from __future__ import annotations

import optuna
import pytest

from optimlab.models import LogisticRegression
from optimlab.tuning.space import (
    Categorical,
    Float,
    Int,
    check_space,
    count_configurations,
    grid_of,
    sample_space,
)


def test_dimensions_validate_their_arguments():
    with pytest.raises(ValueError, match="low <= high"):
        Float(1.0, 0.5)
    with pytest.raises(ValueError, match="low > 0"):
        Float(0.0, 1.0, log=True)
    with pytest.raises(ValueError, match="finite"):
        Float(0.0, float("inf"))
    with pytest.raises(ValueError, match="step"):
        Float(1e-3, 1.0, log=True, step=0.1)
    with pytest.raises(ValueError, match="must be an int"):
        Int(1.5, 3)
    with pytest.raises(ValueError, match="non-empty list"):
        Categorical([])
    with pytest.raises(ValueError, match="non-empty list"):
        Categorical("abc")
    with pytest.raises(ValueError, match="distinct"):
        Categorical(["a", "a"])
    with pytest.raises(TypeError, match="Optuna stores them"):
        Categorical([object()])
    with pytest.raises(TypeError, match="when must be"):
        Float(0.0, 1.0, when=["solver"])


def test_conditions_follow_earlier_parameters():
    lr = Float(1e-3, 1.0, when={"solver": ["sgd", "adam"]})
    assert lr.active({"solver": "sgd"}) and not lr.active({"solver": "lbfgs"}) and not lr.active({})
    single = Float(0.1, 0.9, when={"penalty": "elasticnet"})
    assert single.active({"penalty": "elasticnet"}) and not single.active({"penalty": "l1"})
    assert Int(1, 3, when=lambda p: p.get("k", 0) > 1).active({"k": 2})


def test_check_space_names_the_problem():
    estimator = LogisticRegression()
    with pytest.raises(ValueError, match="not a parameter of LogisticRegression"):
        check_space({"C": Float(0.1, 1.0)}, estimator)
    with pytest.raises(ValueError, match="must come before it"):
        check_space({"learning_rate": Float(0.1, 1.0, when={"solver": "sgd"}), "solver": "sgd"}, estimator)
    space = {"solver": "sgd", "learning_rate": Float(0.1, 1.0, when={"solver": "sgd"})}
    assert check_space(space, estimator) == space


def test_sampling_goes_through_optuna_and_respects_conditions():
    space = {"solver": Categorical(["lbfgs", "sgd"]), "tol": 1e-6,
             "learning_rate": Float(1e-3, 1.0, log=True, when={"solver": "sgd"}),
             "batch_size": Int(8, 256, log=True, when={"solver": "sgd"})}
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    seen = set()
    for _ in range(20):
        trial = study.ask()
        params = sample_space(trial, space)
        seen.add(params["solver"])
        assert params["tol"] == 1e-6
        assert ("learning_rate" in params) == ("batch_size" in params) == (params["solver"] == "sgd")
        if params["solver"] == "sgd":
            assert 1e-3 <= params["learning_rate"] <= 1.0 and 8 <= params["batch_size"] <= 256
        study.tell(trial, 0.0)
    assert seen == {"lbfgs", "sgd"}


def test_grid_and_count_of_configurations():
    space = {"penalty": Categorical(["l1", "l2", "elasticnet"]),
             "l1_ratio": Float(0.2, 0.8, step=0.3, when={"penalty": "elasticnet"}),
             "alpha": Float(1e-3, 1.0, log=True), "fit_intercept": Categorical([True, False])}
    # (l1, l2) x 2 intercepts + elasticnet x 3 ratios x 2 intercepts
    assert count_configurations(space, skip=("alpha",)) == 2 * 2 + 3 * 2
    assert count_configurations(space) is None  # alpha is continuous
    assert grid_of(space, skip=("alpha",))["l1_ratio"] == pytest.approx([0.2, 0.5, 0.8])
    with pytest.raises(ValueError, match="continuous Float"):
        grid_of(space)
    assert count_configurations({"k": Int(1, 10**6)}) is None  # too many to enumerate
