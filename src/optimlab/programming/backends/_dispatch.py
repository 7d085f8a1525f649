"""The backend registry, the options every backend understands, and ``backend="auto"``."""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..problem import Problem
from ..solution import BackendOutput, Solution, SolutionStatus, finish

__all__ = ["BACKENDS", "BackendSpec", "SolveOptions", "available_backends", "solve_problem"]


@dataclass(frozen=True)
class SolveOptions:
    """Options shared by every backend.

    Attributes
    ----------
    time_limit : float or None
        Wall-clock limit in seconds.
    mip_gap : float or None
        Relative MIP gap at which to stop (None: the backend's default; 0 for a proven optimum).
    tol : float or None
        Primal and dual feasibility tolerance asked of the backend (relative where the backend's
        tolerances are relative); None keeps each backend's own default (HiGHS 1e-7 absolute on
        the scaled problem; PIQP, Clarabel and OSQP as set in ``backends/qp.py``).
    max_iter : int or None
        Iteration limit (None: the backend's default).
    verbose : bool
        Let the backend print its log.
    extra : dict
        Backend-specific options, passed through by name.
    """

    time_limit: float | None = None
    mip_gap: float | None = None
    tol: float | None = None
    max_iter: int | None = None
    verbose: bool = False
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class BackendSpec:
    """A registered backend: where its solve function lives and which kinds it handles."""

    name: str
    module: str
    function: str
    kinds: frozenset[str]
    package: str

    def load(self) -> Callable[..., BackendOutput]:
        try:
            importlib.import_module(self.package)
        except ImportError as exc:
            raise ImportError(
                f"Backend {self.name!r} needs the package {self.package!r}: "
                f"pip install {self.package} (or pip install 'optimlab[qp]')."
            ) from exc
        module = importlib.import_module(self.module, package=__package__)
        return getattr(module, self.function)

    def available(self) -> bool:
        try:
            importlib.import_module(self.package)
        except ImportError:
            return False
        return True


BACKENDS: dict[str, BackendSpec] = {
    "highs": BackendSpec("highs", ".highs", "solve_highs", frozenset({"lp", "milp", "qp"}), "highspy"),
    "piqp": BackendSpec("piqp", ".qp", "solve_piqp", frozenset({"lp", "qp"}), "piqp"),
    "clarabel": BackendSpec("clarabel", ".qp", "solve_clarabel", frozenset({"lp", "qp"}), "clarabel"),
    "osqp": BackendSpec("osqp", ".qp", "solve_osqp", frozenset({"lp", "qp"}), "osqp"),
}

#: Order in which ``backend="auto"`` tries backends, per problem kind.
AUTO_ORDER: dict[str, tuple[str, ...]] = {
    "lp": ("highs", "piqp", "clarabel"),
    "milp": ("highs",),
    "qp": ("piqp", "highs", "clarabel", "osqp"),
    "miqp": (),
}

#: Relative certificate level under which an "optimal" answer is accepted by ``auto``.
AUTO_ACCEPT_TOL = 1e-6


def available_backends() -> list[str]:
    """Names of the registered backends whose package is installed."""
    return [name for name, spec in BACKENDS.items() if spec.available()]


def _run(spec: BackendSpec, problem: Problem, options: SolveOptions, warm) -> Solution:
    func = spec.load()
    start = time.perf_counter()
    out = func(problem, options, warm)
    if not out.time:
        out.time = time.perf_counter() - start
    return finish(problem, out)


def _acceptable(sol: Solution) -> bool:
    if sol.status != SolutionStatus.OPTIMAL:
        return sol.status in (SolutionStatus.INFEASIBLE, SolutionStatus.UNBOUNDED)
    return sol.certificate is not None and sol.certificate.ok(AUTO_ACCEPT_TOL)


def _rank(sol: Solution) -> tuple:
    """Sort key among the answers of several backends: optimal and best certified first."""
    cert = sol.certificate
    worst = np.inf
    if cert is not None:
        worst = max(m for m in (cert.rel_primal_residual, cert.rel_dual_residual, cert.gap, 0.0)
                    if not np.isnan(m))
    return (sol.status != SolutionStatus.OPTIMAL, worst)


def solve_problem(
    problem: Problem,
    *,
    backend: str = "auto",
    options: SolveOptions | None = None,
    warm=None,
) -> Solution:
    """Solve ``problem`` with one backend, or with ``"auto"``: by problem kind, with fallback.

    ``auto`` tries the backends of :data:`AUTO_ORDER` that are installed and handle the problem's
    kind, in order, and stops at the first answer that is certified (relative residuals and gap
    under ``1e-6``) or a definite infeasible/unbounded status. Otherwise (numerical trouble, an
    iteration limit, an uncertified "optimal") it goes on, and returns the best answer seen; the
    backends it left are listed in ``Solution.fallbacks``. A time limit applies to each attempt.
    """
    options = options or SolveOptions()
    kind = problem.kind
    if backend != "auto":
        if backend not in BACKENDS:
            raise ValueError(f"Unknown backend {backend!r}; expected 'auto' or one of {sorted(BACKENDS)}.")
        spec = BACKENDS[backend]
        if kind not in spec.kinds:
            raise ValueError(
                f"Backend {backend!r} cannot solve a {kind.upper()} (it handles "
                f"{', '.join(sorted(k.upper() for k in spec.kinds))}); use backend='auto'."
            )
        return _run(spec, problem, options, warm)

    order = [name for name in AUTO_ORDER.get(kind, ()) if BACKENDS[name].available()]
    if not order:
        raise ValueError(
            f"No installed backend solves a {kind.upper()} problem"
            + (" (mixed-integer quadratic programs are not supported)." if kind == "miqp" else ".")
        )
    tried: list[Solution] = []
    notes: list[str] = []
    for i, name in enumerate(order):
        sol = _run(BACKENDS[name], problem, options, warm if i == 0 else None)
        if _acceptable(sol):
            sol.fallbacks = notes
            return sol
        tried.append(sol)
        notes.append(f"{name}: {sol.status.value}" + (
            "" if sol.certificate is None or sol.status != SolutionStatus.OPTIMAL
            else f" (certificate rel. primal {sol.certificate.rel_primal_residual:.1e}, "
            f"dual {sol.certificate.rel_dual_residual:.1e}, gap {sol.certificate.gap:.1e})"
        ))
    best = min(tried, key=_rank)
    best.fallbacks = [n for n in notes if not n.startswith(best.backend + ":")]
    return best
