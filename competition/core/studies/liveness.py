"""Which running trials of a shared study still have a live worker; the others are failed and retried once.

A worker marks each trial it runs with its owner: host, boot, process id and process start time, the moment
it took the trial and whether it records heartbeats. Where several workers may share the study (`shared`:
more than one worker process, a database URL that other machines may open, or MIGA_WORKER_RANK set) a thread
also records a heartbeat every `interval` seconds while the trial runs. A RUNNING trial is dead when

- its owner ran on this machine and that process no longer exists (found at once; while it does exist, the
  trial is alive whatever its heartbeats say: a busy machine may delay them past the grace period), or
- its owner records heartbeats, runs on another machine, and the last one is older than `grace` seconds, or
- its worker, alive, released it: the block that ran it failed before telling its result, or
- it carries no owner yet `grace` seconds after it started: its worker died between taking the trial
  (`Study.ask` makes it RUNNING) and marking it, a moment no live worker lets last that long.

A dead trial is told FAIL and its parameters are enqueued once more (a retry that dies too is not retried
again; a trial that died unmarked is not retried: workers mark a trial once its parameters are all drawn, so
an unmarked one may hold only some of them). Everything goes through Optuna's public API: trial user
attributes, `Study.tell` with a trial number and `Study.enqueue_trial`. Heartbeats from several machines
compare their clocks: keep them in sync (NTP), or raise the grace period.

Settings: MIGA_HEARTBEAT_INTERVAL (seconds, default 10) and MIGA_HEARTBEAT_GRACE (default 3 intervals).
"""
import os
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from competition.core.errors import DataError

OWNER_ATTR = "miga:owner"
HEARTBEAT_ATTR = "miga:heartbeat"
RETRY_ATTR = "miga:retry_of"
RELEASED_ATTR = "miga:released"  # set when the block that ran the trial failed: its (living) worker let it go


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


def _boot_id():
    path = Path("/proc/sys/kernel/random/boot_id")
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def _process_start(pid):
    """The start time of process `pid` in clock ticks since boot (Linux), "" where /proc cannot tell, None
    when no such process runs (a zombie, killed but not yet reaped by its parent, runs no more)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None if Path("/proc/self/stat").exists() else _exists_elsewhere(pid)
    except OSError:
        return ""
    fields = stat.rsplit(")", 1)[1].split()  # the command name before ")" may hold spaces
    return None if fields[0] in ("Z", "X") else fields[19]  # fields 3 (state) and 22 (start time)


def _exists_elsewhere(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return ""


def this_process():
    """The owner record of trials this process runs (without the time and heartbeat flag)."""
    return {"host": socket.gethostname(), "boot": _boot_id(), "pid": os.getpid(),
            "start": _process_start(os.getpid()) or ""}


def _owner_alive(owner, here):
    """Whether the owner's process still runs, when it ran on this machine; None when this machine cannot tell."""
    if owner.get("host") != here["host"] or owner.get("boot") != here["boot"]:
        return None
    start = _process_start(int(owner["pid"]))
    if start is None:
        return False
    return not (start and owner.get("start") and start != owner["start"])  # a reused pid is another process


def is_dead(trial, now=None, here=None, grace=None):
    """Whether a RUNNING trial (FrozenTrial) belongs to a worker that is gone (see the module docstring)."""
    if grace is None:
        grace = heartbeat_settings()[1]
    now = now or time.time()
    owner = trial.user_attrs.get(OWNER_ATTR)
    if not isinstance(owner, dict):
        started = trial.datetime_start.timestamp() if trial.datetime_start else now
        return now - started > grace
    if trial.user_attrs.get(RELEASED_ATTR):
        return True
    alive = _owner_alive(owner, here or this_process())
    if alive is not None:
        return not alive
    if not owner.get("beats"):
        return False
    last = max(float(owner.get("time", 0)), float(trial.user_attrs.get(HEARTBEAT_ATTR, 0)))
    return now - last > grace


def fail_stale_trials(study):
    """Tell FAIL to the study's running trials whose worker is dead and enqueue their parameters once more.

    Returns the numbers of the trials failed here. Several workers may look at once: a trial another worker
    failed (or finished) first is skipped, so each dead trial is retried once.
    """
    import optuna
    from optuna.trial import TrialState

    here, now, grace = this_process(), time.time(), heartbeat_settings()[1]
    failed = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        if not is_dead(trial, now, here, grace):
            continue
        try:
            study.tell(trial.number, state=TrialState.FAIL)
        except (ValueError, RuntimeError, optuna.exceptions.UpdateFinishedTrialError):
            continue  # finished meanwhile, by its worker or by another one that saw it dead
        failed.append(trial.number)
        if OWNER_ATTR in trial.user_attrs and RETRY_ATTR not in trial.user_attrs:
            study.enqueue_trial(trial.params, user_attrs={RETRY_ATTR: trial.number})
    return failed


def is_shared(url, workers):
    """Whether other processes may run trials of the same studies (and heartbeats are worth their writes)."""
    return workers > 1 or "://" in str(url) or os.environ.get("MIGA_WORKER_RANK", "0") not in ("", "0")


@contextmanager
def keep_alive(trials, shared=True):
    """Mark `trials` (live optuna Trials) as this process's while the block runs; with `shared`, beat too."""
    trials = list(trials) if isinstance(trials, (list, tuple)) else [trials]
    interval = heartbeat_settings()[0] if shared else 0
    owner = {**this_process(), "time": time.time(), "beats": bool(shared)}
    for trial in trials:
        trial.set_user_attr(OWNER_ATTR, owner)
    if not shared or not trials:
        with _released_on_error(trials):
            yield
        return
    stop = threading.Event()

    def beat():
        while not stop.wait(interval):
            for trial in trials:
                trial.set_user_attr(HEARTBEAT_ATTR, time.time())

    thread = threading.Thread(target=beat, daemon=True, name="miga-heartbeat")
    thread.start()
    try:
        with _released_on_error(trials):
            yield
    finally:
        stop.set()
        thread.join()


@contextmanager
def _released_on_error(trials):
    """A block that fails may leave its trials RUNNING (ask-and-tell) while its process lives on (a notebook):
    mark them released, so that the next look fails and retries them."""
    try:
        yield
    except BaseException:
        for trial in trials:
            try:
                trial.set_user_attr(RELEASED_ATTR, True)
            except Exception:  # noqa: BLE001 - already finished, or the storage is gone: nothing to release
                pass
        raise
