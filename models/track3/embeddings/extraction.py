"""The resumable loop shared by `miga features` and `miga face-features`.

Each video's chunk embeddings are written to `OUT.parts/<video_id>.npz` as soon as they are done, so an
interrupted run resumes with the next video; at the end the parts are merged into OUT atomically and removed.
"""
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from competition.core.atomic import atomic_path
from competition.core.errors import DataError
from competition.data.tables import VideoTable, read_clips
from models.track3.embeddings.files import save_chunk_embeddings
from models.track3.embeddings.frames import CHUNK_FRAMES, find_videos


@dataclass(frozen=True)
class ChunkSource:
    """Which videos to embed and how: the prepared dataset, optionally whole videos, chunk size, device."""
    data: Path                   # the prepared dataset
    videos: Path | None = None   # folder searched for whole interview videos <video_id>.mp4
    splits: tuple = ()           # only these splits (default all videos)
    chunk_frames: int = CHUNK_FRAMES
    device: str = "cpu"
    batch_size: int = 8          # chunks per forward pass
    progress: bool = True

    def select(self):
        """(videos.csv rows to embed, clips.csv, {video_id: whole video path})."""
        table = VideoTable.read(self.data).table
        if self.splits:
            table = table[table["split"].isin(self.splits)]
        whole = find_videos(self.videos) if self.videos else {}
        if self.videos and not whole:
            raise DataError(self.videos, "holds no .mp4 videos")
        return table.reset_index(drop=True), read_clips(self.data), whole


def batched(items, size):
    """Lists of up to `size` items from any iterable, consumed lazily (a video never sits in memory whole)."""
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def embed_in_batches(chunks, embed_batch, batch_size):
    """(embeddings [T, D], chunk_start [T]) of a stream of Chunks, `batch_size` chunks per forward pass."""
    rows, starts = [], []
    for batch in batched(chunks, batch_size):
        rows.append(embed_batch(batch))
        starts += [chunk.start for chunk in batch]
    return (np.concatenate(rows) if rows else np.zeros((0, 1), np.float32)), np.asarray(starts, np.int64)


def extract_embeddings(video_ids, embed_video, out, meta, progress=True):
    """Run `embed_video(video_id) -> (embeddings [T, D], chunk_start [T])` over the videos, resumably."""
    out = Path(out)
    parts = out.with_name(out.name + ".parts")
    parts.mkdir(parents=True, exist_ok=True)
    for video_id in tqdm(video_ids, desc=f"embedding {out.name}", disable=not progress):
        part = parts / f"{video_id}.npz"
        if part.is_file():
            continue
        embeddings, starts = embed_video(video_id)
        if len(embeddings) == 0:
            raise DataError(video_id, f"video {video_id} is shorter than half a chunk; nothing to embed")
        with atomic_path(part, suffix=".npz") as tmp:
            with open(tmp, "wb") as handle:
                np.savez(handle, embeddings=np.asarray(embeddings, np.float32), chunk_start=np.asarray(starts))
    sequences = {}
    for video_id in video_ids:
        with np.load(parts / f"{video_id}.npz", allow_pickle=False) as npz:
            sequences[video_id] = (npz["embeddings"], npz["chunk_start"])
    save_chunk_embeddings(out, sequences, meta)
    shutil.rmtree(parts)
    return out
