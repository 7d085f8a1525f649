"""Step-size pieces shared by the gradient-based solvers."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["probe_lipschitz"]


def probe_lipschitz(gradient: Callable[[np.ndarray], tuple[float, np.ndarray]], x: np.ndarray,
                    g: np.ndarray) -> float:
    r"""Estimate of the gradient's Lipschitz constant from one small probe step along ``g``.

    :math:`\|\nabla f(x + h) - \nabla f(x)\| / \|h\|` with :math:`h = 10^{-4} \max(1, \|x\|)\,
    g / \|g\|`, floored at ``1e-8``; 1 when ``g`` is zero. ``gradient(x)`` returns
    ``(value, gradient)``. Used where the objective knows no constant; line searches correct it.
    """
    gnorm = float(np.linalg.norm(g))
    if gnorm == 0.0:
        return 1.0
    h = 1e-4 * max(1.0, float(np.linalg.norm(x))) * g / gnorm
    _, g2 = gradient(x + h)
    return max(float(np.linalg.norm(g2 - g)) / float(np.linalg.norm(h)), 1e-8)
