"""Keypoint clips for the heatmap tests and benchmark, as `GeneratePoseTarget` receives them.

Each maker returns a results dict: `keypoint` [M, T, V, 2] float32 pixels, `keypoint_score` [M, T, V]
float32, `img_shape` (h, w).
"""
import numpy as np

from competition.data import synth
from competition.data.keypoints import SUBSET_36


def random_clip(rng, persons=2, frames=8, keypoints=17, size=(40, 48), outside=4.0):
    """Uniform keypoints over the canvas and `outside` pixels beyond it; scores uniform in 0..1."""
    height, width = size
    xy = np.stack([rng.uniform(-outside, width + outside, (persons, frames, keypoints)),
                   rng.uniform(-outside, height + outside, (persons, frames, keypoints))], -1)
    return dict(keypoint=xy.astype(np.float32), keypoint_score=rng.uniform(0, 1, xy.shape[:3]).astype(np.float32),
                img_shape=size)


def imigue_like_clip(rng, frames=48, size=64):
    """One seated interviewee's 36 keypoints as OpenPose sees them (the synthetic generator's body, idle sway,
    noise, dropped points at (0, 0) with score 0), made compact and resized to `size` x `size` px with
    mmaction2's own PoseCompact and Resize, as in the PoseConv3D pipelines."""
    from mmaction.datasets.transforms import PoseCompact, Resize

    import models  # noqa: F401  (applies the OpenMMLab repairs before mmaction2 is imported)

    height, width = synth.REFERENCE_SIZE
    points = synth.render_skeleton(synth.body_template(), [], rng, frames, {"phase": float(rng.uniform(0, 6))})
    seen = synth.openpose_detections(points, rng, height, width).reshape(frames, -1, 3)[:, list(SUBSET_36)]
    results = dict(keypoint=seen[None, ..., :2].astype(np.float32),
                   keypoint_score=seen[None, ..., 2].astype(np.float32), img_shape=(height, width))
    results = PoseCompact(hw_ratio=1.0, allow_imgpad=True)(results)
    return Resize(scale=(size, size), keep_ratio=False)(results)


def jhmdb_clips(path, count=3, frames=16, size=64, margin=6):
    """The first `count` JHMDB clips (15 joints) of an npz of ../shared/real/jhmdb, normalised coordinates
    mapped onto a `size` px square (aspect kept, `margin` px free), scores 1."""
    with np.load(path, allow_pickle=False) as npz:
        joints, lengths = npz["joints"], npz["lengths"]
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    clips = []
    for start, length in zip(starts[:count], lengths[:count]):
        xy = joints[start:start + min(length, frames)].astype(np.float64)
        low, high = xy.reshape(-1, 2).min(0), xy.reshape(-1, 2).max(0)
        scale = (size - 2 * margin) / max(high - low)
        pixels = (xy - low) * scale + margin
        clips.append(dict(keypoint=pixels[None].astype(np.float32),
                          keypoint_score=np.ones(pixels.shape[:2], np.float32)[None], img_shape=(size, size)))
    return clips
