"""Id rules: a clip of video V is `V_k`; files and list entries may carry a folder and a `.mp4` suffix."""
from pathlib import PurePath


def clip_id(video_id, k) -> str:
    """The id of clip k (0-based row of the video's label file) of a video."""
    return f"{video_id}_{k}"


def video_of_clip(identifier) -> str | None:
    """The video part of a clip id (`0054_3` → `0054`), or None when the id has no `_<k>` suffix."""
    video, sep, k = str(identifier).rpartition("_")
    return video if sep and video and k.isdigit() else None


def id_from_name(name) -> str:
    """The id in a file name or path: `.../rgb/clips/0054_3.mp4` → `0054_3`."""
    stem = PurePath(str(name)).name
    return stem[:-4] if stem.endswith(".mp4") else stem
