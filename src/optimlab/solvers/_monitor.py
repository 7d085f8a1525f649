"""The loop bookkeeping every solver shares: certificate, history, callback, stopping, Result."""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Callable

import numpy as np

from optimlab._validation import check_int, check_real
from optimlab.exceptions import ConvergenceWarning
from optimlab.objectives.objective import BaseObjective
from optimlab.result import STATUS_MESSAGES, History, Result, Status

__all__ = ["Monitor"]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _caller_stacklevel() -> int:
    """Stack level of the first frame outside optimlab, so warnings point at the user's code."""
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    return level


class Monitor:
    """Tracks one solver run; the solver calls :meth:`check` once per iteration.

    ``check`` evaluates the objective and the certificate at the new iterate, records the
    history, calls the user's callback and decides whether to stop: on the certificate
    (``certificate <= tol``), ``max_iter``, ``time_limit``, a non-finite iterate, or a
    ``StopIteration`` from the callback. :meth:`finish` builds the :class:`~optimlab.Result`;
    ``success`` is set from the certificate and nothing else.
    """

    def __init__(
        self,
        objective: BaseObjective,
        solver: str,
        *,
        tol: float,
        max_iter: int,
        time_limit: float | None,
        callback: Callable | None,
    ) -> None:
        self.objective = objective
        self.solver = solver
        self.tol = check_real(tol, "tol", low=0.0)
        self.max_iter = check_int(max_iter, "max_iter", low=0)
        self.time_limit = check_real(time_limit, "time_limit", low=0.0, low_open=True,
                                     allow_none=True)
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable, got {callback!r}.")
        self.callback = callback
        self.history = History()
        self.n_iter = 0
        self.status: int | None = None
        self.detail = ""
        self._fev0 = objective.n_fev
        self._t0 = time.perf_counter()
        self._x = None
        self._fun = np.inf
        self._cert = np.inf

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self._t0

    def check(self, x: np.ndarray, *, fun: float | None = None, grad: np.ndarray | None = None,
              certificate: float | None = None, advance: bool = True) -> bool:
        """Record iterate ``x``; return True when the solver must stop.

        Parameters
        ----------
        x : ndarray
            The current iterate (it is copied).
        fun, grad, certificate : optional
            Values the solver already has at ``x`` (full objective, full gradient for smooth
            objectives, certificate), to save an evaluation.
        advance : bool
            False for the starting point (iteration 0).
        """
        if advance:
            self.n_iter += 1
        obj = self.objective
        if not np.all(np.isfinite(x)):
            self.status = Status.NUMERICAL
            self.detail = "the iterate has non-finite entries"
            return True
        if fun is None:
            fun = obj.value(x)
        if certificate is None:
            certificate = obj.certificate(x, grad=grad)
        if not (np.isfinite(fun) and np.isfinite(certificate)):
            self.status = Status.NUMERICAL
            self.detail = "the objective or the certificate is not finite"
            return True
        self._x = np.array(x, copy=True)
        self._fun, self._cert = float(fun), float(certificate)
        self.history.append(self.n_iter, self.elapsed, self._fun, self._cert)
        if self._cert <= self.tol:
            self.status = Status.CONVERGED
            return True
        if self.callback is not None and advance:
            try:
                self.callback(self._result(Status.MAX_ITER, "running"))
            except StopIteration:
                self.status = Status.CALLBACK
                return True
        if self.time_limit is not None and self.elapsed >= self.time_limit:
            self.status = Status.TIME_LIMIT
            return True
        if self.n_iter >= self.max_iter:
            self.status = Status.MAX_ITER
            return True
        return False

    def fail(self, detail: str) -> None:
        """Mark the run as failed numerically (e.g. a line search that cannot progress)."""
        self.status = Status.NUMERICAL
        self.detail = detail

    def stall(self, detail: str) -> None:
        """Mark the run as stopped without progress (e.g. the line search is at machine precision)."""
        self.status = Status.NOT_CERTIFIED
        self.detail = detail

    def _result(self, status: int, message: str) -> Result:
        return Result(
            x=self._x,
            fun=self._fun,
            success=bool(self._cert <= self.tol),
            status=status,
            message=message,
            n_iter=self.n_iter,
            n_fev=self.objective.n_fev - self._fev0,
            certificate=self._cert,
            certificate_kind=self.objective.certificate_kind,
            solver=self.solver,
            time=self.elapsed,
            history=self.history,
            tol=self.tol,
        )

    def finish(self, *, warn: bool = True) -> Result:
        """Build the Result from the last recorded iterate; warn when it is not certified."""
        if self._x is None:
            raise FloatingPointError(
                f"{self.solver}: the starting point gives a non-finite objective or certificate; "
                "check x0 and the data."
            )
        status = Status.MAX_ITER if self.status is None else self.status
        if self._cert <= self.tol:
            status = Status.CONVERGED
        message = STATUS_MESSAGES[status]
        if self.detail:
            message = f"{message} ({self.detail})"
        result = self._result(status, message)
        result.history = self.history.freeze()
        if warn and not result.success and status != Status.CALLBACK:
            warnings.warn(
                f"{self.solver} stopped with certificate {result.certificate:.3e} > tol={self.tol:.1e} "
                f"after {result.n_iter} iterations: {message}",
                ConvergenceWarning,
                stacklevel=_caller_stacklevel(),
            )
        return result
