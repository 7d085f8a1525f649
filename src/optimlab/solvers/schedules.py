r"""Learning-rate schedules: ``t -> learning rate`` for the first-order solvers.

A schedule is a function of the iteration index ``t = 0, 1, 2, ...`` (an *epoch* for the
stochastic solvers, so the rate is constant within a pass over the data), built by name with
:func:`make_schedule`. With :math:`\eta_0` the base ``learning_rate`` and :math:`T` = ``n_steps``:

* ``"constant"``: :math:`\eta_t = \eta_0`;
* ``"inverse_scaling"``: :math:`\eta_t = \eta_0 / (1 + \text{decay}\, t)^{\text{power}}`;
* ``"step"``: :math:`\eta_t = \eta_0\, \gamma^{\lfloor t / \text{step\_size} \rfloor}`;
* ``"cosine"``: :math:`\eta_t = \eta_0 \big(m + (1 - m)\tfrac{1}{2}(1 + \cos(\pi \min(t, T) / T))\big)`
  with :math:`m` = ``min_fraction``.

References
----------
.. [1] H. Robbins and S. Monro, "A stochastic approximation method", Annals of Mathematical
   Statistics 22(3), 1951 (decaying rates :math:`\sum \eta_t = \infty`, :math:`\sum \eta_t^2 < \infty`).
.. [2] I. Loshchilov and F. Hutter, "SGDR: Stochastic gradient descent with warm restarts",
   ICLR 2017 (cosine annealing).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from optimlab._validation import check_int, check_real

__all__ = ["SCHEDULES", "make_schedule"]

#: The schedule names :func:`make_schedule` knows.
SCHEDULES = ("constant", "inverse_scaling", "step", "cosine")


def make_schedule(
    schedule: str,
    learning_rate: float,
    *,
    n_steps: int,
    decay: float = 1.0,
    power: float = 1.0,
    step_size: int | None = None,
    gamma: float = 0.1,
    min_fraction: float = 0.0,
) -> Callable[[int], float]:
    r"""A learning-rate schedule ``t -> eta_t`` by name.

    Parameters
    ----------
    schedule : {"constant", "inverse_scaling", "step", "cosine"}
        The formula (see the module docstring).
    learning_rate : float
        The base rate :math:`\eta_0 > 0` (the rate at ``t = 0``).
    n_steps : int
        Length :math:`T` of the run (``max_iter`` for a solver); the cosine schedule anneals over
        it and the step schedule's default ``step_size`` is derived from it.
    decay, power : float, default 1.0
        For ``"inverse_scaling"``: :math:`\eta_0 / (1 + \text{decay}\, t)^{\text{power}}`.
        ``power = 1`` is the :math:`O(1/t)` rate of strongly convex stochastic approximation;
        ``power = 0.5`` decays more gently.
    step_size : int, optional
        For ``"step"``: multiply the rate by ``gamma`` every ``step_size`` steps
        (default ``max(1, n_steps // 4)``, i.e. three drops over the run).
    gamma : float, default 0.1
        For ``"step"``: the factor in :math:`(0, 1]`.
    min_fraction : float, default 0.0
        For ``"cosine"``: the final rate as a fraction of :math:`\eta_0`.

    Returns
    -------
    callable
        ``eta(t)`` for integer ``t >= 0``.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the known ones) or an out-of-range parameter.

    Examples
    --------
    >>> from optimlab.solvers.schedules import make_schedule
    >>> eta = make_schedule("inverse_scaling", 0.5, n_steps=100, decay=1.0, power=1.0)
    >>> eta(0), eta(1), eta(3)
    (0.5, 0.25, 0.125)
    """
    if not isinstance(schedule, str):
        raise TypeError(f"schedule must be a string, one of {list(SCHEDULES)}; got {schedule!r}.")
    name = schedule.lower()
    if name not in SCHEDULES:
        raise ValueError(f"Unknown schedule {schedule!r}; known schedules: {', '.join(SCHEDULES)}.")
    eta0 = check_real(learning_rate, "learning_rate", low=0.0, low_open=True)
    n_steps = check_int(n_steps, "n_steps", low=1)

    if name == "constant":
        return lambda t: eta0
    if name == "inverse_scaling":
        decay = check_real(decay, "decay", low=0.0)
        power = check_real(power, "power", low=0.0, low_open=True)
        return lambda t: eta0 / (1.0 + decay * t) ** power
    if name == "step":
        step_size = check_int(max(1, n_steps // 4) if step_size is None else step_size, "step_size", low=1)
        gamma = check_real(gamma, "gamma", low=0.0, high=1.0, low_open=True)
        return lambda t: eta0 * gamma ** (t // step_size)
    min_fraction = check_real(min_fraction, "min_fraction", low=0.0, high=1.0)

    def cosine(t: int) -> float:
        cos = 0.5 * (1.0 + math.cos(math.pi * min(t, n_steps) / n_steps))
        return eta0 * (min_fraction + (1.0 - min_fraction) * cos)

    return cosine
