"""Pose annotation files of the prepared dataset: mmaction2's PoseDataset content, stored without pickle.

Format: docs/prepared-dataset.md. Clips are concatenated along the frame axis; `offsets` says where each
clip's frames are.
"""
import numpy as np

from competition.core.atomic import atomic_path
from competition.core.constants import SPLITS
from competition.core.errors import DataError


def save_pose_annotations(path, clips, layout):
    """Write clips (dicts with frame_dir, label, split, img_shape, keypoint [T,V,2], keypoint_score [T,V])."""
    lengths = [len(clip["keypoint"]) for clip in clips]
    num_points = clips[0]["keypoint"].shape[1] if clips else 0
    arrays = {
        "frame_dir": np.array([c["frame_dir"] for c in clips], dtype=str),
        "label": np.array([c["label"] for c in clips], dtype=np.int64),
        "total_frames": np.array(lengths, dtype=np.int64),
        "img_shape": np.array([c["img_shape"] for c in clips], dtype=np.int64).reshape(-1, 2),
        "offsets": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        "keypoint": (np.concatenate([c["keypoint"] for c in clips]) if clips
                     else np.zeros((0, num_points, 2))).astype(np.float32),
        "keypoint_score": (np.concatenate([c["keypoint_score"] for c in clips]) if clips
                           else np.zeros((0, num_points))).astype(np.float32),
        "layout": np.array(layout),
    }
    arrays["original_shape"] = np.array([c.get("original_shape", c["img_shape"]) for c in clips],
                                        dtype=np.int64).reshape(-1, 2)
    for split in SPLITS:
        arrays[f"split_{split}"] = np.array([c["frame_dir"] for c in clips if c["split"] == split], dtype=str)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays)


def load_pose_annotations(path, split=None, clips=None):
    """Return `{'split': {name: [clip ids]}, 'annotations': [per-clip dict]}` as mmaction2's PoseDataset reads.

    With `split`, only that split's clips are built; with `clips` (clip ids), exactly those, from any split
    (a fold of out-of-fold training), in the file's order.
    """
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise DataError(path, f"not a readable pose annotation file ({error})") from error
    with data:
        missing = {"frame_dir", "label", "offsets", "keypoint", "keypoint_score"} - set(data.files)
        if missing:
            raise DataError(path, f"pose annotation file lacks arrays {sorted(missing)}")
        splits = {name: data[f"split_{name}"].tolist() for name in SPLITS if f"split_{name}" in data.files}
        if split is not None and split not in splits:
            raise DataError(path, f"no split {split!r}; the file has {sorted(splits)}")
        frame_dirs = data["frame_dir"].tolist()
        wanted = set(splits[split]) if split is not None else None
        if clips is not None:
            wanted = {str(c) for c in clips}
            unknown = sorted(wanted - set(frame_dirs))
            if unknown:
                raise DataError(path, f"lacks {len(unknown)} clip(s) of the list, e.g. {unknown[:5]}")
        offsets, labels = data["offsets"], data["label"]
        total_frames, img_shape = data["total_frames"], data["img_shape"]
        original_shape = data["original_shape"]
        keypoint, keypoint_score = data["keypoint"], data["keypoint_score"]
        annotations = []
        for i, frame_dir in enumerate(frame_dirs):
            if wanted is not None and frame_dir not in wanted:
                continue
            start, end = offsets[i], offsets[i + 1]
            annotations.append(dict(
                frame_dir=frame_dir,
                label=int(labels[i]),
                total_frames=int(total_frames[i]),
                img_shape=tuple(int(v) for v in img_shape[i]),
                original_shape=tuple(int(v) for v in original_shape[i]),
                keypoint=keypoint[None, start:end].copy(),
                keypoint_score=keypoint_score[None, start:end].copy(),
            ))
    return {"split": splits, "annotations": annotations}
