"""Id rules: a clip of video V is `V_k`; files and list entries may carry a folder and a `.mp4` suffix."""
from pathlib import PurePath

import numpy as np


def clip_id(video_id, k) -> str:
    """The id of clip k (0-based row of the video's label file) of a video."""
    return f"{video_id}_{k}"


def video_of_clip(identifier) -> str | None:
    """The video part of a clip id (`0054_3` → `0054`), or None when the id has no `_<k>` suffix."""
    video, sep, k = str(identifier).rpartition("_")
    return video if sep and video and k.isdigit() else None


def video_groups(clip_ids) -> np.ndarray:
    """The video of every clip id, the cross-validation group of clips (competition.core.folds).

    Raises ValueError naming the ids that are not `<video>_<k>`: a clip whose video is unknown cannot be
    kept on one side of a fold, so it is never guessed.
    """
    videos = [video_of_clip(identifier) for identifier in clip_ids]
    bad = [str(identifier) for identifier, video in zip(clip_ids, videos) if video is None]
    if bad:
        shown = ", ".join(repr(b) for b in bad[:5]) + (f", … ({len(bad) - 5} more)" if len(bad) > 5 else "")
        raise ValueError(f"{len(bad)} id(s) are not clip ids <video>_<k>, so their video is unknown: {shown}")
    return np.asarray(videos, dtype=str)


def id_from_name(name) -> str:
    """The id in a file name or path: `.../rgb/clips/0054_3.mp4` → `0054_3`."""
    stem = PurePath(str(name)).name
    return stem[:-4] if stem.endswith(".mp4") else stem
