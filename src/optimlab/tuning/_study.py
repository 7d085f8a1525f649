"""The Optuna side of tuning: storages, samplers, pruners, and the worker loop shared by processes.

Optuna does the searching (samplers), the early stopping (pruners) and the bookkeeping
(storages); this module only builds them from names and runs the loop every worker runs, so
that several processes, on one machine or many, finish a study with exactly ``n_trials``
finished trials:

- before each trial a worker counts the finished (complete or pruned) and running trials and
  stops when the running ones will reach the target; a trial that finds, once created, that
  ``n_trials`` trials with smaller numbers are finished or running gives way (it is recorded as
  failed with the user attribute ``surplus``), which settles the race of two workers asking at
  the same instant;
- a trial whose worker died is marked failed and re-queued with the same parameters (Optuna's
  :class:`~optuna.storages.RetryHeartbeatStaleTrialCallback`): through Optuna's heartbeat for SQL
  storages (the other machines' workers), and at once for a worker of this machine whose
  process is gone (every storage, journal files included, which have no heartbeat).
"""

from __future__ import annotations

import contextlib
import copy
import os
import socket
import threading
import time
import warnings
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import optuna
from optuna.storages import BaseStorage, InMemoryStorage, RDBStorage, RetryHeartbeatStaleTrialCallback
from optuna.trial import TrialState

__all__ = [
    "FINISHED",
    "PRUNERS",
    "SAMPLERS",
    "Surplus",
    "make_pruner",
    "make_sampler",
    "open_storage",
    "pin_threads",
    "run_worker",
]

#: The trial states that count towards ``n_trials``.
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
SAMPLERS = ("tpe", "random", "grid", "cmaes", "qmc")
PRUNERS = ("median", "halving", "hyperband", "none")
#: Heartbeat of SQL storages opened from a URL: a trial silent for GRACE seconds is failed.
HEARTBEAT_INTERVAL = 10
GRACE_PERIOD = 60
MAX_RETRY = 3
WORKER_ATTR = "worker"


class Surplus(Exception):
    """Raised by a trial created after enough trials were already finished or running."""


# -- storages ---------------------------------------------------------------------------------
def open_storage(storage) -> BaseStorage:
    """An Optuna storage from None (in memory), a URL, a journal file, or a storage object.

    ``sqlite:///path`` and ``postgresql://user@host/db`` (any SQLAlchemy URL) open an
    :class:`~optuna.storages.RDBStorage` with a heartbeat, so that trials of dead workers are
    failed and retried; ``journal:///path``, or a path ending in ``.log``, ``.journal`` or
    ``.jsonl``, opens a journal file shared through file locks (NFS included).
    """
    if storage is None or (isinstance(storage, str) and storage in ("memory", ":memory:")):
        return InMemoryStorage()
    if isinstance(storage, BaseStorage):
        return storage
    if not isinstance(storage, str | os.PathLike):
        raise TypeError(
            f"storage must be None, a URL, a journal file path or an Optuna storage, got {storage!r}."
        )
    text = os.fspath(storage)
    journal = None
    if text.startswith("journal://"):
        journal = text.removeprefix("journal://")  # journal:///abs/path or journal://relative/path
    elif text.endswith((".log", ".journal", ".jsonl")) and "://" not in text:
        journal = text
    if journal is not None:
        from optuna.storages.journal import JournalFileBackend, JournalStorage

        return JournalStorage(JournalFileBackend(journal))
    if "://" not in text:
        raise ValueError(
            f"storage {text!r} is neither a database URL (sqlite:///study.db, postgresql://user@host/db) "
            "nor a journal file (journal:///path/study.log or a path ending in .log)."
        )
    try:
        return _open_rdb(database_url(text))
    except ImportError as error:
        raise ImportError(
            f"storage {text!r} needs a database driver that is not installed ({error}); for PostgreSQL "
            "install optimlab[postgres] (psycopg2)."
        ) from error


def database_url(url: str) -> str:
    """``url`` with an installed PostgreSQL driver named when it names none.

    ``postgresql://`` means psycopg2 to SQLAlchemy before 2.1 and psycopg (3) from 2.1 on; name the
    one that is installed (psycopg2 first: what ``optimlab[postgres]`` installs).
    """
    import importlib.util

    scheme, sep, rest = url.partition("://")
    if scheme != "postgresql":
        return url
    for module in ("psycopg2", "psycopg"):
        if importlib.util.find_spec(module) is not None:
            return f"postgresql+{module}{sep}{rest}"
    return url


def _open_rdb(url: str, attempts: int = 5) -> RDBStorage:
    """An RDBStorage with a heartbeat; retried while another worker is creating the tables.

    Workers started together on an empty database all create Optuna's tables, and all but one
    fail on a table or row that appeared meanwhile (optuna/optuna#1092); once the tables are
    there, opening the storage only checks them.
    """
    from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

    def rdb():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return RDBStorage(url, heartbeat_interval=HEARTBEAT_INTERVAL, grace_period=GRACE_PERIOD,
                              heartbeat_stale_trial_callback=_retry())

    for attempt in range(attempts - 1):
        try:
            return rdb()
        except (OperationalError, ProgrammingError, IntegrityError):
            time.sleep(0.1 * (attempt + 1))
    return rdb()


def shareable(storage: BaseStorage) -> bool:
    """Whether other processes can open the storage (not in memory)."""
    return not isinstance(storage, InMemoryStorage)


class _Retry(RetryHeartbeatStaleTrialCallback):
    """Optuna's re-queueing, minus the dead worker's name: the re-run, running with it before its
    new worker writes its own, would be taken for a trial of the dead worker and failed again."""

    def __call__(self, study, trial) -> None:
        trial = copy.deepcopy(trial)
        trial.user_attrs = {key: value for key, value in trial.user_attrs.items() if key != WORKER_ATTR}
        super().__call__(study, trial)


def _retry() -> RetryHeartbeatStaleTrialCallback:
    """Optuna's re-queueing of a failed trial (same parameters; ``failed_trial`` records the original)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return _Retry(max_retry=MAX_RETRY)


# -- samplers and pruners ------------------------------------------------------------------------
class _TrialSeeded(optuna.samplers.BaseSampler):
    """A sampler re-created for every trial with a seed drawn from (seed, trial number).

    Trial ``k`` then samples the same parameters given the same history, whichever process runs
    it: sequential runs are reproducible, and two workers of one study, running different trial
    numbers, never draw the same random start-up points.
    """

    def __init__(self, factory: Callable[[int | None], optuna.samplers.BaseSampler], seed: int):
        self._factory = factory
        self._seed = seed
        self._local = threading.local()

    def __getstate__(self):
        return {"_factory": self._factory, "_seed": self._seed}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._local = threading.local()

    def _inner(self) -> optuna.samplers.BaseSampler:
        inner = getattr(self._local, "sampler", None)
        if inner is None:
            inner = self._local.sampler = self._factory(self._seed)
        return inner

    def before_trial(self, study, trial):
        seed = int(np.random.SeedSequence([self._seed, trial.number]).generate_state(1)[0])
        self._local.sampler = self._factory(seed)
        self._local.sampler.before_trial(study, trial)

    def infer_relative_search_space(self, study, trial):
        return self._inner().infer_relative_search_space(study, trial)

    def sample_relative(self, study, trial, search_space):
        return self._inner().sample_relative(study, trial, search_space)

    def sample_independent(self, study, trial, param_name, param_distribution):
        return self._inner().sample_independent(study, trial, param_name, param_distribution)

    def after_trial(self, study, trial, state, values):
        self._inner().after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        """Seeds come from the trial numbers; nothing to reseed."""


class _SamplerFactory:
    """``factory(seed) -> sampler`` for a sampler name (a class, so that worker processes get it)."""

    def __init__(self, name: str, grid: dict | None):
        if name not in SAMPLERS:
            raise ValueError(
                f"Unknown sampler {name!r}; use one of {', '.join(SAMPLERS)} or an Optuna sampler."
            )
        if name == "cmaes":
            try:
                import cmaes  # noqa: F401
            except ImportError as error:
                raise ImportError("sampler='cmaes' needs the cmaes package: pip install cmaes.") from error
        self.name, self.grid = name, grid

    def __call__(self, seed: int | None) -> optuna.samplers.BaseSampler:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            if self.name == "tpe":
                # multivariate TPE models alpha and l1_ratio (or learning rate and batch size)
                # jointly; group=True keeps it exact on conditional spaces.
                return optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True)
            if self.name == "random":
                return optuna.samplers.RandomSampler(seed=seed)
            if self.name == "grid":
                return optuna.samplers.GridSampler(self.grid, seed=seed)
            if self.name == "qmc":
                return optuna.samplers.QMCSampler(seed=seed)
            return optuna.samplers.CmaEsSampler(seed=seed)


def make_sampler(sampler, seed: int | None, grid: Callable[[], dict] | None = None):
    """An Optuna sampler from a name of :data:`SAMPLERS` or an Optuna sampler (used as given)."""
    if isinstance(sampler, optuna.samplers.BaseSampler):
        return sampler
    if not isinstance(sampler, str):
        raise TypeError(
            f"sampler must be a name ({', '.join(SAMPLERS)}) or an Optuna sampler, got {sampler!r}."
        )
    factory = _SamplerFactory(sampler, grid() if sampler == "grid" else None)
    if sampler == "grid":
        # The grid's order is shuffled by the seed, and grid ids recorded in the storage index
        # that order: every worker must use one sampler with the same seed.
        return factory(0 if seed is None else seed)
    return factory(None) if seed is None else _TrialSeeded(factory, seed)


def make_pruner(pruner) -> optuna.pruners.BasePruner:
    """An Optuna pruner from a name of :data:`PRUNERS` (or None) or an Optuna pruner.

    ``"median"``: stop a trial whose running score is worse than the median of earlier trials at
    the same step (after 5 trials); ``"halving"``: asynchronous successive halving;
    ``"hyperband"``: Hyperband over successive-halving brackets; ``"none"``: never.
    """
    if isinstance(pruner, optuna.pruners.BasePruner):
        return pruner
    if pruner is None or pruner == "none":
        return optuna.pruners.NopPruner()
    if pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=0)
    if pruner == "halving":
        return optuna.pruners.SuccessiveHalvingPruner()
    if pruner == "hyperband":
        return optuna.pruners.HyperbandPruner()
    raise ValueError(f"Unknown pruner {pruner!r}; use one of {', '.join(PRUNERS)} or an Optuna pruner.")


# -- threads ----------------------------------------------------------------------------------
@contextlib.contextmanager
def pin_threads(threads: int | None):
    """Limit BLAS/OpenMP (threadpoolctl) and numba threads to ``threads`` inside the block."""
    if threads is None:
        yield
        return
    import numba
    from threadpoolctl import threadpool_limits

    previous = numba.get_num_threads()
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    try:
        with threadpool_limits(limits=threads):
            yield
    finally:
        numba.set_num_threads(previous)


# -- dead workers -------------------------------------------------------------------------------
def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:  # a killed child its parent has not reaped yet is a zombie: gone all the same
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def reap_dead_workers(study: optuna.Study) -> list[int]:
    """Fail (and re-queue) the running trials of processes of this machine that no longer exist."""
    host = socket.gethostname()
    reaped = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        owner = trial.user_attrs.get(WORKER_ATTR, "")
        owner_host, _, pid = owner.rpartition(":")
        if owner_host != host or not pid.isdigit() or int(pid) == os.getpid() or not _process_gone(int(pid)):
            continue
        try:
            study._storage.set_trial_state_values(trial._trial_id, state=TrialState.FAIL)
        except (RuntimeError, optuna.exceptions.UpdateFinishedTrialError):
            continue  # another worker got there first
        _retry()(study, study._storage.get_trial(trial._trial_id))
        reaped.append(trial.number)
    return reaped


def _fail_stale(study: optuna.Study) -> None:
    # fail_stale_trials does nothing without a heartbeat; the study's storage is an RDBStorage
    # wrapped in Optuna's cache, not an RDBStorage itself
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)
    reap_dead_workers(study)


# -- the worker loop ----------------------------------------------------------------------------
#: User attribute of a trial whose configuration was already evaluated (its result is copied).
COPY_ATTR = "duplicate_of"


@dataclass(frozen=True)
class _Done:
    """What the loop needs of a finished trial (finished trials never change, so it is cached)."""

    trial_id: int
    is_copy: bool
    key: tuple  # the parameters, sorted: equal configurations have equal keys
    value: float | None


#: storage -> {trial id: _Done}. FrozenTrial's ``params`` and ``user_attrs`` deep-copy on every
#: access, and every trial looks at every earlier one: without the cache, 1,500 trials spent 20 s
#: copying dictionaries.
_DONE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def config_key(params: dict) -> tuple:
    """A hashable key of a configuration (equal parameters, equal keys)."""
    return tuple(sorted(params.items()))


def finished_trials(study: optuna.Study) -> dict[int, _Done]:
    """Trial number -> :class:`_Done` for the study's finished (complete or pruned) trials."""
    try:
        cache = _DONE.setdefault(study._storage, {})
    except TypeError:  # a storage that cannot be weakly referenced: no cache
        cache = {}
    done = {}
    for trial in study.get_trials(deepcopy=False, states=FINISHED):
        record = cache.get(trial._trial_id)
        if record is None:
            record = _Done(trial_id=trial._trial_id, is_copy=COPY_ATTR in trial.user_attrs,
                           key=config_key(trial.params),
                           value=trial.value if trial.state == TrialState.COMPLETE else None)
            cache[trial._trial_id] = record
        done[trial.number] = record
    return done


def counts(study: optuna.Study) -> tuple[int, int, int, int]:
    """(finished, copies, running, waiting) trials; copies of earlier configurations are not finished."""
    done = finished_trials(study)
    copies = sum(record.is_copy for record in done.values())
    finished = len(done) - copies
    running = waiting = 0
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING, TrialState.WAITING)):
        running += trial.state == TrialState.RUNNING
        waiting += trial.state == TrialState.WAITING
    return finished, copies, running, waiting


def check_surplus(study: optuna.Study, trial: optuna.Trial, n_trials: int | None) -> None:
    """Raise :class:`Surplus` when ``n_trials`` trials numbered before this one are finished or running."""
    if n_trials is None:
        return
    ahead = sum(1 for number, record in finished_trials(study).items()
                if number < trial.number and not record.is_copy)
    ahead += sum(1 for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
                 if t.number < trial.number and COPY_ATTR not in t.user_attrs)
    if ahead >= n_trials:
        trial.set_user_attr("surplus", True)
        raise Surplus(
            f"trial {trial.number} is not needed: {ahead} trials before it are finished or running."
        )


def distinct_configurations(study: optuna.Study) -> int:
    """The number of distinct parameter sets among the finished trials."""
    return len({record.key for record in finished_trials(study).values()})


def run_worker(study: optuna.Study, objective, *, n_trials: int | None, timeout: float | None,
               callbacks=(), n_configurations: int | None = None) -> None:
    """Run trials until ``n_trials`` are finished (by all workers together) or ``timeout`` passes.

    A trial that repeats an evaluated configuration is a copy (its result is copied, nothing is
    fitted) and does not count. With a finite space of ``n_configurations`` configurations, stop
    once each was tried; with any space, stop when copies outnumber twice the evaluated trials
    (and 20): the sampler has converged onto configurations it already knows.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        _fail_stale(study)
        if n_configurations is not None and distinct_configurations(study) >= n_configurations:
            return
        finished, copies, running, waiting = counts(study)
        # running trials of other workers will reach the target: nothing left to start here
        if n_trials is not None and (finished + (0 if waiting else running)) >= n_trials:
            return
        if copies > max(20, 2 * finished):  # the sampler keeps proposing what was evaluated
            return
        if deadline is not None and time.monotonic() >= deadline:
            return
        remaining = None if deadline is None else max(deadline - time.monotonic(), 0.0)
        study.optimize(objective, n_trials=1, timeout=remaining, catch=(Surplus,), callbacks=list(callbacks),
                       gc_after_trial=False, show_progress_bar=False)
        if getattr(study, "_stop_flag", False):  # study.stop() from a callback, or the grid is exhausted
            return
