"""Optuna studies shared by worker processes, in a real PostgreSQL server on loopback and in a journal file.

Two `miga tune-video` workers search one study; one is SIGKILLed in the middle of a trial. The other goes on,
the dead worker's trial is failed (at once: its process is gone) and its parameters are run once more, the
study ends with the asked number of finished trials, and a later run resumes it. `miga ensemble --workers 2` splits
each study's trials between its processes. PostgreSQL tests skip, with the reason, where no server can be
started (.ci/install-postgres.sh installs one).
"""
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import optuna
import pytest
from ensemble_fixtures import study_dir
from optuna.trial import TrialState
from postgres_server import PostgresServer, Unavailable
from track3_fixtures import make_track3_dataset

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]
HEARTBEAT = {"MIGA_HEARTBEAT_INTERVAL": "1", "MIGA_HEARTBEAT_GRACE": "2"}
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)


@pytest.fixture(scope="module")
def postgres():
    pytest.importorskip("psycopg2", reason="psycopg2 (the PostgreSQL driver, `pip install psycopg2-binary`) "
                                           "is not installed")
    try:
        server = PostgresServer()
        url = server.start()
    except Unavailable as reason:
        if "server" in locals():
            server.stop()
        pytest.skip(f"no PostgreSQL server: {reason}")
    yield url
    server.stop()


@pytest.fixture(params=["journal", "postgresql"])
def storage(request, tmp_path):
    """A storage URL every worker opens: a journal file, or a database on the test server."""
    if request.param == "journal":
        with study_dir() as folder:
            yield str(folder / "studies.journal")
    else:
        yield request.getfixturevalue("postgres")


def load(url, name):
    from competition.core.studies.storage import open_storage
    return optuna.load_study(study_name=name, storage=open_storage(url))


@pytest.fixture(scope="module")
def track3(tmp_path_factory):
    return make_track3_dataset(tmp_path_factory.mktemp("track3"), shift=0.8, seed=3)


def tune_video(track3, storage, work, study, trials, rank, workers=1):
    """A `miga tune-video` command (MIGA_WORKER_RANK gives each its own sampler)."""
    command = [sys.executable, "-m", "competition.cli", "tune-video", "gesture-profile", "--data",
               str(track3["root"]), "--clip-predictions", str(track3["clip_predictions"]), "--folds", "3",
               "--params", json.dumps({"n_estimators": 10}), "--storage", storage, "--study", study,
               "--work-dir", str(work), "--trials", str(trials), "--workers", str(workers), "--quiet"]
    env = dict(os.environ, OMP_NUM_THREADS="1", MIGA_WORKER_RANK=str(rank), **HEARTBEAT)
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def running_trials(storage, study_name):
    try:
        return load(storage, study_name).get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    except KeyError:  # the study is not created yet
        return []


def wait_for(condition, what, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def finish(process, timeout=300):
    output, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, output[-3000:]
    return output


def test_a_worker_killed_mid_trial_leaves_a_study_the_others_finish_and_a_rerun_resumes(track3, storage,
                                                                                          tmp_path):
    study_name = f"kill-{tmp_path.name}"
    # 6 trials: enough that neither worker is done before the other has started
    killed = tune_video(track3, storage, tmp_path / "a", study_name, 6, rank=1)
    survivor = tune_video(track3, storage, tmp_path / "b", study_name, 6, rank=2)
    try:
        def both_mid_trial():
            running = running_trials(storage, study_name)
            return {t.number for t in running} if len(running) == 2 else None
        running = wait_for(both_mid_trial, "both workers to be in a trial")
        killed.send_signal(signal.SIGKILL)  # each worker runs one trial at a time: one of these is now stale
        killed.wait(timeout=30)
        finish(survivor)
    finally:
        for process in (killed, survivor):
            if process.poll() is None:
                process.kill()
                process.wait()
    study = load(storage, study_name)
    assert len(study.get_trials(states=FINISHED)) == 6  # the survivor stopped at the study's 6, not 6 of its own
    orphans = [t for t in study.trials if t.state in (TrialState.RUNNING, TrialState.FAIL)]
    assert len(orphans) == 1 and orphans[0].number in running

    # a later run (another machine, or the same one after the crash) resumes to 7 finished trials
    output = finish(tune_video(track3, storage, tmp_path / "c", study_name, 7, rank=3))
    study = load(storage, study_name)
    finished = study.get_trials(states=FINISHED)
    assert len(finished) == 7 and not study.get_trials(states=(TrialState.RUNNING, TrialState.WAITING))
    stale = study.trials[orphans[0].number]
    assert stale.state == TrialState.FAIL  # found dead by the survivor or by the rerun
    retried = [t for t in finished if t.user_attrs.get("miga:retry_of") == stale.number]
    if "miga:owner" in stale.user_attrs:  # killed while scoring: its parameters got their second chance
        assert len(retried) == 1 and retried[0].params == stale.params
    else:  # killed between taking the trial and marking it: failed after the grace period, nothing to retry
        assert retried == []
    best = max((t for t in study.trials if t.state == TrialState.COMPLETE), key=lambda t: t.value)
    assert study.best_trial.number == best.number
    assert f"7 finished trials; best trial {best.number}:" in output
    written = json.loads((tmp_path / "c" / f"{study_name}.best.json").read_text())
    assert written == {"n_estimators": 10, **best.params}


def test_ensemble_workers_share_each_study_and_a_rerun_resumes(storage, tmp_path):
    from ensemble_fixtures import clip_ids, informative_model, noise_model, write_prediction_dirs

    from competition.cli import main

    rng = np.random.default_rng(5)
    val_ids = clip_ids(6, 20)
    labels = rng.integers(0, 32, len(val_ids))
    models = {"pose": informative_model(rng, labels, 32, 0.6), "rgb": informative_model(rng, labels, 32, 0.5),
              "noise": noise_model(rng, len(val_ids), 32)}
    dirs = write_prediction_dirs(tmp_path / "predictions", models, track=1, val_ids=val_ids, val_labels=labels,
                                 test_ids=clip_ids(2, 10, first_video=50), rng=rng)
    name = f"ens-{tmp_path.name}"
    out = tmp_path / "spec.json"

    def ensemble(trials):
        argv = ["ensemble", "--track", "1", *map(str, dirs), "--out", str(out), "--method", "optuna", "--folds",
                "2", "--trials", str(trials), "--workers", "2", "--storage", storage, "--study", name, "--quiet"]
        assert main(argv) == 0

    ensemble(12)
    names = [name, f"{name}.fold1of2", f"{name}.fold2of2"]
    for study_name in names:
        trials = load(storage, study_name).trials
        assert len(trials) == 12 and all(t.state == TrialState.COMPLETE for t in trials)
    ensemble(20)  # resumes each study up to 20
    for study_name in names:
        study = load(storage, study_name)
        assert len(study.trials) == 20 and all(t.state == TrialState.COMPLETE for t in study.trials)
    spec = json.loads(out.read_text())  # the spec's weights are the best trial's of the all-rows study
    best = load(storage, name).best_trial.params
    weights = np.array([best[f"w{m}"] for m in range(len(dirs))])
    np.testing.assert_allclose([spec["weights"][model] for model in models], weights / weights.sum(), rtol=1e-6)


def test_a_stale_trial_is_failed_and_retried_once(storage, monkeypatch):
    from competition.core.studies import liveness
    from competition.core.studies.liveness import keep_alive
    from competition.core.studies.storage import open_storage

    monkeypatch.setenv("MIGA_HEARTBEAT_INTERVAL", "1")
    monkeypatch.setenv("MIGA_HEARTBEAT_GRACE", "2")
    name = f"stale-{os.getpid()}-{time.monotonic_ns()}"
    study = optuna.create_study(study_name=name, storage=open_storage(storage), direction="maximize")
    alive, dead = study.ask(), study.ask()
    alive.suggest_float("x", 0, 1)
    dead.suggest_float("x", 0, 1)
    with monkeypatch.context() as elsewhere:  # a worker on another machine: one heartbeat, then it "dies"
        elsewhere.setattr(liveness.socket, "gethostname", lambda: "another-machine")
        with keep_alive([dead]):
            pass
    with keep_alive([alive]):  # a worker whose scoring outlasts the grace period keeps its trial
        time.sleep(2.5)
        assert liveness.fail_stale_trials(study) == [dead.number]
    study.tell(alive, 1.0)
    states = {t.number: t.state for t in study.trials}
    assert states[alive.number] == TrialState.COMPLETE and states[dead.number] == TrialState.FAIL
    retry = study.trials[-1]
    assert retry.state == TrialState.WAITING and retry.user_attrs[liveness.RETRY_ATTR] == dead.number
    assert liveness.fail_stale_trials(study) == []  # nothing more to fail: the retry is waiting, not running
    again = study.ask()  # the next trial asked for is the retry, with the dead trial's parameters
    assert again.number == retry.number and again.suggest_float("x", 0, 1) == dead.params["x"]
    assert len(study.trials) == 3


def test_a_trial_whose_process_on_this_machine_is_gone_is_failed_at_once(storage, monkeypatch):
    from competition.core.studies import liveness
    from competition.core.studies.storage import open_storage

    monkeypatch.setenv("MIGA_HEARTBEAT_INTERVAL", "1")
    monkeypatch.setenv("MIGA_HEARTBEAT_GRACE", "2")
    name = f"gone-{os.getpid()}-{time.monotonic_ns()}"
    study = optuna.create_study(study_name=name, storage=open_storage(storage), direction="maximize")
    worker = f"""
import os, optuna
from competition.core.studies.liveness import keep_alive
from competition.core.studies.storage import open_storage
study = optuna.load_study(study_name={name!r}, storage=open_storage({storage!r}))
trial = study.ask()
trial.suggest_float("x", 0, 1)
with keep_alive([trial], shared=False):
    os._exit(9)  # dies mid-trial, without a word
"""
    subprocess.run([sys.executable, "-c", worker], cwd=REPO, timeout=120)
    ours = study.ask()  # a trial of this live process, marked long ago and never beating since
    ours.suggest_float("x", 0, 1)
    with liveness.keep_alive([ours], shared=False):
        pass
    time.sleep(2.5)
    dead = [t.number for t in study.trials if t.number != ours.number]
    assert liveness.fail_stale_trials(study) == dead  # gone: failed without waiting for any grace
    assert study.trials[ours.number].state == TrialState.RUNNING  # alive: a slow trial is no dead one
    study.tell(ours, 1.0)


def test_ensemble_commands_started_apart_share_each_studys_trials(storage):
    from competition.core.studies.storage import open_storage
    from ensembles.methods.optuna_weights import search_studies

    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(4), (2, 30)).astype(np.float32)
    labels, masks = rng.integers(0, 4, 30), np.ones((1, 30), bool)
    name = f"apart-{os.getpid()}-{time.monotonic_ns()}"
    optuna.create_study(study_name=name, storage=open_storage(storage), direction="maximize")
    # two machines each found the study empty and took all 10 trials as their share
    for _ in range(2):
        search_studies([load(storage, name)], [10], probs, labels, masks, "accuracy", False, progress=False,
                       target=10)
    assert len(load(storage, name).trials) == 10


def _spawned_workers(parent):
    """The pids of the worker processes `parent` spawned (not multiprocessing's resource tracker)."""
    pids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            ppid = next(line.split()[1] for line in status.read_text().splitlines() if line.startswith("PPid:"))
            cmdline = (status.parent / "cmdline").read_bytes()
        except (OSError, StopIteration):
            continue
        if ppid == str(parent) and b"spawn_main" in cmdline:
            pids.append(int(status.parent.name))
    return sorted(pids)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="finds the worker processes through /proc")
def test_a_killed_worker_of_one_command_stops_none_of_the_others(track3, tmp_path):
    with study_dir() as folder:
        storage, study_name = str(folder / "studies.journal"), "one-command"
        command = tune_video(track3, storage, tmp_path / "work", study_name, 6, rank=0, workers=3)
        try:
            workers = wait_for(lambda: len(_spawned_workers(command.pid)) == 2 and _spawned_workers(command.pid),
                               "the two spawned workers")
            # this process's share is 2 trials: a third one comes from a spawned worker that got going
            wait_for(lambda: len(load(storage, study_name).trials) >= 3, "a spawned worker's first trial")
            os.kill(workers[0], signal.SIGKILL)
            finished_at_kill = len(load(storage, study_name).get_trials(states=FINISHED))
            output = finish(command)
        finally:
            if command.poll() is None:
                command.kill()
                command.wait()
        assert finished_at_kill < 6
        assert len(re.findall(r"worker \d of 3 stopped \(killed by SIGKILL\)", output)) == 1  # the other went on
        study = load(storage, study_name)
        assert len(study.get_trials(states=FINISHED)) == 6  # the command ran the dead worker's share itself
        assert len([t for t in study.trials if t.state in (TrialState.RUNNING, TrialState.FAIL)]) <= 1
        assert (tmp_path / "work" / f"{study_name}.best.json").is_file()


def test_running_trials_are_judged_by_their_workers_process_here_and_by_heartbeat_elsewhere(tmp_path,
                                                                                             monkeypatch):
    """A trial is failed at once when its worker on this machine is gone, never while that worker lives (however
    late its heartbeats on a busy machine), when its live worker released it after an error, and when it was
    taken but never marked (the worker died between `ask` and marking it) once the grace period has passed."""
    from competition.core.studies.liveness import (
        HEARTBEAT_ATTR,
        OWNER_ATTR,
        fail_stale_trials,
        is_dead,
        keep_alive,
        this_process,
    )
    from competition.core.studies.storage import open_storage

    monkeypatch.setenv("MIGA_HEARTBEAT_INTERVAL", "1")
    monkeypatch.setenv("MIGA_HEARTBEAT_GRACE", "2")
    study = optuna.create_study(study_name="judged", storage=open_storage(str(tmp_path / "s.journal")))
    late, gone, released, unmarked = (study.ask() for _ in range(4))
    long_ago = time.time() - 3600
    late.set_user_attr(OWNER_ATTR, {**this_process(), "time": long_ago, "beats": True})
    late.set_user_attr(HEARTBEAT_ATTR, long_ago)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    gone.set_user_attr(OWNER_ATTR, {**this_process(), "pid": child.pid, "time": time.time(), "beats": False})
    with pytest.raises(RuntimeError), keep_alive([released], shared=False):
        raise RuntimeError("the scoring failed before the result was told")
    frozen = {t.number: t for t in study.trials}
    now = time.time()
    assert not is_dead(frozen[late.number], now)
    assert is_dead(frozen[gone.number], now) and is_dead(frozen[released.number], now)
    assert not is_dead(frozen[unmarked.number], now) and is_dead(frozen[unmarked.number], now + 2.5)
    assert sorted(fail_stale_trials(study)) == [gone.number, released.number]
    assert fail_stale_trials(study) == []
