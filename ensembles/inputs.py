"""The ensemble's inputs: several models' probability files on one split, joined by id into one array."""
from dataclasses import dataclass
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

    @property
    def num_classes(self) -> int:
        return int(self.probs.shape[2])


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
    return join_by_id(files)


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
    return ModelSet(ids=first.ids, probs=stacked, labels=labels, models=tuple(names),
                    paths=tuple(Path(f.path) for f in files))


def _shown(ids):
    head = ", ".join(ids[:SHOWN_IDS])
    return head + (f", … ({len(ids) - SHOWN_IDS} more)" if len(ids) > SHOWN_IDS else "")
