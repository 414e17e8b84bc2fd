"""Where Optuna studies live: a journal file in the work dir by default, or any Optuna RDB URL.

- default / a file path: `JournalStorage(JournalFileBackend(path))`, safe for several worker processes on
  one machine (SQLite is not: concurrent writers hit "database is locked");
- `sqlite:///path.db`: fine for one worker;
- `postgresql://user:password@host/db` (or MySQL): workers on several machines share one study.

Workers mark the trials they run (competition.core.studies.liveness): a trial of a worker that died is
marked FAIL by the others and retried once, so a killed worker never leaves a study stuck.

A study remembers a fingerprint of the data it was made for, so that resuming by name never mixes trials
that scored different inputs.
"""
import os
from pathlib import Path

import numpy as np

from competition.core.errors import DataError

DEFAULT_JOURNAL = "optuna.journal"


def storage_url(storage, work_dir) -> str:
    """The storage as a string every worker process can open: a URL, or a journal file path."""
    if storage:
        return str(storage)
    return str(Path(work_dir) / DEFAULT_JOURNAL)


def is_rdb_url(url: str) -> bool:
    return "://" in url


def check_workers(url: str, workers: int):
    if workers < 1:
        raise DataError("--workers", f"needs at least 1 worker, got {workers}")
    if workers > 1 and url.startswith("sqlite"):
        raise DataError(url, "SQLite storage is not safe with several worker processes (\"database is locked\"); "
                             "leave --storage out (a journal file in the work dir), give a journal file path, or "
                             "use a PostgreSQL URL")


def open_storage(url: str):
    """The Optuna storage at `url`: a database URL, or a journal file (made with its folder when new)."""
    import optuna

    if is_rdb_url(url):
        try:
            return optuna.storages.RDBStorage(url)
        except Exception as error:  # noqa: BLE001 - any driver or connection problem is the user's URL
            raise DataError(redact_password(url), f"cannot open Optuna storage: {type(error).__name__}: "
                                                    f"{redact_password(str(error))}") from None
    from optuna.storages.journal import JournalFileBackend

    path = Path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    return optuna.storages.JournalStorage(JournalFileBackend(str(path)))


def open_study(storage, name, fingerprint, sampler_seed):
    """Create the study, or load it when it exists; refuse one made for other inputs."""
    import optuna
    sampler = optuna.samplers.TPESampler(seed=sampler_seed)
    study = optuna.create_study(study_name=name, storage=storage, sampler=sampler, direction="maximize",
                                load_if_exists=True)
    recorded = study.user_attrs.get("inputs")
    if recorded is None:
        study.set_user_attr("inputs", fingerprint)
    elif recorded != fingerprint:
        raise DataError(name, "this Optuna study was run on other inputs (models, files, folds, objective or "
                              "seed differ); pick another ensemble name or --storage, or delete the study")
    return study


def finished_trials(study) -> int:
    from optuna.trial import TrialState
    return len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))


def sampler_seed(seed, worker, task):
    """Distinct, reproducible seeds for every (worker, task) sampler.

    Commands on several machines sharing one study set MIGA_WORKER_RANK=1, 2, ... so that their samplers
    differ too (the same seed would propose the same first trials on every machine).
    """
    parts = [int(seed), int(worker), int(task)]
    rank = os.environ.get("MIGA_WORKER_RANK", "0")
    if not rank.isdigit():
        raise DataError("MIGA_WORKER_RANK", f"must be a whole number (0, 1, 2, ...), got {rank!r}")
    if int(rank):
        parts.append(int(rank))
    return int(np.random.SeedSequence(parts).generate_state(1)[0])


def redact_password(text: str) -> str:
    """Hide the password part of `scheme://user:password@host`."""
    head, sep, rest = text.partition("://")
    if not sep or "@" not in rest:
        return text
    credentials, at, host = rest.partition("@")
    user = credentials.split(":", 1)[0]
    return f"{head}://{user}:***@{host}"
