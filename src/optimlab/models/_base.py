r"""What the linear estimators share: declared hyperparameters, the ``"auto"`` solver rule, one fit.

Every estimator of :mod:`optimlab.models` builds an :class:`~optimlab.objectives.Objective`
(datafit + penalty) and hands it to :func:`optimlab.solvers.solve`; the pieces here turn the
estimator's hyperparameters into that call:

- :class:`Real`, :class:`Int`, :class:`Options`, :class:`Bool`, :class:`Callable` declare the
  hyperparameters as data (``_constraints``); :func:`validate_params` checks them at ``fit`` time
  and every error names the argument, the value and what was expected.
- :func:`auto_solver` is the ``solver="auto"`` rule.
- :func:`solver_options` maps ``tol``, ``max_iter``, ``learning_rate``, ``batch_size`` and
  ``random_state`` onto the options the chosen solver takes.
- :func:`fit_objective` builds the objective, with ``alpha=None`` meaning
  :math:`1/\sum_i \text{sample\_weight}_i` (scikit-learn's ``C=1``), and solves it.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from optimlab._validation import check_int, check_real
from optimlab.objectives.datafits import Multinomial
from optimlab.objectives.objective import Objective
from optimlab.objectives.penalties import ElasticNet, NoPenalty, Penalty, make_penalty
from optimlab.result import Result
from optimlab.solvers._registry import available_solvers, check_compatible, get_solver, solve

__all__ = [
    "Bool",
    "Callable",
    "Int",
    "Options",
    "Real",
    "auto_solver",
    "fit_objective",
    "solver_options",
    "validate_params",
]

PENALTIES = (None, "l2", "l1", "elasticnet")


# -- hyperparameters declared as data ------------------------------------------------------------
@dataclass(frozen=True)
class Real:
    """A real number in an interval (optionally None)."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    allow_none: bool = False

    def check(self, value, name: str):
        return check_real(value, name, low=self.low, high=self.high, low_open=self.low_open,
                          high_open=self.high_open, allow_none=self.allow_none)


@dataclass(frozen=True)
class Int:
    """An integer at least ``low`` (optionally None)."""

    low: int | None = None
    allow_none: bool = False

    def check(self, value, name: str):
        return check_int(value, name, low=self.low, allow_none=self.allow_none)


@dataclass(frozen=True)
class Options:
    """One of a fixed set of values."""

    values: tuple

    def check(self, value, name: str):
        if not any(value is v or (isinstance(value, str) and value == v) for v in self.values):
            raise ValueError(
                f"{name} must be one of {', '.join(map(repr, self.values))}; got {value!r}."
            )
        return value


@dataclass(frozen=True)
class Bool:
    """True or False."""

    def check(self, value, name: str):
        if not isinstance(value, bool | np.bool_):
            raise TypeError(f"{name} must be True or False, got {value!r}.")
        return bool(value)


@dataclass(frozen=True)
class Callable:
    """A callable, or None."""

    def check(self, value, name: str):
        if value is not None and not callable(value):
            raise TypeError(f"{name} must be callable or None, got {value!r}.")
        return value


@dataclass(frozen=True)
class Anything:
    """No check here (the consumer checks it, e.g. ``random_state``, ``cv``, ``scoring``)."""

    def check(self, value, name: str):
        return value


@dataclass(frozen=True)
class Solver:
    """``"auto"`` or the name of a registered solver (an unknown name lists the available ones)."""

    def check(self, value, name: str):
        if isinstance(value, str) and value == "auto":
            return value
        if not isinstance(value, str):
            raise TypeError(f"{name} must be 'auto' or a solver name, got {value!r}.")
        try:
            return get_solver(value).name
        except ValueError as err:
            raise ValueError(f"{name}={value!r}: {err}") from None


def validate_params(estimator) -> dict:
    """Check every hyperparameter of ``estimator`` against its ``_constraints``; return the values."""
    params = estimator.get_params(deep=False)
    return {name: rule.check(params[name], name) for name, rule in estimator._constraints.items()}


# -- the "auto" rule ----------------------------------------------------------------------------
def auto_solver(datafit: str, penalty: Penalty, n_samples: int, n_features: int, sparse: bool) -> str:
    r"""The solver ``solver="auto"`` picks for a problem.

    ============  ======================  ==================  ===========
    datafit       penalty                 X                   solver
    ============  ======================  ==================  ===========
    squared       L1, elastic net         dense or sparse     ``cd``
    logistic      L1, elastic net         dense or sparse     ``cd``
    multinomial   L1, elastic net         dense or sparse     ``fista``
    any           none, L2                sparse              ``newton``
    multinomial   none, L2                dense               ``newton``
    squared,      none, L2                dense               ``lbfgs``
    logistic
    ============  ======================  ==================  ===========

    ``cd`` (cyclic coordinate descent; proximal Newton for the logistic loss) was the fastest on
    every squared/logistic L1 and elastic-net problem measured, 5-50x ahead of ``fista`` and
    ``saga``; it does not apply to the multinomial loss, where ``fista`` beat ``saga`` except on
    small dense problems. For smooth problems Newton-CG needed 5-10x less time than L-BFGS on
    sparse, ill-conditioned data (20000 x 2000, 1% dense), while L-BFGS was 2-5x faster on dense,
    well-conditioned data, where Newton's Hessian-vector products (CG steps) cost more than the
    few extra quasi-Newton iterations. ``benchmarks/glm.py`` agrees (``benchmarks/RESULTS.md``):
    L2-logistic dense 200,000 x 100, lbfgs 0.25 s against newton 0.31 s; a9a (sparse), newton
    0.08-0.13 s against lbfgs 0.42 s; multinomial on digits (dense, 10 classes), newton 0.043 s
    against lbfgs 0.073 s, hence Newton for dense multinomial problems. The shape is not used: no
    threshold on ``n_samples`` or ``n_features`` held across the measurements. Numbers:
    ``docs/models.md``, "Choosing the solver".
    """
    smooth = isinstance(penalty, NoPenalty) or (isinstance(penalty, ElasticNet) and penalty.l1_weight == 0)
    if not smooth:
        return "fista" if datafit == "multinomial" else "cd"
    return "newton" if sparse or datafit == "multinomial" else "lbfgs"


# -- building the problem and the solver call ------------------------------------------------------
def solver_options(name: str, *, tol, max_iter, callback, learning_rate, batch_size, random_state,
                   schedule=None) -> dict:
    """Keyword options for solver ``name``: the ones it takes, and an error for a set one it ignores."""
    accepted = set(get_solver(name).options)
    options = {"tol": tol}
    if max_iter is not None:
        options["max_iter"] = max_iter
    if callback is not None:
        options["callback"] = callback
    for key, value in (("learning_rate", learning_rate), ("batch_size", batch_size), ("schedule", schedule)):
        if value is None:
            continue
        if key not in accepted:
            takers = sorted(n for n, spec in available_solvers().items() if key in spec.options)
            raise ValueError(
                f"{key}={value!r} is set, but solver {name!r} does not use a {key}; "
                f"leave it None, or pick a solver that takes it: {', '.join(takers)}."
            )
        options[key] = value
    if "random_state" in accepted:
        options["random_state"] = _seed(random_state)
    return options


def _seed(random_state):
    # A RandomState (scikit-learn's convention) draws a seed, so that refits are reproducible
    # for an int and follow the state's stream otherwise, as in scikit-learn.
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))
    if random_state is None or isinstance(random_state, numbers.Integral | np.random.Generator):
        return random_state
    raise TypeError(
        f"random_state must be None, an int, a numpy Generator or RandomState, got {random_state!r}."
    )


def fit_objective(estimator, params: dict, X, y, *, datafit: str, sample_weight=None,
                  x0=None) -> tuple[Objective, Result]:
    """Build the objective of a linear estimator and solve it; return both."""
    sw = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    total = float(X.shape[0] if sw is None else sw.sum())
    if not total > 0:
        raise ValueError("sample_weight must have a positive sum, got all zeros.")
    # alpha=None is 1 / (total weight): scikit-learn's C=1 and Ridge(alpha=1).
    alpha = 1.0 / total if params["alpha"] is None else params["alpha"]
    penalty = make_penalty(params["penalty"], alpha, params["l1_ratio"])
    objective = Objective(X, y, datafit=datafit, penalty=penalty,
                          fit_intercept=params["fit_intercept"], sample_weight=sw)
    name = params["solver"]
    if name == "auto":
        name = auto_solver(datafit, penalty, objective.n_samples, objective.n_features, sp.issparse(X))
    spec = get_solver(name)
    check_compatible(spec, objective)
    options = solver_options(
        name, tol=params["tol"] * objective.certificate_scale(), max_iter=params["max_iter"],
        callback=params["callback"], learning_rate=params["learning_rate"],
        batch_size=params["batch_size"], random_state=params["random_state"], schedule=params["schedule"],
    )
    return objective, solve(objective, name, x0=x0, **options)


def datafit_name(n_classes: int) -> str:
    """``"logistic"`` for two classes, ``"multinomial"`` for more."""
    return "logistic" if n_classes == 2 else Multinomial.name
