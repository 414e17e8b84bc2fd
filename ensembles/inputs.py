"""The ensemble's inputs: several models' probability files on one split, joined by id into one array.

Out-of-fold files (`oof.npz`, `miga train --folds`) carry each row's fold; joined, the models must agree on
it (the same fold file), so that the ensemble's cross-validation can reuse those folds.
"""
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from competition.core.errors import DataError
from competition.core.probabilities import Probabilities, load_probabilities

SHOWN_IDS = 10


@dataclass(frozen=True)
class ModelSet:
    """Probabilities of M models on the same N rows: `probs` [M, N, C] float32, rows in `ids` order."""
    ids: np.ndarray
    probs: np.ndarray
    labels: np.ndarray
    models: tuple
    paths: tuple
    fold: np.ndarray | None = None  # out-of-fold inputs: the fold of each row, shared by every model
    fold_file: str | None = None    # ... and the fold file it came from
    split: str = "val"              # the files' split: "val", or "oof" (every labelled clip out of fold)

    @property
    def num_classes(self) -> int:
        return int(self.probs.shape[2])

    def describe_rows(self) -> str:
        """Which rows these are, for tables and specs."""
        if self.fold is not None:
            return (f"{len(self.ids)} labelled rows out of fold (oof.npz: each predicted by the fold model that did "
                    f"not see its video; fold file {self.fold_file})")
        return f"{len(self.ids)} {self.split} rows ({self.split}.npz)"


def prediction_file(source, split) -> Path:
    """`predictions/<model>/` → its `<split>.npz`; a file path → the file of `split` beside it."""
    source = Path(source)
    if source.is_dir():
        return source / f"{split}.npz"
    if not source.exists():
        raise DataError(source, f"no such prediction folder (give predictions/<model>/, which holds {split}.npz)")
    return source.with_name(f"{split}.npz")


def load_model_set(sources, *, split, track=None, num_classes=None) -> ModelSet:
    """Load each source's `split` probability file and join them by id (see `join_by_id`)."""
    if not sources:
        raise DataError("PRED_DIR", "no prediction folders given")
    files = [load_probabilities(prediction_file(source, split), track=track, num_classes=num_classes, split=split)
             for source in sources]
    return replace(join_by_id(files), split=split)


def join_by_id(files: list[Probabilities]) -> ModelSet:
    """Stack the models' probabilities with rows in the first file's id order.

    Every file must hold exactly the same ids and the same number of classes; known labels must agree.
    """
    first = files[0]
    names = [f.meta.get("model") or Path(f.path).parent.name for f in files]
    seen = {}
    for name, f in zip(names, files):
        if name in seen:
            raise DataError(f.path, f"model name {name!r} is also the model of {seen[name]}; each input must be a "
                                    "different model")
        seen[name] = f.path
    position = {identifier: row for row, identifier in enumerate(first.ids.tolist())}
    stacked = np.empty((len(files), len(first.ids), first.num_classes), dtype=np.float32)
    labels = first.labels.copy()
    for index, f in enumerate(files):
        if f.num_classes != first.num_classes:
            raise DataError(f.path, f"has {f.num_classes} classes but {first.path} has {first.num_classes}")
        ids = f.ids.tolist()
        missing = sorted(set(position) - set(ids))
        extra = sorted(set(ids) - set(position))
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"lacks {len(missing)} id(s) of {first.path}: {_shown(missing)}")
            if extra:
                parts.append(f"has {len(extra)} id(s) that {first.path} lacks: {_shown(extra)}")
            raise DataError(f.path, "; ".join(parts) + " — all inputs must cover the same clips or videos")
        order = np.array([position[identifier] for identifier in ids])
        stacked[index, order] = f.probs
        theirs = np.full_like(labels, -1)
        theirs[order] = f.labels
        known = (labels >= 0) & (theirs >= 0)
        clash = np.flatnonzero(known & (labels != theirs))
        if len(clash):
            row = clash[0]
            raise DataError(f.path, f"label of id {str(first.ids[row])!r} is {theirs[row]} but {first.path} says "
                                    f"{labels[row]} ({len(clash)} disagreement(s))")
        labels = np.where(labels >= 0, labels, theirs)
    fold, fold_file = _shared_folds(files, position)
    return ModelSet(ids=first.ids, probs=stacked, labels=labels, models=tuple(names),
                    paths=tuple(Path(f.path) for f in files), fold=fold, fold_file=fold_file)


def _shared_folds(files, position):
    """The fold of each row when every file is out-of-fold, checked to be the same fold file's in every file."""
    if not any(f.out_of_fold for f in files):
        return None, None
    first = files[0]
    fold = None
    for f in files:
        if not f.out_of_fold:
            raise DataError(f.path, f"is not an out-of-fold file but {first.path} is; join oof.npz files only "
                                    "with each other")
        if f.meta.get("fold_file_sha256") != first.meta.get("fold_file_sha256"):
            raise DataError(f.path, f"was trained on another fold file ({f.meta.get('fold_file')}) than {first.path} "
                                    f"({first.meta.get('fold_file')}): models judged on different folds cannot be "
                                    "stacked honestly; train every model on one fold file")
        theirs = np.empty(len(position), dtype=np.int64)
        theirs[[position[i] for i in f.ids.tolist()]] = f.fold
        if fold is not None and (theirs != fold).any():
            row = int(np.flatnonzero(theirs != fold)[0])
            raise DataError(f.path, f"puts id {str(first.ids[row])!r} in fold {theirs[row]}, {first.path} in fold "
                                    f"{fold[row]}")
        fold = theirs
    return fold, first.meta.get("fold_file")


def _shown(ids):
    head = ", ".join(ids[:SHOWN_IDS])
    return head + (f", … ({len(ids) - SHOWN_IDS} more)" if len(ids) > SHOWN_IDS else "")
