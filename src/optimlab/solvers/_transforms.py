r"""Composable gradient transformations, after optax: the pieces the first-order solvers share.

A transformation is a pair of pure functions

* ``init(x) -> state``: a typed :class:`~typing.NamedTuple` state for iterate ``x``;
* ``update(g, state, x) -> (direction, state)``: turn a (stochastic) gradient ``g`` at ``x``
  into a *direction*, without changing ``state``, ``g`` or ``x`` in place.

A solver then steps :math:`x \leftarrow x - \eta_t\, d` with :math:`\eta_t` from its
learning-rate schedule (:mod:`optimlab.solvers.schedules`). Named methods are compositions
(:func:`chain`): Adam is ``scale_by_adam``, AdamW is
``chain(scale_by_adam(...), add_decayed_weights(wd))``, RMSProp with momentum is
``chain(scale_by_rms(...), scale_by_momentum(m))``, and so on, so the methods share one
implementation of each idea.

References
----------
.. [1] B. T. Polyak, "Some methods of speeding up the convergence of iteration methods",
   USSR Comp. Math. and Math. Physics 4(5), 1964 (heavy ball).
.. [2] I. Sutskever, J. Martens, G. Dahl and G. Hinton, "On the importance of initialization and
   momentum in deep learning", ICML 2013 (Nesterov momentum in this form).
.. [3] J. Duchi, E. Hazan and Y. Singer, "Adaptive subgradient methods for online learning and
   stochastic optimization", JMLR 12, 2011 (AdaGrad).
.. [4] T. Tieleman and G. Hinton, "Lecture 6.5 - RMSProp", COURSERA: Neural Networks for Machine
   Learning, 2012.
.. [5] D. P. Kingma and J. Ba, "Adam: a method for stochastic optimization", ICLR 2015.
.. [6] I. Loshchilov and F. Hutter, "Decoupled weight decay regularization", ICLR 2019 (AdamW).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "AdagradState",
    "AdamState",
    "EmptyState",
    "MomentumState",
    "RmsState",
    "Transform",
    "add_decayed_weights",
    "chain",
    "identity",
    "scale_by_adagrad",
    "scale_by_adam",
    "scale_by_momentum",
    "scale_by_rms",
]


class Transform(NamedTuple):
    """A gradient transformation: ``init(x) -> state``, ``update(g, state, x) -> (direction, state)``."""

    init: Callable[[np.ndarray], Any]
    update: Callable[[np.ndarray, Any, np.ndarray], tuple[np.ndarray, Any]]


class EmptyState(NamedTuple):
    """State of a stateless transformation."""


class MomentumState(NamedTuple):
    """Velocity :math:`v` of :func:`scale_by_momentum`."""

    velocity: np.ndarray


class RmsState(NamedTuple):
    """Running mean :math:`\\nu` of squared gradients (:func:`scale_by_rms`)."""

    nu: np.ndarray


class AdagradState(NamedTuple):
    """Running sum :math:`G` of squared gradients (:func:`scale_by_adagrad`)."""

    sum_of_squares: np.ndarray


class AdamState(NamedTuple):
    """Step count and first/second moment estimates of :func:`scale_by_adam`."""

    count: int
    mu: np.ndarray
    nu: np.ndarray


def identity() -> Transform:
    """The direction is the gradient (plain gradient descent)."""
    return Transform(lambda x: EmptyState(), lambda g, state, x: (g, state))


def scale_by_momentum(momentum: float = 0.9, *, nesterov: bool = False) -> Transform:
    r"""Heavy-ball or Nesterov momentum.

    .. math::

        v_{t+1} = \beta v_t + g_t, \qquad
        d_t = v_{t+1} \ \text{(heavy ball)} \quad\text{or}\quad d_t = g_t + \beta v_{t+1}
        \ \text{(Nesterov)}

    with :math:`\beta` = ``momentum``; :math:`x - \eta d` is then Polyak's heavy ball [1]_
    (resp. Nesterov's method in the form of [2]_).
    """

    def init(x):
        return MomentumState(np.zeros_like(x))

    def update(g, state, x):
        velocity = momentum * state.velocity + g
        direction = g + momentum * velocity if nesterov else velocity
        return direction, MomentumState(velocity)

    return Transform(init, update)


def scale_by_rms(decay: float = 0.9, eps: float = 1e-8) -> Transform:
    r"""Divide by the root of a running mean of squared gradients (RMSProp [4]_).

    .. math:: \nu_{t+1} = \rho \nu_t + (1 - \rho) g_t^2, \qquad d_t = g_t / (\sqrt{\nu_{t+1}} + \epsilon)

    with :math:`\rho` = ``decay``.
    """

    def init(x):
        return RmsState(np.zeros_like(x))

    def update(g, state, x):
        nu = decay * state.nu + (1.0 - decay) * (g * g)
        return g / (np.sqrt(nu) + eps), RmsState(nu)

    return Transform(init, update)


def scale_by_adagrad(eps: float = 1e-10, initial_accumulator: float = 0.0) -> Transform:
    r"""Divide by the root of the sum of all past squared gradients (AdaGrad [3]_).

    .. math:: G_{t+1} = G_t + g_t^2, \qquad d_t = g_t / (\sqrt{G_{t+1}} + \epsilon)
    """

    def init(x):
        return AdagradState(np.full_like(x, initial_accumulator))

    def update(g, state, x):
        total = state.sum_of_squares + g * g
        return g / (np.sqrt(total) + eps), AdagradState(total)

    return Transform(init, update)


def scale_by_adam(beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> Transform:
    r"""Adam's bias-corrected moment scaling [5]_.

    .. math::

        m_{t+1} = \beta_1 m_t + (1-\beta_1) g_t, \quad
        \nu_{t+1} = \beta_2 \nu_t + (1-\beta_2) g_t^2, \quad
        d_t = \frac{m_{t+1} / (1 - \beta_1^{t+1})}{\sqrt{\nu_{t+1} / (1 - \beta_2^{t+1})} + \epsilon}
    """

    def init(x):
        return AdamState(0, np.zeros_like(x), np.zeros_like(x))

    def update(g, state, x):
        count = state.count + 1
        mu = beta1 * state.mu + (1.0 - beta1) * g
        nu = beta2 * state.nu + (1.0 - beta2) * (g * g)
        mu_hat = mu / (1.0 - beta1**count)
        nu_hat = nu / (1.0 - beta2**count)
        return mu_hat / (np.sqrt(nu_hat) + eps), AdamState(count, mu, nu)

    return Transform(init, update)


def add_decayed_weights(weight_decay: float, mask: np.ndarray | None = None) -> Transform:
    r"""Add decoupled weight decay, :math:`d_t \leftarrow d_t + \lambda\, x_t` (AdamW [6]_).

    Placed after an adaptive scaling, the decay is not rescaled by it (hence "decoupled").

    Parameters
    ----------
    weight_decay : float
        :math:`\lambda \ge 0`.
    mask : ndarray of bool, optional
        The entries that decay (e.g. the coefficients of a GLM, not its intercept); all by default.
    """

    def update(g, state, x):
        decay = weight_decay * x if mask is None else np.where(mask, weight_decay * x, 0.0)
        return g + decay, state

    return Transform(lambda x: EmptyState(), update)


def chain(*transforms: Transform) -> Transform:
    """Apply ``transforms`` in order; the state is the tuple of their states."""

    def init(x):
        return tuple(t.init(x) for t in transforms)

    def update(g, state, x):
        new_states = []
        for transform, sub in zip(transforms, state, strict=True):
            g, sub = transform.update(g, sub, x)
            new_states.append(sub)
        return g, tuple(new_states)

    return Transform(init, update)
