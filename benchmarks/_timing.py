"""Shared timing helpers for the benchmarks: medians after a warm-up, and time to a target accuracy."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Timing", "median_time", "time_to_target", "warmed_median_time"]


def median_time(run: Callable[[], object], repeats: int) -> tuple[float, object]:
    """Median wall-clock seconds of ``repeats`` calls of ``run`` (the caller has warmed it up)."""
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), out


def warmed_median_time(run: Callable[[], object], repeats: int) -> tuple[float, object]:
    """:func:`median_time` after one untimed call (numba compilation, caches)."""
    run()
    return median_time(run, repeats)


@dataclass
class Timing:
    """Time for one solver to reach the target; ``seconds`` is NaN when no tolerance reached it."""

    seconds: float
    tol: float
    subopt: float

    @property
    def met(self) -> bool:
        return bool(np.isfinite(self.seconds))


def time_to_target(
    run: Callable[[float], object],
    subopt: Callable[[object], float],
    tols: Sequence[float],
    *,
    target: float,
    repeats: int,
    budget: float,
) -> Timing:
    """Median time of the first run (tolerances tried loosest first) whose suboptimality meets ``target``.

    ``run(tol)`` fits once and returns what ``subopt`` turns into a relative suboptimality. The
    first call at each tolerance is the warm-up (and the check); only a tolerance that meets the
    target is then timed ``repeats`` times, except a run longer than a quarter of ``budget``,
    whose one (warm) time is kept, so that slow solvers do not take minutes. Tolerances stop
    being tried once one run takes more than ``budget`` seconds, so that a slow solver does not
    hold the whole script.
    """
    last = np.inf
    for tol in tols:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            out = run(tol)
            elapsed = time.perf_counter() - start
            last = subopt(out)
            if last <= target:
                if elapsed > budget / 4:
                    return Timing(elapsed, tol, last)
                seconds, out = median_time(lambda tol=tol: run(tol), repeats)
                return Timing(seconds, tol, subopt(out))
        if elapsed > budget:
            break
    return Timing(float("nan"), float("nan"), last)
