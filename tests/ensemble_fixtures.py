"""Synthetic probability sets with a known best ensemble, and writers of prediction folders."""
import contextlib
import os
import tempfile
from pathlib import Path

import numpy as np

from competition.core.probabilities import save_probabilities


def noise_model(rng, rows, classes):
    """Probabilities unrelated to the labels."""
    return rng.dirichlet(np.full(classes, 0.7), rows).astype(np.float32)


def informative_model(rng, labels, classes, accuracy, rows_mask=None, sharpness=1.5, concentration=0.7):
    """Within `rows_mask` (default all rows), extra mass on the true class for about `accuracy` of the rows.

    The rest is Dirichlet noise: confident with a small `concentration`, nearly flat with a large one.
    """
    rows = len(labels)
    probs = rng.dirichlet(np.full(classes, concentration), rows)
    domain = np.ones(rows, dtype=bool) if rows_mask is None else rows_mask
    hit = rng.random(rows) < accuracy
    target = np.where(hit, labels, rng.integers(0, classes, rows))
    probs[np.flatnonzero(domain), target[domain]] += sharpness  # outside its domain the model is only noise
    return (probs / probs.sum(axis=1, keepdims=True)).astype(np.float32)


def top1(probs, labels):
    return float((probs.argmax(axis=1) == labels).mean())


def write_prediction_dirs(root, models, *, track, val_ids, val_labels, test_ids, rng):
    """predictions/<name>/{val,test}.npz for each name → val probs; test probs are fresh noise-free copies."""
    root = Path(root)
    dirs = []
    for name, val_probs in models.items():
        classes = val_probs.shape[1]
        test_probs = rng.dirichlet(np.full(classes, 0.7), len(test_ids)).astype(np.float32)
        save_probabilities(root / name / "val.npz", val_ids, val_probs, val_labels, model=name, track=track,
                           split="val")
        save_probabilities(root / name / "test.npz", test_ids, test_probs, None, model=name, track=track,
                           split="test")
        dirs.append(root / name)
    return dirs


def clip_ids(videos, clips_per_video, first_video=0):
    return [f"{v:04d}_{k}" for v in range(first_video, first_video + videos) for k in range(clips_per_video)]


@contextlib.contextmanager
def study_dir():
    """A temporary folder for Optuna journal files, in memory (/dev/shm) where there is one.

    The journal storage fsyncs each of its ~14 writes per trial; on a virtual disk that, not the code under
    test, would dominate the tests' time.
    """
    shm = Path("/dev/shm")
    base = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="miga-studies-", dir=base) as folder:
        yield Path(folder)
