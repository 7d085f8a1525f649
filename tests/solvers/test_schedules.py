"""Learning-rate schedules by name."""

import itertools
import math

import pytest

from optimlab.solvers.schedules import SCHEDULES, make_schedule


def test_constant():
    eta = make_schedule("constant", 0.3, n_steps=10)
    assert [eta(t) for t in (0, 5, 100)] == [0.3, 0.3, 0.3]


def test_inverse_scaling():
    eta = make_schedule("inverse_scaling", 1.0, n_steps=10, decay=0.5, power=0.5)
    for t in (0, 1, 7):
        assert eta(t) == pytest.approx(1.0 / (1.0 + 0.5 * t) ** 0.5)


def test_step_default_and_explicit():
    eta = make_schedule("step", 1.0, n_steps=100)
    assert [eta(t) for t in (0, 24, 25, 50, 99)] == pytest.approx([1.0, 1.0, 0.1, 0.01, 0.001])
    eta = make_schedule("step", 2.0, n_steps=100, step_size=3, gamma=0.5)
    assert [eta(t) for t in (0, 2, 3, 6)] == pytest.approx([2.0, 2.0, 1.0, 0.5])


def test_cosine():
    eta = make_schedule("cosine", 1.0, n_steps=10, min_fraction=0.1)
    assert eta(0) == pytest.approx(1.0)
    assert eta(5) == pytest.approx(0.1 + 0.9 * 0.5)
    assert eta(10) == pytest.approx(0.1) and eta(50) == pytest.approx(0.1)
    values = [eta(t) for t in range(11)]
    assert all(a >= b for a, b in itertools.pairwise(values))
    assert make_schedule("cosine", 1.0, n_steps=4)(2) == pytest.approx(0.5 * (1 + math.cos(math.pi / 2)))


@pytest.mark.parametrize("name", SCHEDULES)
def test_proportional_to_the_base_rate(name):
    """The solvers rely on every named schedule being linear in its base rate."""
    a, b = make_schedule(name, 1.0, n_steps=20), make_schedule(name, 0.25, n_steps=20)
    for t in range(25):
        assert b(t) == pytest.approx(0.25 * a(t))


def test_unknown_name_lists_known():
    with pytest.raises(ValueError, match="constant, inverse_scaling, step, cosine"):
        make_schedule("linear", 0.1, n_steps=10)
    with pytest.raises(TypeError, match="schedule must be a string"):
        make_schedule(3, 0.1, n_steps=10)


@pytest.mark.parametrize(
    ("name", "kwargs", "match"),
    [
        ("constant", {"learning_rate": 0.0}, "learning_rate"),
        ("constant", {"n_steps": 0}, "n_steps"),
        ("inverse_scaling", {"decay": -1.0}, "decay"),
        ("inverse_scaling", {"power": 0.0}, "power"),
        ("step", {"step_size": 0}, "step_size"),
        ("step", {"gamma": 1.5}, "gamma"),
        ("cosine", {"min_fraction": 2.0}, "min_fraction"),
    ],
)
def test_bad_parameters(name, kwargs, match):
    options = {"learning_rate": 0.1, "n_steps": 10, **kwargs}
    with pytest.raises(ValueError, match=match):
        make_schedule(name, options.pop("learning_rate"), **options)
