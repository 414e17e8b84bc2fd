"""The resumable loop shared by `miga features` and `miga face-features`.

Each video's chunk embeddings are written to `OUT.parts/<video_id>.npz` as soon as they are done, so an
interrupted run resumes with the next video; at the end the parts are merged into OUT atomically and removed.
"""
import shutil
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from competition.atomic import atomic_path
from competition.errors import DataError
from competition.track3.embeddings import save_chunk_embeddings
from competition.track3.frames import CHUNK_FRAMES, find_videos
from competition.track3.videos import VideoTable, read_clips


def add_source_arguments(parser):
    parser.add_argument("--data", type=Path, required=True, help="prepared dataset (miga prepare)")
    parser.add_argument("--out", type=Path, required=True, help="chunk-embedding file to write (.npz)")
    parser.add_argument("--videos", type=Path, help="folder searched for whole interview videos <video_id>.mp4 "
                                                    "(default: read the prepared clips)")
    parser.add_argument("--split", choices=("train", "val", "test"), action="append",
                        help="only these splits (repeatable; default all videos)")
    parser.add_argument("--chunk-frames", type=int, default=CHUNK_FRAMES, help="frames per chunk")
    parser.add_argument("--device", default="cpu", help="torch device, e.g. cuda")
    parser.add_argument("--batch-size", type=int, default=8, help="chunks per forward pass")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def selected_videos(args):
    """(videos.csv rows to embed, clips.csv, {video_id: whole video path})."""
    table = VideoTable.read(args.data).table
    if args.split:
        table = table[table["split"].isin(args.split)]
    whole = find_videos(args.videos) if args.videos else {}
    if args.videos and not whole:
        raise DataError(args.videos, "holds no .mp4 videos")
    return table.reset_index(drop=True), read_clips(args.data), whole


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
