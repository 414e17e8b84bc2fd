"""Extra video modalities for the video models, as clip videos beside the RGB ones.

`miga modality taylor PREPARED` writes PREPARED/taylor/clips/<clip_id>.mp4, `flow` writes PREPARED/flow/...,
each with the list files `<modality>/{train,val,test}.txt` copied from `rgb/`, so that the Video Swin configs
swin_t_taylor.py and swin_t_flow.py read them like RGB. `depth --source DIR` takes depth videos you made
yourself (e.g. with a monocular depth model), one `<clip_id>.mp4` per RGB clip, and links them in.

Taylor video as MM-Gesture's released `taylor.py` computes it (after Wang et al., "Taylor Videos for Action
Recognition", ICML 2024): frames become grayscale in 0..1; a window of L = `terms + 3` frames f_0..f_{L-1}
slides over the clip, one output frame per window position. With x_i = f_i - f_0 and the Taylor weights
P_n = sum_i x_i^n / n! (n < `terms`, so P_0 = L), channel c (c = 1, 2, 3) is sum_n P_n * D^(c+n) f_0 / L, where
D^k f_0 is the k-th forward temporal difference at the window's first frame. Negative values clamp to 0 and
each output frame is scaled by one factor so that its brightest value of any channel is 255 (then truncated
to integers). Still content cancels out and what moves remains. A clip of T frames gives T - L + 1 frames;
a clip shorter than a window is padded with its last frame (taylor.py stops on such a clip), giving one.

Optical flow: OpenCV's DIS flow (learned flow weights cannot be downloaded here) between consecutive
grayscale frames, stored as x → red, y → green (128 ± 127 for ±`bound` pixels) and magnitude → blue. A clip of T
frames gives T - 1 flow frames (at least 1).

Every clip is written atomically; a rerun skips clips already written (resumable); `--jobs` clips at once.
"""
import math
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from competition.core.atomic import write_text
from competition.core.constants import SPLITS
from competition.core.errors import DataError

MODALITIES = ("taylor", "flow", "depth")


# --- Taylor video -------------------------------------------------------------------------------------------

def to_gray(frames):
    """[T, H, W, 3] uint8 RGB → [T, H, W] float32 luminance."""
    return np.asarray(frames, np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)


def scale_frame_to_uint8(frame):
    """A non-negative frame scaled by one factor so that its maximum over all channels is 255, truncated to
    uint8 as taylor.py does (an all-zero frame stays 0)."""
    peak = frame.max()
    scaled = frame * (255.0 / peak) if peak > 0 else frame
    return np.clip(scaled, 0, 255).astype(np.uint8)


def taylor_frames(frames, terms=3):
    """Taylor video of RGB frames [T, H, W, 3] → [T', H, W, 3] uint8 (see the module docstring)."""
    gray = to_gray(frames).round().clip(0, 255) / np.float32(255)  # OpenCV's 8-bit grayscale, as taylor.py reads
    window = terms + 3
    if len(gray) < window:
        gray = np.concatenate([gray, np.repeat(gray[-1:], window - len(gray), axis=0)])
    count = len(gray) - window + 1
    offsets = [gray[i:i + count] - gray[:count] for i in range(window)]  # x_i of every window position
    weights = [sum(x ** n for x in offsets) / math.factorial(n) for n in range(terms)]  # P_n
    differences = {k: np.diff(gray, n=k, axis=0)[:count] for k in range(1, terms + 3)}  # D^k f_0
    channels = [sum(weights[n] * differences[c + n] for n in range(terms)) / window for c in (1, 2, 3)]
    taylor = np.clip(np.stack(channels, axis=-1), 0, None)
    return np.stack([scale_frame_to_uint8(frame) for frame in taylor])


# --- optical flow -------------------------------------------------------------------------------------------

def flow_frames(frames, bound=20.0):
    """DIS optical flow of RGB frames [T, H, W, 3] → [max(T-1, 1), H, W, 3] uint8 flow images."""
    import cv2

    gray = to_gray(frames).round().clip(0, 255).astype(np.uint8)
    if len(gray) < 2:
        gray = np.concatenate([gray, gray])
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    out = []
    for previous, current in zip(gray[:-1], gray[1:]):
        flow = dis.calc(previous, current, None)
        magnitude = np.linalg.norm(flow, axis=-1, keepdims=True)
        encoded = np.concatenate([128 + flow / bound * 127, magnitude / bound * 255], axis=-1)
        out.append(encoded.round().clip(0, 255).astype(np.uint8))
    return np.stack(out)


# --- the command --------------------------------------------------------------------------------------------

def clip_names(prepared):
    """{split: list lines} of rgb/{split}.txt, and the clip file names in them."""
    lists = {}
    for split in SPLITS:
        path = Path(prepared) / "rgb" / f"{split}.txt"
        if not path.is_file():
            raise DataError(path, "missing: is this a prepared dataset (miga prepare)?")
        lists[split] = path.read_text()
    names = [line.split()[0] for text in lists.values() for line in text.splitlines() if line.strip()]
    return lists, names


def _convert(task):
    source, target, modality, terms, bound = task
    from competition.data.video import read_frames, video_info, write_video

    if Path(target).exists():
        return target, False
    frames = np.stack(read_frames(source))
    out = taylor_frames(frames, terms) if modality == "taylor" else flow_frames(frames, bound)
    write_video(target, out, fps=video_info(source).fps)
    return target, True


def make_modality(prepared, modality, *, jobs=1, terms=3, bound=20.0, source=None, progress=True):
    """Write PREPARED/<modality>/clips and its list files; returns the number of clips written now."""
    prepared = Path(prepared)
    lists, names = clip_names(prepared)
    folder = prepared / modality / "clips"
    folder.mkdir(parents=True, exist_ok=True)
    if modality == "depth":
        written = link_depth(Path(source) if source else None, folder, names)
    else:
        tasks = [(prepared / "rgb" / "clips" / name, folder / name, modality, terms, bound) for name in names]
        missing = [str(t[0]) for t in tasks if not t[0].is_file()]
        if missing:
            raise DataError(missing[0], f"RGB clip missing ({len(missing)} in all); rerun miga prepare")
        written = 0
        from tqdm import tqdm
        bar = tqdm(total=len(tasks), desc=f"{modality} clips", unit="clip", disable=not progress)
        if jobs > 1:
            with ProcessPoolExecutor(jobs) as pool:
                for _, made in pool.map(_convert, tasks, chunksize=4):
                    written += made
                    bar.update()
        else:
            for task in tasks:
                written += _convert(task)[1]
                bar.update()
        bar.close()
    for split, text in lists.items():
        write_text(prepared / modality / f"{split}.txt", text)
    return written


def link_depth(source, folder, names):
    if source is None or not source.is_dir():
        raise DataError(source or "--source", "depth needs --source DIR, a folder of <clip_id>.mp4 depth videos "
                                              "named like the RGB clips")
    missing = [name for name in names if not (source / name).is_file()]
    if missing:
        raise DataError(source, f"{len(missing)} of {len(names)} clips have no depth video, e.g. "
                                f"{', '.join(missing[:3])}")
    written = 0
    for name in names:
        link = folder / name
        if not link.exists():
            tmp = folder / f".{name}.tmp"
            tmp.unlink(missing_ok=True)
            tmp.symlink_to((source / name).resolve())
            os.replace(tmp, link)
            written += 1
    return written
