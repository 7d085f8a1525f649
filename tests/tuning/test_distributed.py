"""Studies shared by worker processes: PostgreSQL, SQLite and journal files, dead workers, ``n_jobs``.

The PostgreSQL cases run against the server whose URL is in ``OPTIMLAB_TEST_POSTGRES_URL``
(``.ci/run`` starts one and sets it); they are skipped when it is unset.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

import numba
import optuna
import pytest
from optuna.distributions import FloatDistribution
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback
from optuna.trial import TrialState

from optimlab.tuning import _study

HERE = Path(__file__).resolve().parent
WORKER = HERE / "_distributed_worker.py"
POSTGRES_URL = os.environ.get("OPTIMLAB_TEST_POSTGRES_URL")
NO_POSTGRES = "OPTIMLAB_TEST_POSTGRES_URL is not set (.ci/run starts a PostgreSQL server and sets it)"
# worker processes of these tests: one thread each, the machine may have two cores
SERIAL_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "NUMBA_NUM_THREADS": "1"}


@dataclass
class Shared:
    kind: str
    url: str
    name: str


def _url(kind: str, tmp_path: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'study.db'}"
    if kind == "journal":
        return f"journal://{tmp_path / 'study.log'}"
    if POSTGRES_URL is None:
        pytest.skip(NO_POSTGRES)
    return POSTGRES_URL


def _forget(shared: Shared) -> None:
    """Delete the study from the (long-lived) PostgreSQL database."""
    if shared.kind == "postgres":
        storage = RDBStorage(_study.database_url(shared.url))
        try:
            optuna.delete_study(study_name=shared.name, storage=storage)
        except KeyError:
            pass
        finally:
            storage.engine.dispose()


@pytest.fixture(params=["sqlite", "journal", "postgres"])
def shared(request, tmp_path):
    """A storage URL (any of the three kinds) and a study name unique to this test run."""
    study = Shared(request.param, _url(request.param, tmp_path), f"distributed-{uuid.uuid4().hex}")
    yield study
    _forget(study)


@pytest.fixture
def worker_module(monkeypatch):
    """The worker module, importable by name here and in the processes that ``tune`` spawns."""
    monkeypatch.syspath_prepend(str(HERE))
    return importlib.import_module("_distributed_worker")


def _start(shared: Shared, n_trials: int, log: Path, *extra: str) -> subprocess.Popen:
    with open(log, "w") as out:
        return subprocess.Popen([sys.executable, str(WORKER), shared.url, shared.name, str(n_trials), *extra],
                                stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **SERIAL_ENV})


def _storage(url: str):
    """The storage a test process reads the study from (no heartbeat: it runs no trial)."""
    if url.startswith("journal://"):
        return _study.open_storage(url)
    return RDBStorage(_study.database_url(url))


def _load(storage, name: str) -> optuna.Study | None:
    try:
        return optuna.load_study(study_name=name, storage=storage)
    except KeyError:  # not created yet
        return None


def _close(storage) -> None:
    if isinstance(storage, RDBStorage):
        storage.engine.dispose()


def _check_trials(study: optuna.Study, n_trials: int) -> list[optuna.trial.FrozenTrial]:
    """Exactly ``n_trials`` complete, distinct numbers, distinct parameters; return the complete ones."""
    trials = study.get_trials(deepcopy=False)
    numbers = [t.number for t in trials]
    assert len(numbers) == len(set(numbers))
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    assert len(complete) == n_trials
    assert not [t for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING, TrialState.PRUNED)]
    assert len({t.params["alpha"] for t in complete}) == n_trials  # a continuous space: no repeats
    return complete


# -- two worker processes on one study -----------------------------------------------------------
def test_two_workers_finish_exactly_n_trials(shared, tmp_path):
    n_trials = 10
    go = tmp_path / "go"
    ready = [tmp_path / f"ready{i}" for i in range(2)]
    logs = [tmp_path / f"worker{i}.log" for i in range(2)]
    workers = [_start(shared, n_trials, logs[i], "--delay", "0.1", "--ready", str(ready[i]), "--go", str(go))
               for i in range(2)]
    try:
        deadline = time.monotonic() + 60
        while not all(path.exists() for path in ready):  # both imported: start them together
            assert all(w.poll() is None for w in workers), [log.read_text() for log in logs]
            assert time.monotonic() < deadline
            time.sleep(0.02)
        go.touch()
        for worker, log in zip(workers, logs, strict=True):
            assert worker.wait(timeout=90) == 0, log.read_text()
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    storage = _storage(shared.url)
    try:
        study = _load(storage, shared.name)
        complete = _check_trials(study, n_trials)
        owners = {t.user_attrs["worker"] for t in complete}
        assert owners == {f"{socket.gethostname()}:{w.pid}" for w in workers}  # both worked
        # a trial created once enough were under way gave way (failed, marked surplus): nothing else failed
        assert all(t.user_attrs.get("surplus") for t in study.get_trials(states=(TrialState.FAIL,)))
    finally:
        _close(storage)


# -- a worker killed in the middle of a trial --------------------------------------------------
def test_killed_worker_trial_is_failed_and_rerun(shared, tmp_path, worker_module):
    n_trials, cv = 5, worker_module.CV
    log = tmp_path / "worker.log"
    # the worker's fifth fit hangs: trials 0 and 1 complete, the third trial never ends
    worker = _start(shared, n_trials, log, "--delay", "0.02", "--hang-at", str(2 * cv + 1))
    owner = f"{socket.gethostname()}:{worker.pid}"
    storage = _storage(shared.url)
    try:
        deadline = time.monotonic() + 60
        victim = None
        while victim is None:
            assert worker.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            study = _load(storage, shared.name)
            trials = [] if study is None else study.get_trials(deepcopy=False)
            complete = [t for t in trials if t.state == TrialState.COMPLETE]
            running = [t for t in trials if t.state == TrialState.RUNNING
                       and t.user_attrs.get("worker") == owner and t.params]
            if len(complete) == 2 and running:
                victim = running[0]
            else:
                time.sleep(0.05)
        os.kill(worker.pid, signal.SIGKILL)
        assert worker.wait(timeout=30) == -signal.SIGKILL
        study = _load(storage, shared.name)
        before = {t.number: t.value for t in study.get_trials(states=(TrialState.COMPLETE,))}
        assert len(before) == 2
        assert study.get_trials()[victim.number].state == TrialState.RUNNING  # the dead worker's

        result = worker_module.run(shared.url, shared.name, n_trials, delay=0.02)  # resume, in this process
        study = _load(storage, shared.name)
        complete = _check_trials(study, n_trials)
        assert study.get_trials()[victim.number].state == TrialState.FAIL
        retries = [t for t in complete if t.system_attrs.get("failed_trial") == victim.number]
        assert len(retries) == 1
        assert retries[0].number > victim.number and retries[0].params == victim.params
        assert retries[0].user_attrs["worker"] == _study.worker_id()
        assert {t.number: t.value for t in complete if t.number in before} == before
        assert [t.number for t in study.get_trials(states=(TrialState.FAIL,))] == [victim.number]
        frame = result.trials
        assert (frame["state"] == "complete").sum() == n_trials
        assert frame.loc[retries[0].number, "retry_of"] == victim.number
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        _close(storage)


def test_reaped_trial_is_requeued_without_the_dead_workers_name():
    """The re-run must not carry the dead worker's name: running with it, before its new worker
    writes its own, it would be taken for the dead worker's trial and failed again."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    study = optuna.create_study(storage=optuna.storages.InMemoryStorage())
    trial = study.ask({"alpha": FloatDistribution(1e-3, 10.0, log=True)})
    trial.set_user_attr("worker", f"{socket.gethostname()}:{dead.pid}")
    trial.set_user_attr("kind", "plain")
    alive = study.ask({"alpha": FloatDistribution(1e-3, 10.0, log=True)})
    alive.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}")
    elsewhere = study.ask({"alpha": FloatDistribution(1e-3, 10.0, log=True)})
    elsewhere.set_user_attr("worker", f"otherhost:{dead.pid}")

    assert _study.reap_dead_workers(study) == [trial.number]
    states = {t.number: t.state for t in study.get_trials()}
    assert states[trial.number] == TrialState.FAIL
    assert states[alive.number] == states[elsewhere.number] == TrialState.RUNNING
    (rerun,) = study.get_trials(states=(TrialState.WAITING,))
    assert rerun.params == trial.params and rerun.system_attrs["failed_trial"] == trial.number
    assert rerun.user_attrs == {"kind": "plain"}


# -- Optuna's heartbeat: a worker on another machine --------------------------------------------
@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_heartbeat_fails_trial_of_silent_worker_on_another_machine(kind, tmp_path, worker_module):
    """A running trial whose worker is on another host is left alone while its heartbeat is fresh,
    then failed and re-run from its parameters by the storage's heartbeat once it falls silent."""
    shared = Shared(kind, _url(kind, tmp_path), f"heartbeat-{uuid.uuid4().hex}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        storage = RDBStorage(_study.database_url(shared.url), heartbeat_interval=1, grace_period=2,
                             heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=3))
    try:
        worker_module.run(storage, shared.name, 2)
        study = optuna.load_study(study_name=shared.name, storage=storage)
        # a trial "of another machine": running, one heartbeat, then silence
        with warnings.catch_warnings():  # "Heartbeat of storage is supposed to be used with Study.optimize"
            warnings.simplefilter("ignore", UserWarning)
            foreign = study.ask({"alpha": FloatDistribution(1e-3, 10.0, log=True)})
        foreign.set_user_attr("worker", "otherhost:1")
        storage.record_heartbeat(foreign._trial_id)
        silent_since = time.monotonic()

        # while its heartbeat is fresh the trial counts as running: 2 finished + 1 running = 3
        worker_module.run(storage, shared.name, 3)
        assert time.monotonic() - silent_since < 2  # (the grace period had not passed)
        assert study.get_trials()[foreign.number].state == TrialState.RUNNING

        time.sleep(max(0.0, silent_since + 3.1 - time.monotonic()))  # > grace (sqlite: whole seconds)
        result = worker_module.run(storage, shared.name, 3)
        trials = study.get_trials()
        assert trials[foreign.number].state == TrialState.FAIL
        complete = [t for t in trials if t.state == TrialState.COMPLETE]
        assert len(complete) == 3
        retry = [t for t in complete if t.system_attrs.get("failed_trial") == foreign.number]
        assert len(retry) == 1 and retry[0].params == foreign.params
        assert retry[0].user_attrs["worker"] == _study.worker_id()
        assert (result.trials["state"] == "complete").sum() == 3
    finally:
        _close(storage)
        _forget(shared)


# -- n_jobs: worker processes started by tune ---------------------------------------------------
@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_n_jobs_workers_finish_exactly_n_trials_with_pinned_threads(kind, tmp_path, worker_module):
    n_trials = 6
    record = tmp_path / "fits"
    record.mkdir()
    storage = None if kind == "memory" else _url(kind, tmp_path)
    result = worker_module.run(storage, f"jobs-{uuid.uuid4().hex}", n_trials, delay=0.02, record=str(record),
                               n_jobs=2)
    complete = _check_trials(result.study, n_trials)
    if storage is not None:  # the database holds the same study
        storage_obj = _storage(storage)
        try:
            _check_trials(_load(storage_obj, result.study.study_name), n_trials)
        finally:
            _close(storage_obj)
    assert (result.trials["state"] == "complete").sum() == n_trials
    workers = {t.user_attrs["worker"] for t in complete}
    assert f"{socket.gethostname()}:{os.getpid()}" not in workers  # trials ran in worker processes

    # every fit ran in a worker process, under cores // n_jobs threads (1 on two cores)
    fits = [json.loads(path.read_text()) for path in record.iterdir()]
    assert len(fits) == n_trials * worker_module.CV
    threads = max(1, (os.cpu_count() or 1) // 2)
    assert {fit["pid"] for fit in fits} <= {int(worker.rpartition(":")[2]) for worker in workers}
    assert {fit["numba"] for fit in fits} == {min(threads, numba.config.NUMBA_NUM_THREADS)}
    pools = [n for fit in fits for n in fit["pools"].values()]
    assert pools and max(pools) <= threads
