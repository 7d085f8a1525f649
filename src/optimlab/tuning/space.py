r"""Search spaces: ``Float``, ``Int`` and ``Categorical`` dimensions, optionally conditional.

A space is a ``dict`` mapping an estimator hyperparameter to a dimension (or to a fixed value,
which every trial then uses). Dimensions are sampled in the order of the dict, so a condition
may refer to any parameter listed before it:

>>> from optimlab.tuning import Categorical, Float, Int
>>> space = {
...     "solver": Categorical(["lbfgs", "sgd", "adam"]),
...     "alpha": Float(1e-5, 1.0, log=True),
...     "learning_rate": Float(1e-4, 1e-1, log=True, when={"solver": ["sgd", "adam"]}),
...     "max_iter": Int(5, 50, when={"solver": ["sgd", "adam"]}),
... }

A dimension whose condition is false is not sampled in that trial and the estimator keeps its
own value. The sampling itself is Optuna's (``trial.suggest_float`` and friends), so every Optuna
sampler (TPE, random, grid, CMA-ES, QMC) sees the same, typed search space.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "Categorical",
    "Dimension",
    "Float",
    "Int",
    "check_space",
    "count_configurations",
    "grid_of",
    "sample_space",
]


def _check_condition(when, name: str):
    if when is None or callable(when):
        return when
    if not isinstance(when, Mapping) or not when:
        raise TypeError(
            f"when must be None, a callable params -> bool or a non-empty dict name -> value(s), "
            f"got {when!r} for {name}."
        )
    many = (list, tuple, set, frozenset)
    return {key: (tuple(v) if isinstance(v, many) else (v,)) for key, v in when.items()}


@dataclass(frozen=True)
class Dimension:
    """Base of the three dimension kinds: a condition on earlier parameters."""

    def active(self, params: Mapping) -> bool:
        """Whether this dimension is sampled, given the parameters sampled before it."""
        when = self.when
        if when is None:
            return True
        if callable(when):
            return bool(when(dict(params)))
        return all(key in params and params[key] in allowed for key, allowed in when.items())

    def depends_on(self) -> tuple[str, ...]:
        """The parameters a dict condition names (empty for none or a callable)."""
        return tuple(self.when) if isinstance(self.when, Mapping) else ()


@dataclass(frozen=True)
class Float(Dimension):
    r"""A real hyperparameter in :math:`[\text{low}, \text{high}]`.

    Parameters
    ----------
    low, high : float
        The bounds, ``low <= high`` (``low > 0`` with ``log=True``).
    log : bool, default False
        Sample uniformly in :math:`\log x` (regularization strengths, learning rates).
    step : float, optional
        Discretize to ``low + k * step`` (not with ``log``); makes the dimension griddable.
    when : dict or callable, optional
        Condition on earlier parameters: ``{"solver": ["sgd", "adam"]}`` or ``params -> bool``.
    """

    low: float
    high: float
    log: bool = False
    step: float | None = None
    when: Mapping | Callable | None = field(default=None, compare=False)

    def __post_init__(self):
        for key in ("low", "high"):
            value = getattr(self, key)
            if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
                raise ValueError(f"Float {key} must be a finite number, got {value!r}.")
        if self.low > self.high:
            raise ValueError(f"Float needs low <= high, got low={self.low!r}, high={self.high!r}.")
        if self.log and self.low <= 0:
            raise ValueError(f"Float(log=True) needs low > 0, got low={self.low!r}.")
        if self.step is not None and (self.log or not self.step > 0):
            raise ValueError(
                f"Float step must be positive and is not allowed with log=True, got {self.step!r}."
            )
        object.__setattr__(self, "when", _check_condition(self.when, "Float"))

    def suggest(self, trial, name: str) -> float:
        return trial.suggest_float(name, float(self.low), float(self.high), log=self.log, step=self.step)

    def grid(self) -> list | None:
        if self.step is None:
            return None if self.low != self.high else [float(self.low)]
        n = math.floor((self.high - self.low) / self.step + 1e-9) + 1
        return [round(self.low + k * self.step, 12) for k in range(n)]


@dataclass(frozen=True)
class Int(Dimension):
    """An integer hyperparameter in ``[low, high]`` (both included).

    Parameters
    ----------
    low, high : int
    log : bool, default False
        Sample uniformly in log scale (batch sizes, epochs); needs ``low >= 1``.
    step : int, default 1
    when : dict or callable, optional
        Condition on earlier parameters, as for :class:`Float`.
    """

    low: int
    high: int
    log: bool = False
    step: int = 1
    when: Mapping | Callable | None = field(default=None, compare=False)

    def __post_init__(self):
        for key in ("low", "high", "step"):
            value = getattr(self, key)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"Int {key} must be an int, got {value!r}.")
        if self.low > self.high:
            raise ValueError(f"Int needs low <= high, got low={self.low!r}, high={self.high!r}.")
        if self.step < 1 or (self.log and (self.low < 1 or self.step != 1)):
            raise ValueError(f"Int needs step >= 1, and low >= 1 and step == 1 with log=True; got {self!r}.")
        object.__setattr__(self, "when", _check_condition(self.when, "Int"))

    def suggest(self, trial, name: str) -> int:
        return trial.suggest_int(name, self.low, self.high, log=self.log, step=self.step)

    def grid(self) -> list:
        return list(range(self.low, self.high + 1, self.step))


@dataclass(frozen=True)
class Categorical(Dimension):
    """A choice among a few values (``None``, bools, ints, floats or strings).

    Parameters
    ----------
    choices : sequence
        The distinct values.
    when : dict or callable, optional
        Condition on earlier parameters, as for :class:`Float`.
    """

    choices: Sequence
    when: Mapping | Callable | None = field(default=None, compare=False)

    def __post_init__(self):
        if isinstance(self.choices, str) or not isinstance(self.choices, Sequence) or len(self.choices) == 0:
            raise ValueError(f"Categorical needs a non-empty list of choices, got {self.choices!r}.")
        choices = tuple(self.choices)
        for value in choices:
            if value is not None and not isinstance(value, bool | int | float | str):
                raise TypeError(
                    f"Categorical choices must be None, bool, int, float or str (Optuna stores them), "
                    f"got {value!r}."
                )
        if len(set(choices)) != len(choices):
            raise ValueError(f"Categorical choices must be distinct, got {list(choices)!r}.")
        object.__setattr__(self, "choices", choices)
        object.__setattr__(self, "when", _check_condition(self.when, "Categorical"))

    def suggest(self, trial, name: str):
        return trial.suggest_categorical(name, self.choices)

    def grid(self) -> list:
        return list(self.choices)


def check_space(space, estimator=None) -> dict:
    """Validate a space (dict name -> dimension or fixed value); names must be estimator params.

    Conditions may only refer to parameters listed earlier in the dict.
    """
    if not isinstance(space, Mapping) or not space:
        raise ValueError(f"space must be a non-empty dict of parameter name -> dimension, got {space!r}.")
    valid = None if estimator is None else set(estimator.get_params(deep=True))
    seen: list[str] = []
    for name, dim in space.items():
        if not isinstance(name, str):
            raise TypeError(f"space keys must be parameter names (str), got {name!r}.")
        if valid is not None and name not in valid:
            raise ValueError(
                f"space has {name!r}, which is not a parameter of {type(estimator).__name__}; "
                f"its parameters are: {', '.join(sorted(valid))}."
            )
        if isinstance(dim, Dimension):
            missing = [key for key in dim.depends_on() if key not in seen]
            if missing:
                raise ValueError(
                    f"The condition of {name!r} refers to {missing}, which must come before it in the space."
                )
        seen.append(name)
    return dict(space)


def sample_space(trial, space: Mapping, *, skip: Sequence[str] = ()) -> dict:
    """Draw one configuration: fixed values as they are, active dimensions through ``trial``."""
    params: dict = {}
    for name, dim in space.items():
        if name in skip:
            continue
        if not isinstance(dim, Dimension):
            params[name] = dim
        elif dim.active(params):
            params[name] = dim.suggest(trial, name)
    return params


def grid_of(space: Mapping, *, skip: Sequence[str] = ()) -> dict[str, list]:
    """The search space of Optuna's ``GridSampler``: every value of every dimension.

    Raises
    ------
    ValueError
        For a continuous :class:`Float` (no ``step``), which has no grid.
    """
    grid = {}
    for name, dim in space.items():
        if name in skip or not isinstance(dim, Dimension):
            continue
        values = dim.grid()
        if values is None:
            raise ValueError(
                f"sampler='grid' needs a finite grid, but {name!r} is a continuous Float; give it a step, "
                "or use a Categorical of the values to try."
            )
        grid[name] = values
    return grid


def count_configurations(space: Mapping, *, skip: Sequence[str] = (), limit: int = 10_000) -> int | None:
    """The number of distinct configurations of a finite space (conditions applied), else None.

    None when a dimension is continuous, or when there are more than ``limit``.
    """
    dims = [(name, dim) for name, dim in space.items() if name not in skip and isinstance(dim, Dimension)]
    if any(dim.grid() is None for _, dim in dims):
        return None
    fixed = {name: value for name, value in space.items() if not isinstance(value, Dimension)}
    partial = [dict(fixed)]
    for name, dim in dims:
        grown = []
        for params in partial:
            if dim.active(params):
                grown.extend({**params, name: value} for value in dim.grid())
            else:
                grown.append(params)
            if len(grown) > limit:
                return None
        partial = grown
    return len(partial)
