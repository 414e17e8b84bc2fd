"""Heartbeats for Optuna trials, so a study outlives a worker killed mid-trial.

A worker running a trial records a heartbeat every `interval` seconds; a RUNNING trial whose last heartbeat
is older than `grace` seconds belongs to a dead worker, and the next worker to look marks it FAIL and queues
its parameters once more (Optuna's RetryHeartbeatStaleTrialCallback). `study.optimize` does all of this
itself for a storage with heartbeats enabled; ask-and-tell searches use `beating` and `fail_stale`.

Optuna's RDBStorage (PostgreSQL, MySQL) has heartbeats built in. Its JournalStorage has none, so
`HeartbeatJournalStorage` adds them for journal files: the heartbeat is a trial system attribute holding
the wall-clock time, which is sound because a journal file's workers share one machine's clock.

Settings: MIGA_HEARTBEAT_INTERVAL (seconds, default 10) and MIGA_HEARTBEAT_GRACE (default 3 intervals).
"""
import os
import threading
import time
import warnings
from contextlib import contextmanager

import optuna
from optuna.exceptions import ExperimentalWarning
from optuna.storages import JournalStorage
# Optuna's own heartbeat interface: `study.optimize` and `fail_stale_trials` look for this base class.
from optuna.storages._heartbeat import BaseHeartbeat, is_heartbeat_enabled
from optuna.trial import TrialState

from competition.errors import DataError

HEARTBEAT_ATTR = "miga:heartbeat"


def heartbeat_settings():
    """(interval, grace) in whole seconds, from MIGA_HEARTBEAT_INTERVAL and MIGA_HEARTBEAT_GRACE."""
    values = {}
    for name, default in (("MIGA_HEARTBEAT_INTERVAL", "10"), ("MIGA_HEARTBEAT_GRACE", None)):
        text = os.environ.get(name, default)
        if text is None:
            continue
        try:
            values[name] = int(text)
        except ValueError:
            raise DataError(name, f"must be a whole number of seconds, got {text!r}") from None
        if values[name] < 1:
            raise DataError(name, f"must be at least 1 second, got {text!r}")
    interval = values["MIGA_HEARTBEAT_INTERVAL"]
    grace = values.get("MIGA_HEARTBEAT_GRACE", 3 * interval)
    if grace <= interval:
        raise DataError("MIGA_HEARTBEAT_GRACE", f"must exceed the heartbeat interval ({interval} s), got {grace}")
    return interval, grace


def retry_stale_trial():
    """Fail a stale trial and run its parameters once more (a trial that kills its worker twice is left)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        return optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=1)


class HeartbeatJournalStorage(JournalStorage, BaseHeartbeat):
    """Optuna's JournalStorage with heartbeats (see the module docstring)."""

    def __init__(self, backend, *, heartbeat_interval, grace_period, heartbeat_stale_trial_callback=None):
        super().__init__(backend)
        self._heartbeat_interval = heartbeat_interval
        self._grace_period = grace_period
        self._stale_trial_callback = heartbeat_stale_trial_callback

    def record_heartbeat(self, trial_id):
        self.set_trial_system_attr(trial_id, HEARTBEAT_ATTR, time.time())

    def _get_stale_trial_ids(self, study_id):
        deadline = time.time() - self._grace_period
        running = self.get_all_trials(study_id, deepcopy=False, states=(TrialState.RUNNING,))
        return [trial._trial_id for trial in running
                if trial.system_attrs.get(HEARTBEAT_ATTR, float("inf")) < deadline]

    def get_heartbeat_interval(self):
        return self._heartbeat_interval

    def get_heartbeat_stale_trial_callback(self):
        return self._stale_trial_callback


def fail_stale(study):
    """Mark the study's trials of dead workers FAIL (and queue their retries); no-op without heartbeats."""
    if is_heartbeat_enabled(study._storage):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ExperimentalWarning)
            optuna.storages.fail_stale_trials(study)


@contextmanager
def beating(study, trials):
    """Record heartbeats of ask-and-tell `trials` while the block runs (what `study.optimize` does itself)."""
    storage = study._storage
    if not trials or not is_heartbeat_enabled(storage):
        yield
        return
    ids = [trial._trial_id for trial in trials]
    stop = threading.Event()

    def beat():
        while True:
            for trial_id in ids:
                storage.record_heartbeat(trial_id)
            if stop.wait(storage.get_heartbeat_interval()):
                return

    thread = threading.Thread(target=beat, daemon=True, name="optuna-heartbeat")
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
