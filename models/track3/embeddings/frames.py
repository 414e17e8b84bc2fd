"""A video's frames, 16 at a time: the chunks that Track 3's context and face embeddings describe.

Frames come from the whole interview video when the user has it (`--videos DIR`, searched for
`<video_id>.mp4`), else from the prepared dataset's clips (`rgb/clips/<clip_id>.mp4`) in clip order, each frame
keeping its frame number in the whole video. Chunks are consecutive runs of `chunk_frames` frames; a shorter
tail of at least half a chunk is padded by repeating its last frame, a shorter one is dropped.
"""
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from competition.core.errors import DataError

CHUNK_FRAMES = 16


@dataclass
class Chunk:
    start: int             # video frame number of the first frame
    frame_numbers: list    # video frame number of every frame
    frames: np.ndarray     # [chunk_frames, H, W, 3] uint8 RGB


def iter_video(path):
    """RGB uint8 frames of a video file, decoded one at a time."""
    import av

    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as error:
        raise DataError(path, f"cannot open the video ({error})") from error
    with container:
        for frame in container.decode(video=0):
            yield frame.to_ndarray(format="rgb24")


def find_videos(videos_dir):
    """`{video_id: path}` of the `<video_id>.mp4` files anywhere under `videos_dir` (the raw download layout)."""
    return {path.stem: path for path in sorted(Path(videos_dir).rglob("*.mp4"))}


def numbered_frames(video_id, clips, data_dir, whole_videos=None):
    """(frame number, frame) of one video: from its whole video if known, else from its prepared clips."""
    if whole_videos and video_id in whole_videos:
        yield from enumerate(iter_video(whole_videos[video_id]))
        return
    own = clips[clips["video_id"] == video_id].sort_values("start")
    if own.empty:
        raise DataError(Path(data_dir) / "clips.csv", f"video {video_id} has no clips, and no whole video was given "
                                                      "(--videos)")
    for clip_id, start in zip(own["clip_id"], own["start"]):
        path = Path(data_dir) / "rgb" / "clips" / f"{clip_id}.mp4"
        if not path.is_file():
            raise DataError(path, f"clip {clip_id} not found; prepare the RGB clips or pass --videos")
        for offset, frame in enumerate(iter_video(path)):
            yield int(start) + offset, frame


def chunked(numbered, chunk_frames=CHUNK_FRAMES):
    """Group (frame number, frame) pairs into Chunks of `chunk_frames`."""
    numbers, frames = [], []
    for number, frame in numbered:
        numbers.append(number)
        frames.append(frame)
        if len(frames) == chunk_frames:
            yield Chunk(numbers[0], numbers, np.stack(frames))
            numbers, frames = [], []
    if frames and len(frames) * 2 >= chunk_frames:
        padding = chunk_frames - len(frames)
        yield Chunk(numbers[0], numbers + [numbers[-1]] * padding, np.stack(frames + [frames[-1]] * padding))
