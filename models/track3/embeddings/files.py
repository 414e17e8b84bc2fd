"""Chunk-embedding files: one embedding per 16-frame chunk of every video, stored without pickle.

A NumPy .npz (load with `allow_pickle=False`):

| array         | shape, dtype     | meaning                                                        |
|---------------|------------------|----------------------------------------------------------------|
| `video_ids`   | [V] str          | video ids                                                      |
| `offsets`     | [V+1] int64      | video i's chunks are rows `offsets[i]:offsets[i+1]`            |
| `embeddings`  | [N, D] float32   | one row per chunk, in time order                               |
| `chunk_start` | [N] int64        | the video frame each chunk starts at                           |
| `meta`        | [] str           | JSON: stream (context/face), extractor, chunk_frames, …        |

`miga features` (context stream, any mmaction2 video backbone) and `miga face-features` (face stream, a timm
image model) write these; any embedding a user computes elsewhere can be stored with
`save_chunk_embeddings` and used in their place.
"""
import json
import zipfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from competition.core.atomic import atomic_path
from competition.core.errors import DataError

ARRAYS = ("video_ids", "offsets", "embeddings", "chunk_start", "meta")


@dataclass(frozen=True)
class ChunkEmbeddings:
    video_ids: np.ndarray
    offsets: np.ndarray
    embeddings: np.ndarray
    chunk_start: np.ndarray
    meta: dict = field(default_factory=dict)
    path: Path | None = None

    @property
    def dim(self) -> int:
        return int(self.embeddings.shape[1])

    def __contains__(self, video_id):
        return str(video_id) in self._index

    @cached_property
    def _index(self):
        return {str(v): i for i, v in enumerate(self.video_ids)}

    def sequence(self, video_id):
        """(embeddings [T, D], chunk_start [T]) of one video."""
        index = self._index.get(str(video_id))
        if index is None:
            raise DataError(self.path or "<embeddings>", f"has no chunks for video {video_id!r}")
        lo, hi = self.offsets[index], self.offsets[index + 1]
        return self.embeddings[lo:hi], self.chunk_start[lo:hi]


def save_chunk_embeddings(path, sequences, meta=None):
    """Write `{video_id: (embeddings [T, D], chunk_start [T])}` atomically; every video needs T ≥ 1."""
    video_ids = sorted(sequences)
    blocks = [np.asarray(sequences[v][0], dtype=np.float32) for v in video_ids]
    starts = [np.asarray(sequences[v][1], dtype=np.int64).reshape(-1) for v in video_ids]
    dims = {b.shape[1] for b in blocks if b.ndim == 2}
    if not video_ids or len(dims) != 1 or any(b.ndim != 2 or len(b) == 0 for b in blocks):
        raise ValueError(f"expected ≥1 video, each with embeddings [T ≥ 1, D] of one D; got dims {sorted(dims)}")
    if any(len(b) != len(s) for b, s in zip(blocks, starts)):
        raise ValueError("each video needs one chunk_start per embedding row")
    arrays = {
        "video_ids": np.array(video_ids, dtype=str),
        "offsets": np.concatenate([[0], np.cumsum([len(b) for b in blocks])]).astype(np.int64),
        "embeddings": np.concatenate(blocks), "chunk_start": np.concatenate(starts),
        "meta": np.array(json.dumps(meta or {})),
    }
    with atomic_path(path, suffix=".npz") as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays)
    return Path(path)


def load_chunk_embeddings(path) -> ChunkEmbeddings:
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "no such chunk-embedding file (write one with `miga features` or "
                              "`miga face-features`)")
    if not zipfile.is_zipfile(path):
        raise DataError(path, "is not a NumPy .npz file")
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [a for a in ARRAYS if a not in npz.files]
            if missing:
                raise DataError(path, f"missing array(s) {missing}; a chunk-embedding file holds {list(ARRAYS)}")
            arrays = {a: npz[a] for a in ARRAYS}
    except ValueError as error:
        raise DataError(path, f"cannot be read without pickle ({error})") from None
    video_ids, offsets, embeddings, starts = (arrays[a] for a in ARRAYS[:4])
    if video_ids.ndim != 1 or video_ids.dtype.kind != "U":
        raise DataError(path, f"`video_ids` must be a 1-d str array, got {video_ids.dtype} {video_ids.shape}")
    if embeddings.ndim != 2 or embeddings.dtype.kind != "f":
        raise DataError(path, f"`embeddings` must be a float [N, D] array, got {embeddings.dtype} {embeddings.shape}")
    if (offsets.shape != (len(video_ids) + 1,) or offsets[0] != 0 or offsets[-1] != len(embeddings)
            or (np.diff(offsets) < 1).any()):
        raise DataError(path, f"`offsets` must rise from 0 to {len(embeddings)} in {len(video_ids)} steps of ≥1")
    if starts.shape != (len(embeddings),):
        raise DataError(path, f"`chunk_start` must have shape [{len(embeddings)}], got {starts.shape}")
    if not np.isfinite(embeddings).all():
        raise DataError(path, "`embeddings` holds NaN or infinite values")
    meta = json.loads(str(arrays["meta"])) if arrays["meta"].shape == () else {}
    return ChunkEmbeddings(video_ids, offsets, embeddings.astype(np.float32), starts.astype(np.int64), meta, path)
