r"""First-order methods for smooth objectives: gradient descent, momentum, Nesterov, and the
stochastic optimizers of machine learning (SGD, AdaGrad, RMSProp, Adam, AdamW).

All minimize a differentiable objective :math:`F` (for a GLM, the datafit plus an L2 penalty;
an L1 penalty needs a proximal or coordinate solver) and stop on the objective's certificate.

*Deterministic* methods (``gd``, ``momentum``, ``nesterov``) take one full-gradient step per
iteration; their step starts at :math:`1/L` (:math:`L` the Lipschitz constant of
:math:`\nabla F` when the objective knows it, else estimated from a probe step) and is adapted
by backtracking on the sufficient-decrease condition

.. math:: F(x - \eta \nabla F(x)) \le F(x) - \tfrac{\eta}{2} \|\nabla F(x)\|^2 ,

which holds for every :math:`\eta \le 1/L`; after each accepted step :math:`\eta` may grow
again by :math:`1/0.9`.

*Stochastic* methods (``sgd``, ``adagrad``, ``rmsprop``, ``adam``, ``adamw``) are compositions
of the transformations of :mod:`optimlab.solvers._transforms` and step

.. math:: x \leftarrow x - \eta_t\, d(g), \qquad g = \nabla_B F(x),

with :math:`\eta_t` from a schedule (:mod:`optimlab.solvers.schedules`) and :math:`g` the
gradient on a mini-batch :math:`B` of rows: the unbiased mini-batch estimate of the datafit
gradient plus the exact penalty gradient. One *iteration* is one *epoch*: a pass over the
shuffled rows in mini-batches of ``batch_size``, after which the full objective and certificate
are checked. With ``batch_size=None`` (or at least the number of rows), or on an objective
without mini-batch access (a user function), an iteration is one full-gradient step.

References
----------
.. [1] L. Armijo, "Minimization of functions having Lipschitz continuous first partial
   derivatives", Pacific J. Math. 16(1), 1966.
.. [2] B. T. Polyak, "Some methods of speeding up the convergence of iteration methods",
   USSR Comp. Math. and Math. Physics 4(5), 1964.
.. [3] Y. Nesterov, "A method for solving the convex programming problem with convergence
   rate O(1/k^2)", Soviet Math. Doklady 27, 1983.
.. [4] B. O'Donoghue and E. Candès, "Adaptive restart for accelerated gradient schemes",
   Foundations of Computational Mathematics 15, 2015.
.. [5] L. Bottou, F. E. Curtis and J. Nocedal, "Optimization methods for large-scale machine
   learning", SIAM Review 60(2), 2018.
.. [6] J. Duchi, E. Hazan and Y. Singer, "Adaptive subgradient methods for online learning and
   stochastic optimization", JMLR 12, 2011.
.. [7] T. Tieleman and G. Hinton, "Lecture 6.5 - RMSProp", COURSERA: Neural Networks for Machine
   Learning, 2012.
.. [8] D. P. Kingma and J. Ba, "Adam: a method for stochastic optimization", ICLR 2015.
.. [9] I. Loshchilov and F. Hutter, "Decoupled weight decay regularization", ICLR 2019.
.. [10] S. Xie and Z. Li, "Implicit bias of AdamW: l-infinity norm constrained optimization",
   ICML 2024.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import scipy.sparse as sp

from optimlab._validation import check_int, check_random_state, check_real
from optimlab.objectives.objective import BaseObjective, Objective
from optimlab.result import Result
from optimlab.solvers import _transforms as tx
from optimlab.solvers._monitor import Monitor
from optimlab.solvers._registry import initial_point, register
from optimlab.solvers._steps import probe_lipschitz
from optimlab.solvers.schedules import make_schedule

__all__ = ["adagrad", "adam", "adamw", "gd", "momentum", "nesterov", "rmsprop", "sgd"]

# Relative slack in the decrease tests, so that a step whose change of F is below round-off
# is not mistaken for an increase.
_ROUNDOFF = 1e-14
# The step may grow by 1/_GROWTH after each accepted step (as in proximal.py).
_GROWTH = 0.9


# -- deterministic methods ---------------------------------------------------------------------
def _lipschitz(objective: BaseObjective) -> float | None:
    """A Lipschitz constant of the gradient of the whole objective (datafit + L2), or None."""
    L = objective.lipschitz()
    if L is None or not L > 0:
        return None
    if isinstance(objective, Objective):
        L += objective.penalty.l2_weight
    return float(L)


def _initial_step(objective: BaseObjective, x: np.ndarray, learning_rate: float | None,
                  g: np.ndarray | None = None) -> float:
    """``learning_rate``, else ``1/L``, else ``1/L`` estimated from a small probe step from ``x``."""
    if learning_rate is not None:
        return learning_rate
    L = _lipschitz(objective)
    if L is None:
        if g is None:
            g = objective.value_and_grad(x)[1]
        L = probe_lipschitz(objective.value_and_grad, x, g)
    return 1.0 / max(L, 1e-8)


def _sufficient_decrease(f: float, f_new: float, step: float, gg: float) -> bool:
    """The sufficient-decrease test above, with ``gg = ||grad F(x)||^2``."""
    return f_new <= f - 0.5 * step * gg + _ROUNDOFF * abs(f)


def _gradient_step(objective, x, f, g, step):
    """Backtrack from ``step`` until sufficient decrease; ``(x, f, g, step)``, or None on failure."""
    gg = float(g @ g)
    while step > 1e-300:
        x_new = x - step * g
        f_new, g_new = objective.value_and_grad(x_new)
        if np.isfinite(f_new) and _sufficient_decrease(f, f_new, step, gg):
            return x_new, f_new, g_new, step
        step *= 0.5
    return None


def _check_step(learning_rate):
    return check_real(learning_rate, "learning_rate", low=0.0, low_open=True, allow_none=True)


@register("gd", requires={"gradient"}, handles=set(),
          summary="Gradient descent with backtracking (Armijo) line search.")
def gd(
    objective: BaseObjective,
    x0=None,
    *,
    tol: float = 1e-6,
    max_iter: int = 10_000,
    time_limit: float | None = None,
    callback=None,
    learning_rate: float | None = None,
) -> Result:
    r"""Gradient descent with a backtracking (Armijo) line search.

    .. math:: x_{k+1} = x_k - \eta_k \nabla F(x_k),

    with :math:`\eta_k` the largest of :math:`\eta_{k-1}/0.9,\ \eta_{k-1}/(2 \cdot 0.9), \dots`
    that gives the sufficient decrease :math:`F(x_{k+1}) \le F(x_k) - \tfrac{\eta_k}{2}
    \|\nabla F(x_k)\|^2` [1]_. Linear convergence on strongly convex problems, at rate
    :math:`1 - \mu/L`.

    Parameters
    ----------
    objective : BaseObjective
        A smooth objective with a gradient (no L1 penalty or bounds).
    x0 : array-like, optional
        Starting point.
    tol : float, default 1e-6
        Stop when the certificate (duality gap or gradient norm) is at or under ``tol``.
    max_iter : int, default 10000
    time_limit : float, optional
        Seconds.
    callback : callable, optional
        ``callback(result_so_far)`` once per iteration; raise ``StopIteration`` to stop.
    learning_rate : float, optional
        The first step :math:`\eta_0`; default :math:`1/L` (estimated when the objective does
        not know :math:`L`).

    Returns
    -------
    Result

    Examples
    --------
    >>> import numpy as np
    >>> from optimlab.objectives import Objective, L2
    >>> from optimlab.solvers.first_order import gd
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 5)); y = X @ np.ones(5)
    >>> gd(Objective(X, y, penalty=L2(0.1))).success
    True
    """
    mon = Monitor(objective, "gd", tol=tol, max_iter=max_iter, time_limit=time_limit,
                  callback=callback)
    learning_rate = _check_step(learning_rate)
    x = initial_point(objective, x0)
    f, g = objective.value_and_grad(x)
    if mon.check(x, fun=f, grad=g, advance=False):
        return mon.finish()
    step = _initial_step(objective, x, learning_rate, g)
    while True:
        accepted = _gradient_step(objective, x, f, g, step)
        if accepted is None:
            mon.fail("the line search could not find a decreasing step")
            break
        x, f, g, step = accepted
        if mon.check(x, fun=f, grad=g):
            break
        step /= _GROWTH
    return mon.finish()


@register("momentum", requires={"gradient"}, handles=set(),
          summary="Heavy-ball momentum gradient descent with restart on objective increase.")
def momentum(
    objective: BaseObjective,
    x0=None,
    *,
    tol: float = 1e-6,
    max_iter: int = 10_000,
    time_limit: float | None = None,
    callback=None,
    learning_rate: float | None = None,
    momentum: float = 0.9,
) -> Result:
    r"""Polyak's heavy-ball method, safeguarded by a restart when the objective increases.

    .. math:: x_{k+1} = x_k - \eta \nabla F(x_k) + \beta (x_k - x_{k-1})

    [2]_. When a step would increase :math:`F`, it is discarded, the momentum is dropped
    (:math:`x_{k-1} \leftarrow x_k`) and a plain gradient step is taken instead, with the
    backtracking of :func:`gd` (which halves :math:`\eta` if it is too large). The iterates
    therefore decrease :math:`F` monotonically and converge whenever gradient descent does,
    with the heavy-ball speed-up on the stretches between restarts.

    Parameters
    ----------
    objective, x0, tol, max_iter, time_limit, callback
        As for :func:`gd`.
    learning_rate : float, optional
        Step :math:`\eta`; default :math:`1/L` (estimated when the objective does not know it).
    momentum : float, default 0.9
        :math:`\beta \in [0, 1)`.

    Returns
    -------
    Result
    """
    mon = Monitor(objective, "momentum", tol=tol, max_iter=max_iter, time_limit=time_limit,
                  callback=callback)
    learning_rate = _check_step(learning_rate)
    beta = check_real(momentum, "momentum", low=0.0, high=1.0, high_open=True)
    x = initial_point(objective, x0)
    f, g = objective.value_and_grad(x)
    if mon.check(x, fun=f, grad=g, advance=False):
        return mon.finish()
    step = _initial_step(objective, x, learning_rate, g)
    x_prev = x
    while True:
        accepted = None
        if beta > 0.0 and x_prev is not x:
            x_new = x - step * g + beta * (x - x_prev)
            f_new, g_new = objective.value_and_grad(x_new)
            if np.isfinite(f_new) and f_new <= f + _ROUNDOFF * abs(f):
                accepted = x_new, f_new, g_new, step
        if accepted is None:
            accepted = _gradient_step(objective, x, f, g, step)
            if accepted is None:
                mon.fail("the line search could not find a decreasing step")
                break
        x_prev = x
        x, f, g, step = accepted
        if mon.check(x, fun=f, grad=g):
            break
    return mon.finish()


@register("nesterov", requires={"gradient"}, handles=set(),
          summary="Nesterov's accelerated gradient with backtracking and adaptive restart.")
def nesterov(
    objective: BaseObjective,
    x0=None,
    *,
    tol: float = 1e-6,
    max_iter: int = 10_000,
    time_limit: float | None = None,
    callback=None,
    learning_rate: float | None = None,
    restart: bool = True,
) -> Result:
    r"""Nesterov's accelerated gradient with backtracking and adaptive restart.

    .. math::

        x_{k+1} = y_k - \eta_k \nabla F(y_k), \quad
        t_{k+1} = \tfrac{1 + \sqrt{1 + 4 t_k^2}}{2}, \quad
        y_{k+1} = x_{k+1} + \tfrac{t_k - 1}{t_{k+1}} (x_{k+1} - x_k)

    [3]_ (FISTA's momentum sequence with no prox). The step backtracks on
    :math:`F(x_{k+1}) \le F(y_k) - \tfrac{\eta_k}{2}\|\nabla F(y_k)\|^2` and may grow by
    :math:`1/0.9` afterwards. The momentum is reset (:math:`t = 1`, :math:`y = x`) whenever
    :math:`F(x_{k+1}) > F(x_k)` or :math:`\nabla F(y_k)^\top (x_{k+1} - x_k) > 0` [4]_, which
    gives linear convergence on strongly convex problems without knowing the strong-convexity
    constant, at a rate close to :math:`1 - \sqrt{\mu/L}`.

    Parameters
    ----------
    objective, x0, tol, max_iter, time_limit, callback
        As for :func:`gd`.
    learning_rate : float, optional
        The first step; default :math:`1/L` (estimated when the objective does not know it).
    restart : bool, default True
        Adaptive restart of the momentum.

    Returns
    -------
    Result
    """
    mon = Monitor(objective, "nesterov", tol=tol, max_iter=max_iter, time_limit=time_limit,
                  callback=callback)
    learning_rate = _check_step(learning_rate)
    if not isinstance(restart, bool | np.bool_):
        raise TypeError(f"restart must be a bool, got {restart!r}.")
    x = initial_point(objective, x0)
    f, g = objective.value_and_grad(x)
    if mon.check(x, fun=f, grad=g, advance=False):
        return mon.finish()
    step = _initial_step(objective, x, learning_rate, g)
    y, fy, gy, t = x, f, g, 1.0
    while True:
        gg = float(gy @ gy)
        while step > 1e-300:
            x_new = y - step * gy
            f_new = objective.value(x_new)
            if np.isfinite(f_new) and _sufficient_decrease(fy, f_new, step, gg):
                break
            step *= 0.5
        else:
            mon.fail("the line search could not find a decreasing step")
            break
        if restart and (f_new > f or gy @ (x_new - x) > 0):
            t, y = 1.0, x_new
        else:
            t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
            y = x_new + ((t - 1.0) / t_new) * (x_new - x)
            t = t_new
        x, f = x_new, f_new
        if mon.check(x, fun=f):
            break
        step /= _GROWTH
        fy, gy = objective.value_and_grad(y)
    return mon.finish()


# -- stochastic methods -------------------------------------------------------------------------
class _StochasticGradient:
    """Where a stochastic solver gets its gradients: mini-batches of rows, or the full gradient.

    On a GLM objective (capability ``"minibatch"``) the gradient on a batch is the objective's
    unbiased mini-batch estimate of the datafit gradient plus the exact gradient of the L2
    penalty, which acts on the coefficients ``x[:n_coef]``. Anything else, or ``batch_size``
    ``None`` or at least the number of rows, gives full-gradient steps.
    """

    def __init__(self, objective: BaseObjective, batch_size: int | None) -> None:
        self.objective = objective
        n = objective.n_samples if "minibatch" in objective.capabilities else None
        self.full_batch = n is None or batch_size is None or batch_size >= n
        self.n_samples, self.batch_size = n, batch_size

    def batches(self, rng: np.random.Generator) -> Iterator[np.ndarray]:
        """The rows of one epoch: a random permutation cut into mini-batches."""
        order = rng.permutation(self.n_samples)
        for start in range(0, self.n_samples, self.batch_size):
            yield order[start : start + self.batch_size]

    def __call__(self, x: np.ndarray, rows: np.ndarray) -> np.ndarray:
        objective = self.objective
        _, g = objective.minibatch_value_and_grad(x, rows)
        penalty = getattr(objective, "penalty", None)
        if penalty is not None:
            g[: objective.n_coef] += penalty.grad(x[: objective.n_coef])
        return g


def _sgd_learning_rate(objective: BaseObjective, x: np.ndarray, batch_size: int | None) -> float:
    r"""``1/L(b)``, with :math:`L(b)` the expected smoothness of a mini-batch gradient.

    For batches of :math:`b` of :math:`n` rows drawn without replacement,
    :math:`L(b) = \frac{n (b-1)}{b (n-1)} L + \frac{n - b}{b (n-1)} L_{\max}` with :math:`L` the
    constant of the full gradient and :math:`L_{\max}` the largest per-row constant (Gower et al.,
    "SGD: general analysis and improved rates", ICML 2019): :math:`1/L` for full batches, down
    to :math:`1/L_{\max}` for single rows, where :math:`1/L` could diverge.
    """
    step = _initial_step(objective, x, None)
    oracle = _StochasticGradient(objective, batch_size)
    if oracle.full_batch or not isinstance(objective, Objective):
        return step
    X = objective.X_csr
    sq = np.asarray(X.multiply(X).sum(axis=1)).ravel() if sp.issparse(X) else np.einsum("ij,ij->i", X, X)
    l2 = objective.penalty.l2_weight
    n, b = objective.n_samples, batch_size
    L_max = objective.datafit.curvature * n * float(np.max(objective.s * (sq + objective.fit_intercept))) + l2
    L_b = (n * (b - 1) * (1.0 / step) + (n - b) * L_max) / (b * (n - 1))
    return 1.0 / max(L_b, 1.0 / step)


def _decay_mask(objective: BaseObjective, size: int) -> np.ndarray | None:
    """Which entries decoupled weight decay acts on: a GLM's coefficients, not its intercepts."""
    if not isinstance(objective, Objective):
        return None
    mask = np.zeros(size, dtype=bool)
    mask[: objective.n_coef] = True
    return mask


def _run_stochastic(objective, x0, *, name: str, make_transform: Callable, tol, max_iter,
                    time_limit, callback, random_state, learning_rate, default_learning_rate,
                    schedule, batch_size) -> Result:
    """The loop the stochastic solvers share; ``make_transform(x)`` builds their transformation."""
    mon = Monitor(objective, name, tol=tol, max_iter=max_iter, time_limit=time_limit,
                  callback=callback)
    rng = check_random_state(random_state)
    batch_size = check_int(batch_size, "batch_size", low=1, allow_none=True)
    if callable(schedule):
        if learning_rate is not None:
            raise ValueError(
                "learning_rate must be None when schedule is a callable (the schedule gives the rates); "
                f"got learning_rate={learning_rate!r}."
            )
        rate, base = schedule, 1.0
    else:
        # Every named schedule is proportional to its base rate: build it at rate 1 (which checks
        # the name before any work) and scale it once the default rate is known.
        rate = make_schedule(schedule, 1.0, n_steps=max(mon.max_iter, 1))
        base = _check_step(learning_rate)
    x = initial_point(objective, x0)
    if base is None:
        base = default_learning_rate(x) if callable(default_learning_rate) else default_learning_rate
    transform = make_transform(x)
    oracle = _StochasticGradient(objective, batch_size)
    if oracle.full_batch:
        f, g = objective.value_and_grad(x)
        stop = mon.check(x, fun=f, grad=g, advance=False)
    else:
        stop = mon.check(x, advance=False)
    if stop:
        return mon.finish()
    state = transform.init(x)
    epoch = 0
    while True:
        eta = base * rate(epoch)
        if oracle.full_batch:
            direction, state = transform.update(g, state, x)
            x = x - eta * direction
            f, g = objective.value_and_grad(x)
            stop = mon.check(x, fun=f, grad=g)
        else:
            for rows in oracle.batches(rng):
                direction, state = transform.update(oracle(x, rows), state, x)
                x = x - eta * direction
                if not np.all(np.isfinite(x)):
                    break
            stop = mon.check(x)
        if stop:
            break
        epoch += 1
    return mon.finish()


_STOCHASTIC_PARAMETERS = r"""objective : BaseObjective
        A smooth objective with a gradient (no L1 penalty or bounds). GLM objectives are
        sampled by mini-batches; others take full-gradient steps.
    x0 : array-like, optional
        Starting point.
    tol : float, default 1e-6
        Stop when the certificate (duality gap or gradient norm), checked once per epoch on the
        full objective, is at or under ``tol``.
    max_iter : int, default 1000
        Epochs.
    time_limit : float, optional
        Seconds.
    callback : callable, optional
        ``callback(result_so_far)`` once per epoch; raise ``StopIteration`` to stop.
    random_state : None, int or numpy Generator
        Seed of the shuffling; the same seed gives the same result.
    batch_size : int or None, default 32
        Rows per mini-batch; ``None`` (or at least the number of rows) for full-gradient steps.
        Ignored by objectives without mini-batch access.
    schedule : str or callable
        ``"constant"``, ``"inverse_scaling"``, ``"step"`` or ``"cosine"`` (over ``max_iter``
        epochs, see :func:`~optimlab.solvers.schedules.make_schedule`), or a callable
        ``epoch -> rate`` (then ``learning_rate`` must be None)."""


def _stochastic_doc(func):
    func.__doc__ = func.__doc__.replace("{parameters}", _STOCHASTIC_PARAMETERS)
    return func


def _check_betas(beta1, beta2, eps):
    return (check_real(beta1, "beta1", low=0.0, high=1.0, high_open=True),
            check_real(beta2, "beta2", low=0.0, high=1.0, high_open=True),
            check_real(eps, "eps", low=0.0, low_open=True))


@register("sgd", requires={"gradient"}, stochastic=True,
          summary="Mini-batch stochastic gradient descent, with optional (Nesterov) momentum.")
@_stochastic_doc
def sgd(
    objective: BaseObjective,
    x0=None,
    *,
    tol: float = 1e-6,
    max_iter: int = 1000,
    time_limit: float | None = None,
    callback=None,
    random_state=None,
    batch_size: int | None = 32,
    learning_rate: float | None = None,
    schedule="cosine",
    momentum: float = 0.0,
    nesterov: bool = False,
) -> Result:
    r"""Mini-batch stochastic gradient descent [5]_.

    .. math:: v \leftarrow \beta v + g, \qquad x \leftarrow x - \eta_t v
              \quad (\text{Nesterov: } x \leftarrow x - \eta_t (g + \beta v))

    with :math:`\beta` = ``momentum`` (0: plain SGD).

    Parameters
    ----------
    {parameters}
    learning_rate : float, optional
        Base rate :math:`\eta_0`; default :math:`(1 - \beta)/L(b)` with :math:`L(b)` the expected
        smoothness of a batch of ``batch_size`` rows (:math:`1/L` for full batches, :math:`L`
        estimated for user functions), under which the iteration is stable.
    schedule : default "cosine"
        Cosine annealing over ``max_iter`` epochs: a decaying rate is what takes SGD below its
        noise level (a constant rate stalls there); ``"inverse_scaling"`` (:math:`\eta_0/(1+t)`)
        works as well on GLMs.
    momentum : float, default 0.0
        :math:`\beta \in [0, 1)`.
    nesterov : bool, default False
        Nesterov's form of momentum.

    Returns
    -------
    Result
    """
    beta = check_real(momentum, "momentum", low=0.0, high=1.0, high_open=True)
    if not isinstance(nesterov, bool | np.bool_):
        raise TypeError(f"nesterov must be a bool, got {nesterov!r}.")

    def make_transform(x):
        return tx.scale_by_momentum(beta, nesterov=bool(nesterov)) if beta > 0 else tx.identity()

    return _run_stochastic(objective, x0, name="sgd", make_transform=make_transform, tol=tol,
                           max_iter=max_iter, time_limit=time_limit, callback=callback,
                           random_state=random_state, learning_rate=learning_rate,
                           default_learning_rate=lambda x: (1.0 - beta) * _sgd_learning_rate(
                               objective, x, batch_size),
                           schedule=schedule, batch_size=batch_size)


@register("adagrad", requires={"gradient"}, stochastic=True,
          summary="AdaGrad: per-coordinate rates from the sum of past squared gradients.")
@_stochastic_doc
def adagrad(
    objective: BaseObjective,
    x0=None,
    *,
    tol: float = 1e-6,
    max_iter: int = 1000,
    time_limit: float | None = None,
    callback=None,
    random_state=None,
    batch_size: int | None = 32,
    learning_rate: float | None = None,
    schedule="constant",
    eps: float = 1e-10,
) -> Result:
    r"""AdaGrad [6]_.

    .. math:: G \leftarrow G + g^2, \qquad x \leftarrow x - \eta_t\, g / (\sqrt{G} + \epsilon)

    Parameters
    ----------
    {parameters}
    learning_rate : float, optional
        Base rate, default 0.1: AdaGrad's first step moves each coordinate by the rate, which
        suits coefficients of order one (standardized features).
    schedule : default "constant"
        The growing sum :math:`G` already decays the rates like :math:`1/\sqrt{t}`.
    eps : float, default 1e-10

    Returns
    -------
    Result
    """
    eps = check_real(eps, "eps", low=0.0, low_open=True)
    return _run_stochastic(objective, x0, name="adagrad", make_transform=lambda x: tx.scale_by_adagrad(eps),
                           tol=tol, max_iter=max_iter, time_limit=time_limit, callback=callback,
                           random_state=random_state, learning_rate=learning_rate,
                           default_learning_rate=0.1, schedule=schedule, batch_size=batch_size)


@register("rmsprop", requires={"gradient"}, stochastic=True,
          summary="RMSProp: rates scaled by a running mean of squared gradients.")
@_stochastic_doc
def rmsprop(
    objective: BaseObjective,
    x0=None,
    *,
    tol: float = 1e-6,
    max_iter: int = 1000,
    time_limit: float | None = None,
    callback=None,
    random_state=None,
    batch_size: int | None = 32,
    learning_rate: float | None = None,
    schedule="cosine",
    beta2: float = 0.99,
    eps: float = 1e-8,
    momentum: float = 0.0,
) -> Result:
    r"""RMSProp [7]_, optionally with heavy-ball momentum on the scaled direction.

    .. math::

        \nu \leftarrow \beta_2 \nu + (1 - \beta_2) g^2, \quad
        v \leftarrow \beta v + g / (\sqrt{\nu} + \epsilon), \quad
        x \leftarrow x - \eta_t v

    Parameters
    ----------
    {parameters}
    learning_rate : float, optional
        Base rate, default 0.01.
    schedule : default "cosine"
        Cosine annealing over ``max_iter`` epochs, so that the per-coordinate steps (of size about
        :math:`\eta_t` whatever the gradient's scale) shrink and the iterates settle.
    beta2 : float, default 0.99
        Decay :math:`\beta_2 \in [0, 1)` of the running mean of squared gradients.
    eps : float, default 1e-8
    momentum : float, default 0.0
        :math:`\beta \in [0, 1)`.

    Returns
    -------
    Result
    """
    _, beta2, eps = _check_betas(0.0, beta2, eps)
    beta = check_real(momentum, "momentum", low=0.0, high=1.0, high_open=True)

    def make_transform(x):
        scale = tx.scale_by_rms(beta2, eps)
        return tx.chain(scale, tx.scale_by_momentum(beta)) if beta > 0 else scale

    return _run_stochastic(objective, x0, name="rmsprop", make_transform=make_transform, tol=tol,
                           max_iter=max_iter, time_limit=time_limit, callback=callback,
                           random_state=random_state, learning_rate=learning_rate,
                           default_learning_rate=0.01, schedule=schedule, batch_size=batch_size)


@register("adam", requires={"gradient"}, stochastic=True,
          summary="Adam: bias-corrected first and second moment estimates.")
@_stochastic_doc
def adam(
    objective: BaseObjective,
    x0=None,
    *,
    tol: float = 1e-6,
    max_iter: int = 1000,
    time_limit: float | None = None,
    callback=None,
    random_state=None,
    batch_size: int | None = 32,
    learning_rate: float | None = None,
    schedule="cosine",
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> Result:
    r"""Adam [8]_.

    .. math::

        m \leftarrow \beta_1 m + (1-\beta_1) g, \quad
        \nu \leftarrow \beta_2 \nu + (1-\beta_2) g^2, \quad
        x \leftarrow x - \eta_t \frac{m / (1 - \beta_1^k)}{\sqrt{\nu / (1 - \beta_2^k)} + \epsilon}

    Parameters
    ----------
    {parameters}
    learning_rate : float, optional
        Base rate, default 0.01 (the classical 1e-3 is tuned for deep networks and needs many
        more epochs to move GLM coefficients of order one).
    schedule : default "cosine"
        Cosine annealing over ``max_iter`` epochs: Adam's steps have size about :math:`\eta_t`
        whatever the gradient's scale, so a decaying rate is what lets the iterates settle in
        mini-batch mode. With full batches, ``"constant"`` converges too (linearly on GLMs).
    beta1, beta2 : float, default 0.9, 0.999
        Decays of the first and second moment estimates, in :math:`[0, 1)`.
    eps : float, default 1e-8

    Returns
    -------
    Result
    """
    beta1, beta2, eps = _check_betas(beta1, beta2, eps)
    return _run_stochastic(objective, x0, name="adam",
                           make_transform=lambda x: tx.scale_by_adam(beta1, beta2, eps), tol=tol,
                           max_iter=max_iter, time_limit=time_limit, callback=callback,
                           random_state=random_state, learning_rate=learning_rate,
                           default_learning_rate=0.01, schedule=schedule, batch_size=batch_size)


@register("adamw", requires={"gradient"}, stochastic=True,
          summary="AdamW: Adam with decoupled weight decay.")
@_stochastic_doc
def adamw(
    objective: BaseObjective,
    x0=None,
    *,
    tol: float = 1e-6,
    max_iter: int = 1000,
    time_limit: float | None = None,
    callback=None,
    random_state=None,
    batch_size: int | None = 32,
    learning_rate: float | None = None,
    schedule="cosine",
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 1e-2,
) -> Result:
    r"""AdamW: Adam with decoupled weight decay [9]_.

    .. math:: x \leftarrow x - \eta_t \big(d_{\text{Adam}}(g) + \lambda x\big)

    The decay :math:`\lambda` acts on the coefficients of a GLM (not its intercepts) and is
    *not* part of the objective: the objective's own L2 penalty is in :math:`g`. A fixed point
    of AdamW is a stationary point of the objective under the constraint
    :math:`\|x\|_\infty \le 1/\lambda` [10]_, so AdamW finds the objective's minimizer when its
    entries are under :math:`1/\lambda` in magnitude (100 by default), up to an
    :math:`O(\lambda \epsilon)` shift of the gradient.

    Parameters
    ----------
    {parameters}
    learning_rate, schedule, beta1, beta2, eps
        As for :func:`adam`.
    weight_decay : float, default 0.01
        :math:`\lambda \ge 0`.

    Returns
    -------
    Result
    """
    beta1, beta2, eps = _check_betas(beta1, beta2, eps)
    weight_decay = check_real(weight_decay, "weight_decay", low=0.0)

    def make_transform(x):
        return tx.chain(tx.scale_by_adam(beta1, beta2, eps),
                        tx.add_decayed_weights(weight_decay, _decay_mask(objective, x.size)))

    return _run_stochastic(objective, x0, name="adamw", make_transform=make_transform, tol=tol,
                           max_iter=max_iter, time_limit=time_limit, callback=callback,
                           random_state=random_state, learning_rate=learning_rate,
                           default_learning_rate=0.01, schedule=schedule, batch_size=batch_size)
