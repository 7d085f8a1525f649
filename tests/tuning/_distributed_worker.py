"""A worker of a shared tuning study, for ``test_distributed.py``.

Run as a script, it is one worker process: it calls :func:`optimlab.tuning.tune` on the study
``STUDY`` of ``STORAGE`` until the study has ``N_TRIALS`` finished trials. Imported, it gives
the tests the same estimator, data and search space for in-process runs (and, through
``sys.path``, to the worker processes that ``tune(n_jobs=2)`` spawns).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path

from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.datasets import make_regression
from sklearn.linear_model import Ridge

CV = 2
_fits = 0  # fits done by this process (for ``hang_at``)


class ProbeRidge(RegressorMixin, BaseEstimator):
    """Ridge regression that takes its time and can report on its process.

    ``delay``: seconds slept in every fit. ``hang_at``: the ``hang_at``-th fit of this process
    (counting from 1) sleeps for an hour, so that a test can kill the worker in the middle of a
    trial. ``record``: a directory where every fit writes a JSON file with its process id and the
    thread limits it runs under (numba's and each threadpoolctl pool's).
    """

    def __init__(self, alpha=1.0, delay=0.0, hang_at=None, record=None):
        self.alpha = alpha
        self.delay = delay
        self.hang_at = hang_at
        self.record = record

    def fit(self, X, y):
        global _fits
        _fits += 1
        if self.record is not None:
            import numba
            from threadpoolctl import threadpool_info

            info = {"pid": os.getpid(), "numba": numba.get_num_threads(),
                    "pools": {f"{pool['internal_api']}:{pool['filepath']}": pool["num_threads"]
                              for pool in threadpool_info()}}
            Path(self.record, f"{os.getpid()}-{uuid.uuid4().hex}.json").write_text(json.dumps(info))
        time.sleep(3600.0 if self.hang_at is not None and _fits == self.hang_at else self.delay)
        self.ridge_ = Ridge(alpha=self.alpha).fit(X, y)
        return self

    def predict(self, X):
        return self.ridge_.predict(X)


def data():
    return make_regression(n_samples=60, n_features=4, noise=5.0, random_state=0)


def space():
    from optimlab.tuning import Float

    return {"alpha": Float(1e-3, 10.0, log=True)}


def run(storage, study_name, n_trials, *, delay=0.0, hang_at=None, record=None, n_jobs=1):
    """``tune`` on the shared study: random sampler seeded per trial, no pruner, no refit."""
    from optimlab.tuning import tune

    X, y = data()
    return tune(ProbeRidge(delay=delay, hang_at=hang_at, record=record), space(), X, y, cv=CV,
                n_trials=n_trials, sampler="random", pruner="none", storage=storage, study_name=study_name,
                random_state=0, refit=False, n_jobs=n_jobs)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("storage")
    parser.add_argument("study")
    parser.add_argument("n_trials", type=int)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--hang-at", type=int, default=None)
    parser.add_argument("--ready", help="file to create once imported")
    parser.add_argument("--go", help="file to wait for before starting")
    args = parser.parse_args(argv)
    import optimlab.tuning  # noqa: F401  (the slow imports, before the start line)

    if args.ready:
        Path(args.ready).touch()
    if args.go:
        deadline = time.monotonic() + 120.0
        while not Path(args.go).exists():
            if time.monotonic() > deadline:
                sys.exit("no go")
            time.sleep(0.02)
    run(args.storage, args.study, args.n_trials, delay=args.delay, hang_at=args.hang_at)


if __name__ == "__main__":
    main()
