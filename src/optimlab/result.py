"""The one result type returned by every solver and every front-end."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["STATUS_MESSAGES", "History", "Result", "Status"]


class Status:
    """Status codes shared by every solver (the ``status`` field of :class:`Result`)."""

    CONVERGED = 0
    MAX_ITER = 1
    TIME_LIMIT = 2
    CALLBACK = 3
    NUMERICAL = 4
    NOT_CERTIFIED = 5


#: One table of messages, indexed by status code.
STATUS_MESSAGES = {
    Status.CONVERGED: "Converged: the optimality certificate is at or under tol.",
    Status.MAX_ITER: (
        "Maximum number of iterations reached before the certificate fell under tol. "
        "Increase max_iter, scale the data, or try another solver."
    ),
    Status.TIME_LIMIT: "Time limit reached before the certificate fell under tol.",
    Status.CALLBACK: "Stopped by the callback (StopIteration).",
    Status.NUMERICAL: (
        "Numerical failure: the iterates or the objective became non-finite or the line "
        "search could not make progress. Scale the data or lower the learning rate."
    ),
    Status.NOT_CERTIFIED: (
        "The method stopped, but its certificate is above tol: the point is not certified optimal."
    ),
}


@dataclass
class History:
    """Convergence history, one entry per iteration (entry 0 is the starting point).

    Attributes
    ----------
    iteration, time, fun, certificate : ndarray
        Iteration number, seconds since the start, objective value and optimality certificate.
    metrics : dict of str to ndarray
        Further per-iteration measures, aligned with ``iteration`` (for example the validation
        metrics of a recommender, ``"val_rmse"``); empty for most solvers. An iteration where a
        measure was not taken holds NaN.
    """

    iteration: list = field(default_factory=list)
    time: list = field(default_factory=list)
    fun: list = field(default_factory=list)
    certificate: list = field(default_factory=list)
    metrics: dict = field(default_factory=dict)

    def append(self, iteration: int, time: float, fun: float, certificate: float,
               metrics: dict | None = None) -> None:
        n = len(self.iteration)
        self.iteration.append(int(iteration))
        self.time.append(float(time))
        self.fun.append(float(fun))
        self.certificate.append(float(certificate))
        for name in metrics or {}:
            self.metrics.setdefault(name, [np.nan] * n)
        for name, column in self.metrics.items():
            column.append(float((metrics or {}).get(name, np.nan)))

    def freeze(self) -> History:
        """Return a copy whose columns are NumPy arrays."""
        return History(
            iteration=np.asarray(self.iteration, dtype=np.int64),
            time=np.asarray(self.time, dtype=float),
            fun=np.asarray(self.fun, dtype=float),
            certificate=np.asarray(self.certificate, dtype=float),
            metrics={name: np.asarray(column, dtype=float) for name, column in self.metrics.items()},
        )

    def __len__(self) -> int:
        return len(self.iteration)

    def as_dict(self) -> dict[str, np.ndarray]:
        """The history as a dict of arrays (ready for ``pandas.DataFrame``)."""
        frozen = self.freeze()
        return {
            "iteration": frozen.iteration,
            "time": frozen.time,
            "fun": frozen.fun,
            "certificate": frozen.certificate,
            **frozen.metrics,
        }


@dataclass
class Result:
    """What a solver found, how good it is, and how it got there.

    Every solver and front-end returns this type, always with every field.

    Attributes
    ----------
    x : ndarray
        The solution. For GLM objectives, the coefficients followed by the intercept(s)
        (see :meth:`optimlab.objectives.Objective.split`).
    fun : float
        Objective value at ``x``.
    success : bool
        True exactly when ``certificate <= tol``. Never set from anything else.
    status : int
        A code from :class:`Status`.
    message : str
        Human-readable explanation of ``status``.
    n_iter : int
        Iterations (epochs for stochastic solvers).
    n_fev : int
        Evaluations of the objective (value and/or gradient over the full data).
    certificate : float
        Optimality certificate at ``x``: the duality gap where the problem has a computable
        dual, otherwise the norm of the minimum-norm subgradient (projected gradient, or
        KKT residual for constrained problems).
    certificate_kind : str
        ``"duality_gap"``, ``"gradient_norm"``, ``"projected_gradient_norm"`` or ``"kkt_residual"``.
    solver : str
        Name of the solver that produced the result.
    time : float
        Wall-clock seconds.
    history : History
        Per-iteration time, objective and certificate.
    tol : float
        The tolerance the certificate was compared with.
    """

    x: np.ndarray
    fun: float
    success: bool
    status: int
    message: str
    n_iter: int
    n_fev: int
    certificate: float
    certificate_kind: str
    solver: str
    time: float
    history: History
    tol: float

    def __repr__(self) -> str:
        x = np.asarray(self.x)
        shown = np.array2string(x, threshold=8, precision=6) if x.ndim else repr(x)
        lines = [
            f"   solver: {self.solver}",
            f"  success: {self.success}",
            f"   status: {self.status}",
            f"  message: {self.message}",
            f"      fun: {self.fun:.10g}",
            f"certificate: {self.certificate:.3e} ({self.certificate_kind}, tol={self.tol:.1e})",
            f"   n_iter: {self.n_iter}",
            f"    n_fev: {self.n_fev}",
            f"     time: {self.time:.4g} s",
            f"        x: {shown}",
        ]
        return "Result(\n" + "\n".join("  " + line for line in lines) + "\n)"

    def __getitem__(self, key: str):
        """Dict-style access (``res["x"]``), as with scipy's ``OptimizeResult``."""
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None
