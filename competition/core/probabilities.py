"""Probability files: one model's class probabilities on one split, keyed by clip or video id.

The contract (docs/probability-files.md): a NumPy `.npz` readable with `allow_pickle=False` holding
`ids` [N] str, `probs` [N, C] float32 with rows summing to 1, `labels` [N] int64 (-1 = unknown) and `meta`,
a 0-d str array with a JSON object (model, track, split, num_classes, config, config_sha256, checkpoint,
code_revision, created). Out-of-fold files (split `oof`) also hold `fold` [N] int64: the fold whose model
predicted the row. Every reader goes through `load_probabilities`, which checks all of it.
"""
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from competition.core.atomic import atomic_path
from competition.core.constants import OOF, PROBABILITY_SPLITS, TRACKS
from competition.core.errors import DataError
from competition.core.provenance import code_revision, sha256_file, utc_now

ARRAYS = ("ids", "probs", "labels", "meta")
META_KEYS = ("model", "track", "split", "num_classes", "config", "config_sha256", "checkpoint",
             "code_revision", "created")
# float32 rows of softmax output sum to 1 within a few ulps per class; 1e-3 leaves room for C in the hundreds
# and still catches logits or unnormalised scores.
ROW_SUM_TOLERANCE = 1e-3


class ProbabilityFileError(DataError):
    """A probability file (or the arrays about to be saved as one) breaks the contract."""


@dataclass(frozen=True)
class Probabilities:
    ids: np.ndarray
    probs: np.ndarray
    labels: np.ndarray
    meta: dict = field(default_factory=dict)
    path: Path | None = None
    fold: np.ndarray | None = None  # out-of-fold files: the fold of each row

    @property
    def out_of_fold(self) -> bool:
        return self.fold is not None

    @property
    def num_classes(self) -> int:
        return int(self.probs.shape[1])

    @property
    def model(self) -> str:
        return self.meta["model"]

    @property
    def track(self) -> int:
        return int(self.meta["track"])

    @property
    def split(self) -> str:
        return self.meta["split"]

    @property
    def has_labels(self) -> bool:
        """True when every row carries a known label."""
        return bool(len(self.labels)) and bool((self.labels >= 0).all())

    def __len__(self):
        return len(self.ids)


def save_probabilities(path, ids, probs, labels=None, *, model, track, split, config=None, checkpoint=None,
                       extra_meta=None, fold=None) -> Path:
    """Check the arrays against the contract and write them atomically to `path` (an .npz file).

    `probs` is cast to float32 and must already be probabilities (apply softmax to logits first); `labels`
    defaults to -1 (unknown) for every row. `config` and `checkpoint` are paths recorded in the meta (the
    config's sha256 is stored when the file exists). `extra_meta` adds keys; it may not replace the
    contract's own. `fold` (required for split `oof`, refused otherwise): the fold of each row.
    """
    path = Path(path)
    ids = np.asarray(ids)
    if ids.dtype.kind in "OS":
        ids = np.asarray([i.decode() if isinstance(i, bytes) else str(i) for i in ids.ravel()]).reshape(ids.shape)
    probs = np.asarray(probs)
    if probs.dtype.kind == "f":
        probs = probs.astype(np.float32)
    labels = np.full(len(ids), -1, dtype=np.int64) if labels is None else np.asarray(labels)
    if labels.dtype.kind in "iu":
        labels = labels.astype(np.int64)
    config_sha = sha256_file(config) if config is not None and Path(config).is_file() else None
    meta = {
        "model": str(model), "track": track, "split": split,
        "num_classes": int(probs.shape[1]) if probs.ndim == 2 else None,
        "config": None if config is None else str(config), "config_sha256": config_sha,
        "checkpoint": None if checkpoint is None else str(checkpoint),
        "code_revision": code_revision(), "created": utc_now(),
    }
    clash = sorted(set(extra_meta or {}) & set(META_KEYS))
    if clash:
        raise ValueError(f"extra_meta may not replace the contract's meta keys {clash}")
    meta.update(extra_meta or {})
    fold = None if fold is None else np.asarray(fold)
    if fold is not None and fold.dtype.kind in "iu":
        fold = fold.astype(np.int64)
    validate_arrays(path, ids, probs, labels, meta, num_classes=None, track=None, fold=fold)
    arrays = dict(ids=ids, probs=probs, labels=labels, meta=np.array(json.dumps(meta)))
    if fold is not None:
        arrays["fold"] = fold
    with atomic_path(path, suffix=".npz") as tmp:
        with open(tmp, "wb") as handle:  # a file handle: np.savez would otherwise append its own suffix
            np.savez_compressed(handle, **arrays)
    return path


def load_probabilities(path, *, num_classes=None, track=None, split=None) -> Probabilities:
    """Read and check a probability file; `num_classes`, `track`, `split` are what the caller expects."""
    path = Path(path)
    if not path.is_file():
        raise ProbabilityFileError(path, "no such probability file")
    if not zipfile.is_zipfile(path):
        raise ProbabilityFileError(path, "is not a NumPy .npz file (not a zip archive)")
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [name for name in ARRAYS if name not in npz.files]
            if missing:
                raise ProbabilityFileError(
                    path, f"missing array(s) {missing}; a probability file holds {list(ARRAYS)}, found {npz.files}")
            arrays = {name: npz[name] for name in ARRAYS}
            arrays["fold"] = npz["fold"] if "fold" in npz.files else None
    except ProbabilityFileError:
        raise
    except ValueError as error:  # object arrays need pickle, which we never load
        raise ProbabilityFileError(path, f"cannot be read without pickle ({error}); save it with "
                                         "competition.core.probabilities.save_probabilities") from None
    except (OSError, zipfile.BadZipFile, EOFError) as error:
        raise ProbabilityFileError(path, f"is not a NumPy .npz file ({error})") from None
    meta = _parse_meta(path, arrays["meta"])
    validate_arrays(path, arrays["ids"], arrays["probs"], arrays["labels"], meta, num_classes=num_classes,
                    track=track, split=split, fold=arrays["fold"])
    return Probabilities(ids=arrays["ids"], probs=arrays["probs"], labels=arrays["labels"], meta=meta, path=path,
                         fold=arrays["fold"])


def _parse_meta(path, meta_array):
    if meta_array.shape != () or meta_array.dtype.kind != "U":
        raise ProbabilityFileError(path, f"`meta` must be a 0-d str array holding JSON, got shape "
                                         f"{meta_array.shape} dtype {meta_array.dtype}")
    try:
        meta = json.loads(str(meta_array))
    except json.JSONDecodeError as error:
        raise ProbabilityFileError(path, f"`meta` is not valid JSON ({error})") from None
    if not isinstance(meta, dict):
        raise ProbabilityFileError(path, f"`meta` must be a JSON object, got {type(meta).__name__}")
    return meta


def validate_arrays(path, ids, probs, labels, meta, *, num_classes=None, track=None, split=None, fold=None):
    """Raise ProbabilityFileError naming `path` and the first way the arrays break the contract."""
    def fail(message):
        raise ProbabilityFileError(path, message)

    missing = [key for key in META_KEYS if key not in meta]
    if missing:
        fail(f"`meta` lacks key(s) {missing}")
    if meta["track"] not in TRACKS:
        fail(f"`meta.track` must be one of {TRACKS}, got {meta['track']!r}")
    if track is not None and meta["track"] != int(track):
        fail(f"is a Track {meta['track']} file, expected Track {track}")
    if meta["split"] not in PROBABILITY_SPLITS:
        fail(f"`meta.split` must be one of {PROBABILITY_SPLITS}, got {meta['split']!r}")
    if split is not None and meta["split"] != split:
        fail(f"holds the {meta['split']!r} split, expected {split!r}")

    if ids.ndim != 1 or ids.dtype.kind != "U":
        fail(f"`ids` must be a 1-d str array, got shape {ids.shape} dtype {ids.dtype}")
    if len(ids) == 0:
        fail("holds no rows")
    unique, counts = np.unique(ids, return_counts=True)
    if len(unique) != len(ids):
        duplicated = unique[counts > 1]
        fail(f"{len(duplicated)} duplicate id(s), e.g. {duplicated[:5].tolist()}")

    if probs.ndim != 2 or probs.shape[0] != len(ids):
        fail(f"`probs` must have shape [N={len(ids)}, C], got {probs.shape}")
    if probs.dtype != np.float32:
        fail(f"`probs` must be float32, got {probs.dtype}")
    bad_rows = np.flatnonzero(~np.isfinite(probs).all(axis=1))
    if len(bad_rows):
        fail(f"`probs` has NaN or infinite values in {len(bad_rows)} row(s), first id {str(ids[bad_rows[0]])!r}")
    bad_rows = np.flatnonzero((probs < 0).any(axis=1))
    if len(bad_rows):
        fail(f"`probs` has negative values in {len(bad_rows)} row(s), first id {str(ids[bad_rows[0]])!r}; "
             "store softmax probabilities, not logits")
    row_sums = probs.sum(axis=1, dtype=np.float64)
    bad_rows = np.flatnonzero(np.abs(row_sums - 1.0) > ROW_SUM_TOLERANCE)
    if len(bad_rows):
        first = bad_rows[0]
        fail(f"`probs` rows must sum to 1: {len(bad_rows)} row(s) do not, first id {str(ids[first])!r} sums to "
             f"{row_sums[first]:.6f}; store softmax probabilities, not logits or scores")
    classes = probs.shape[1]
    if meta["num_classes"] != classes:
        fail(f"`meta.num_classes` is {meta['num_classes']} but `probs` has {classes} columns")
    if num_classes is not None and classes != int(num_classes):
        fail(f"has {classes} classes, expected {num_classes}")

    if labels.ndim != 1 or len(labels) != len(ids):
        fail(f"`labels` must have shape [N={len(ids)}], got {labels.shape}")
    if labels.dtype != np.int64:
        fail(f"`labels` must be int64, got {labels.dtype}")
    bad_rows = np.flatnonzero((labels < -1) | (labels >= classes))
    if len(bad_rows):
        first = bad_rows[0]
        fail(f"`labels` must be -1 (unknown) or 0..{classes - 1}: {len(bad_rows)} row(s) are not, first id "
             f"{str(ids[first])!r} has {labels[first]}")

    if meta["split"] == OOF:
        if fold is None:
            fail("an out-of-fold file (split `oof`) must hold `fold`, the fold of each row")
        if fold.shape != ids.shape or fold.dtype != np.int64:
            fail(f"`fold` must have shape [N={len(ids)}] and dtype int64, got {fold.shape} {fold.dtype}")
        if (fold < 0).any():
            fail(f"`fold` must be ≥ 0, first id {str(ids[np.flatnonzero(fold < 0)[0]])!r} has {fold.min()}")
        if (labels < 0).any():
            fail(f"every row of an out-of-fold file has a label; id {str(ids[np.flatnonzero(labels < 0)[0]])!r} "
                 "has -1")
    elif fold is not None:
        fail(f"only out-of-fold files (split `oof`) hold `fold`; this one is split {meta['split']!r}")
