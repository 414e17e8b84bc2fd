"""A tiny prepared dataset (docs/prepared-dataset.md) whose clips are learnable from pose and from RGB.

Each class moves one keypoint group in its own direction and draws a blob in its own colour and place on a
background tinted with that colour, so a tiny model can beat chance within a few epochs on a CPU. Used by
the model tests; `miga synth` + `miga prepare` make the realistic (long-tailed) synthetic data.
"""
import csv

import numpy as np
import pytest

from competition.core.atomic import write_text
from competition.core.constants import TRACK1_CLASSES
from competition.data.annotations import save_pose_annotations
from competition.data.video import write_video

HEIGHT, WIDTH = 48, 64


def _clip(rng, label, frames):
    t = np.linspace(0, 1, frames, dtype=np.float32)[:, None]
    base = np.stack([rng.uniform(0.3, 0.7, 36) * WIDTH, rng.uniform(0.3, 0.7, 36) * HEIGHT], -1)
    keypoint = np.repeat(base[None], frames, 0).astype(np.float32)
    angle = 2 * np.pi * (label % 8) / 8
    group = slice(4 * (label // 8), 4 * (label // 8) + 9)
    keypoint[:, group, 0] += (15 * np.cos(angle) * t)
    keypoint[:, group, 1] += (15 * np.sin(angle) * t)
    keypoint += rng.normal(0, 0.5, keypoint.shape).astype(np.float32)
    keypoint[..., 0] = keypoint[..., 0].clip(0, WIDTH - 1)
    keypoint[..., 1] = keypoint[..., 1].clip(0, HEIGHT - 1)
    score = rng.uniform(0.6, 1.0, keypoint.shape[:2]).astype(np.float32)
    colour = np.array([(label * 37) % 256, (label * 91) % 256, 255 - (label * 53) % 256], np.uint8)
    images = np.repeat(np.repeat((colour // 3)[None, None, None], frames, 0), HEIGHT, 1).repeat(WIDTH, 2)
    row, col = 4 + 10 * (label // 8), 4 + 7 * (label % 8)
    for i in range(frames):
        shift = int(6 * t[i, 0]) * (1 if label % 2 else -1)
        images[i, row:row + 10, max(col + shift, 0):col + shift + 8] = colour
    return keypoint, score, images


def make_prepared(root, clips_per_class=(2, 1, 1), num_classes=TRACK1_CLASSES, frames=16, seed=0, videos=True,
                  videos_per_split=(1, 1, 1)):
    """Write clips.csv, pose/imigue36.npz and (with `videos`) rgb/clips + rgb/{split}.txt under `root`.

    Labels 0..num_classes-1 (fewer than the 32 of the models' heads makes a quick learnability check).
    `videos_per_split`: the clips of a split are dealt round-robin to this many videos (grouped folds need
    several).
    """
    rng = np.random.default_rng(seed)
    clips, rows = [], []
    for split, per_class, split_videos in zip(("train", "val", "test"), clips_per_class, videos_per_split):
        base = {"train": 1, "val": 2, "test": 3}[split]
        for label in range(num_classes):
            for _ in range(per_class):
                video_id = f"{base:04d}" if split_videos == 1 else f"{base}{len(rows) % split_videos:03d}"
                clip_id = f"{video_id}_{len(rows)}"
                keypoint, score, images = _clip(rng, label, frames)
                known = -1 if split == "test" else label
                clips.append(dict(frame_dir=clip_id, label=known, split=split, img_shape=(HEIGHT, WIDTH),
                                  keypoint=keypoint, keypoint_score=score))
                rows.append(dict(clip_id=clip_id, video_id=video_id, split=split, label=known, raw_class=label + 1,
                                 start=0, end=frames - 1, frames=frames))
                if videos:
                    write_video(root / "rgb" / "clips" / f"{clip_id}.mp4", images, fps=15)
    save_pose_annotations(root / "pose" / "imigue36.npz", clips, "imigue36", num_classes=TRACK1_CLASSES)
    for split in ("train", "val", "test"):
        lines = [f"{c['frame_dir']}.mp4 {c['label']}\n" for c in clips if c["split"] == split]
        write_text(root / "rgb" / f"{split}.txt", "".join(lines))
    with open(root / "clips.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return root


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Torch on one thread for a module's tiny trainings (the cores are shared), restored afterwards; a test
    module takes it by importing it."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
