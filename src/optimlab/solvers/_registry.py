"""One registry of solvers: what each needs from an objective and which problems it handles."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from optimlab._validation import check_finite_array
from optimlab.exceptions import UnsupportedProblemError
from optimlab.objectives.objective import BaseObjective
from optimlab.result import Result

__all__ = [
    "SolverSpec",
    "available_solvers",
    "check_compatible",
    "get_solver",
    "initial_point",
    "register",
    "solve",
    "solvers_for",
]

#: Human-readable meaning of capabilities and features, for error messages.
_NEEDS = {
    "gradient": "a gradient",
    "hessp": "Hessian-vector products",
    "prox": "a proximal operator",
    "coordinates": "coordinate-wise access (a GLM objective with a squared or logistic datafit)",
    "samples": "per-sample access (a GLM objective with a separable penalty)",
    "minibatch": "mini-batch evaluation on a subset of rows (a GLM objective)",
    "lipschitz": "a Lipschitz constant",
}
_FEATURES = {"nonsmooth": "an L1 (non-smooth) penalty", "bounds": "bounds"}


@dataclass(frozen=True)
class SolverSpec:
    """A registered solver.

    Attributes
    ----------
    name : str
    func : callable
        ``func(objective, x0=None, *, tol, max_iter, time_limit, callback, ...) -> Result``.
    requires : frozenset of str
        Capabilities the objective must have (``"gradient"``, ``"hessp"``, ``"prox"``,
        ``"coordinates"``, ``"samples"``, ``"minibatch"``, ``"lipschitz"``).
    handles : frozenset of str
        Problem features it can deal with (``"nonsmooth"``, ``"bounds"``).
    stochastic : bool
        Whether it takes ``random_state``.
    summary : str
        One line for listings.
    """

    name: str
    func: Callable
    requires: frozenset
    handles: frozenset
    stochastic: bool
    summary: str

    @property
    def options(self) -> tuple[str, ...]:
        """Keyword options the solver accepts."""
        params = inspect.signature(self.func).parameters.values()
        return tuple(p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY)

    def missing(self, objective: BaseObjective) -> list[str]:
        """Why this solver cannot run on ``objective`` (empty when it can)."""
        reasons = [f"needs {_NEEDS.get(c, c)}" for c in sorted(self.requires - objective.capabilities)]
        reasons += [
            f"cannot handle {_FEATURES.get(f, f)}" for f in sorted(objective.features - self.handles)
        ]
        return reasons


_REGISTRY: dict[str, SolverSpec] = {}
_REGISTRY_WRAPPERS: dict[str, Callable] = {}


def register(name: str, *, requires, handles=(), stochastic: bool = False, summary: str = ""):
    """Register a solver function under ``name``; calls check the objective first."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(objective, x0=None, **options):
            check_compatible(spec, objective)
            return func(objective, x0, **options)

        spec = SolverSpec(name, func, frozenset(requires), frozenset(handles), stochastic,
                          summary or (func.__doc__ or "").strip().splitlines()[0])
        _REGISTRY[name] = spec
        _REGISTRY_WRAPPERS[name] = wrapper
        return wrapper

    return decorate


def available_solvers() -> dict[str, SolverSpec]:
    """All registered solvers by name."""
    return dict(_REGISTRY)


def get_solver(name: str) -> SolverSpec:
    """The spec of solver ``name``; an unknown name lists the ones that exist."""
    if not isinstance(name, str):
        raise TypeError(f"solver must be a string, got {name!r}.")
    key = name.lower()
    if key not in _REGISTRY:
        raise ValueError(f"Unknown solver {name!r}. Available solvers: {', '.join(sorted(_REGISTRY))}.")
    return _REGISTRY[key]


def solvers_for(objective: BaseObjective) -> list[str]:
    """Names of the solvers that can run on ``objective``."""
    return [name for name, spec in sorted(_REGISTRY.items()) if not spec.missing(objective)]


def check_compatible(spec: SolverSpec, objective: BaseObjective) -> None:
    """Raise one clear error when ``spec`` cannot run on ``objective``."""
    if not isinstance(objective, BaseObjective):
        raise TypeError(
            f"{spec.name} expects an optimlab objective, got {type(objective).__name__}; "
            "use optimlab.minimize for a Python function."
        )
    reasons = spec.missing(objective)
    if reasons:
        able = solvers_for(objective)
        raise UnsupportedProblemError(
            f"Solver {spec.name!r} cannot solve this problem: it {' and '.join(reasons)}. "
            f"Solvers that can: {', '.join(able) if able else 'none'}."
        )


def initial_point(objective: BaseObjective, x0) -> np.ndarray:
    """A float64 copy of ``x0`` (default: the objective's), checked, and projected into the box if any."""
    if x0 is None:
        x = objective.default_x0()
    else:
        x = check_finite_array(x0, "x0", ndim=1).copy()
        if x.shape[0] != objective.size:
            raise ValueError(
                f"x0 has {x.shape[0]} entries but the objective has {objective.size} variables."
            )
    box = objective.box()
    return x if box is None else np.clip(x, *box)


def solve(objective: BaseObjective, solver: str, x0=None, **options) -> Result:
    """Run the solver ``solver`` on ``objective``.

    Parameters
    ----------
    objective : BaseObjective
    solver : str
        A registered name (see :func:`available_solvers`).
    x0 : array-like, optional
        Starting point (warm start).
    **options
        The solver's keyword options (``tol``, ``max_iter``, ``time_limit``, ``callback``,
        ``learning_rate``, ...). An option the solver does not take is an error naming those it does.
    """
    spec = get_solver(solver)
    unknown = sorted(set(options) - set(spec.options))
    if unknown:
        raise TypeError(
            f"Solver {spec.name!r} does not take option(s) {unknown}; it takes {sorted(spec.options)}."
        )
    return _REGISTRY_WRAPPERS[spec.name](objective, x0, **options)
