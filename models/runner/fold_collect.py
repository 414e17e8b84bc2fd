"""The collect step of out-of-fold training: K folds' predictions → OUT/oof.npz and OUT/test.npz.

`oof.npz` holds every labelled clip of the fold file exactly once, predicted by the fold model that held out
its video (or subject), with the fold of each row (`fold`); `test.npz` the mean of the K fold models'
test probabilities. Nothing is written unless every fold finished with the same settings; the folds that
did not are named. Two-stream models (RGBPoseConv3D) get the same for each stream (OUT-rgb/, OUT-pose/).
"""
import re
from pathlib import Path

import numpy as np

from competition.core.constants import OOF
from competition.core.errors import DataError
from competition.core.probabilities import load_probabilities, save_probabilities
from competition.data.fold_files import read_fold_file

FOLD_FOLDER = re.compile(r"^fold(\d+)(-.+)?$")
SHARED_META = ("folds", "fold_file", "fold_file_sha256", "fold_by", "fold_seed", "fold_settings",
               "test_time_augmentation", "data_root", "stream")


def fold_streams(out) -> dict:
    """{stream suffix ('' = the model, '-rgb', …): {fold: folder}} of the fold folders under OUT/folds."""
    streams = {}
    folders = Path(out) / "folds"
    for folder in sorted(folders.iterdir()) if folders.is_dir() else ():
        match = FOLD_FOLDER.match(folder.name)
        if match and folder.is_dir():
            streams.setdefault(match[2] or "", {})[int(match[1])] = folder
    return streams


def fold_status(out):
    """(K, {fold: problem}) of the folds under OUT: K from the folds' own records, a problem for each fold that
    has no finished predictions or was made with other settings than the others."""
    folders = fold_streams(out).get("")
    if not folders:
        raise DataError(Path(out) / "folds", "holds no fold predictions; train the folds first "
                                              "(`miga train CONFIG --folds K --out OUT`)")
    records = {}
    for fold, folder in folders.items():
        path = folder / f"{OOF}.npz"
        if path.is_file() and (folder / "test.npz").is_file():
            records[fold] = load_probabilities(path, split=OOF).meta
    if not records:
        folds = None
    else:
        counts = {}
        for meta in records.values():
            counts[(meta["folds"], meta["fold_settings"])] = counts.get((meta["folds"], meta["fold_settings"]), 0) + 1
        folds, settings = max(counts, key=counts.get)
    problems = {}
    for fold in range(folds or max(folders) + 1):
        if fold not in records:
            problems[fold] = "no finished predictions (oof.npz and test.npz)"
        elif (records[fold]["folds"], records[fold]["fold_settings"]) != (folds, settings):
            problems[fold] = "made with other settings or another fold file than the other folds"
    return folds, problems


def collect_folds(out, *, fold_file=None) -> list:
    """Write OUT/oof.npz and OUT/test.npz (and per stream) from the finished folds; returns the paths.

    `fold_file`: the fold file, when it is not where the folds recorded it (another machine's mount).
    """
    out = Path(out)
    folds, problems = fold_status(out)
    if problems:
        listed = "; ".join(f"fold {k}: {why}" for k, why in sorted(problems.items()))
        raise DataError(out, f"{len(problems)} of {folds or '?'} folds are not finished: {listed}. Run each with "
                             "`miga train CONFIG --folds K --fold k --out OUT` (same settings), then collect again")
    written = []
    for suffix, folders in fold_streams(out).items():
        missing = [k for k in range(folds) if k not in folders]
        if missing:
            raise DataError(out / "folds", f"stream {suffix[1:]!r} lacks fold(s) {missing}")
        written += _collect_stream(out.with_name(out.name + suffix), [folders[k] for k in range(folds)], fold_file)
    return written


def _collect_stream(target, folders, fold_file):
    held_out = [load_probabilities(folder / f"{OOF}.npz", split=OOF) for folder in folders]
    tests = [load_probabilities(folder / "test.npz", split="test") for folder in folders]
    first = held_out[0]
    path = Path(fold_file or first.meta["fold_file"])
    assignment = read_fold_file(path)
    if assignment.sha256 != first.meta["fold_file_sha256"]:
        raise DataError(path, "is not the fold file the folds were trained on (its sha256 differs)")
    position = {clip: row for row, clip in enumerate(assignment.ids.tolist())}
    probs = np.full((len(assignment.ids), first.num_classes), np.nan, dtype=np.float32)
    fold_of = np.full(len(assignment.ids), -1, dtype=np.int64)
    for fold, part in enumerate(held_out):
        expected = set(assignment.held_out(fold))
        got = [str(i) for i in part.ids]
        if set(got) != expected or len(got) != len(expected):
            raise DataError(part.path, f"holds {len(got)} clips, not the {len(expected)} held-out clips of fold "
                                       f"{fold} in {path}")
        rows = [position[i] for i in got]
        probs[rows], fold_of[rows] = part.probs, fold
        known = part.labels >= 0
        if (part.labels[known] != assignment.labels[rows][known]).any():
            raise DataError(part.path, f"its labels differ from those of {path}")
    meta = {key: first.meta[key] for key in SHARED_META if key in first.meta}
    meta["fold_checkpoints"] = [part.meta.get("checkpoint") for part in held_out]
    config = first.meta.get("config")
    written = [save_probabilities(target / f"{OOF}.npz", assignment.ids, probs, assignment.labels, model=target.name,
                                  track=first.track, split=OOF, config=config, fold=fold_of,
                                  extra_meta=dict(meta, out_of_fold=True))]
    order = tests[0].ids.tolist()
    total = np.zeros_like(tests[0].probs, dtype=np.float64)
    for part in tests:
        if sorted(part.ids.tolist()) != sorted(order):
            raise DataError(part.path, f"predicts other test clips than {tests[0].path}")
        row_of = {clip: row for row, clip in enumerate(part.ids.tolist())}
        total += part.probs[[row_of[clip] for clip in order]]
    mean = total / len(tests)
    written.append(save_probabilities(target / "test.npz", tests[0].ids, mean / mean.sum(1, keepdims=True),
                                      tests[0].labels, model=target.name, track=first.track, split="test",
                                      config=config, extra_meta=dict(meta, fold_mean=len(tests))))
    return written
