"""Pose annotation files of the prepared dataset: mmaction2's PoseDataset content, stored without pickle.

Format: docs/prepared-dataset.md. Clips are concatenated along the frame axis; `offsets` says where each
clip's frames are. The file describes itself: its skeleton layout (name and full definition), the class
count (and class names when known), 2 or 3 coordinates per joint, and any number of named splits, a clip
belonging to as many of them as it is listed in.
"""
import json
import re
import zipfile
from dataclasses import dataclass

import numpy as np

from competition.core.atomic import atomic_path
from competition.core.errors import DataError
from competition.data.skeletons import LayoutError, layout_from_dict, load_layout

SPLIT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def _split_names(clip):
    split = clip["split"]
    names = [split] if isinstance(split, str) else list(split)
    for name in names:
        if not isinstance(name, str) or not SPLIT_NAME.match(name):
            raise ValueError(f"clip {clip['frame_dir']!r}: split names are letters, digits, '_' or '-', got {name!r}")
    return names


def _check_clips(path, clips, layout, num_classes):
    dims = None
    seen = set()
    for clip in clips:
        name = clip["frame_dir"]
        if name in seen:
            raise DataError(path, f"clip id {name!r} appears twice; clip ids must be unique (a clip in several "
                                  f"splits is listed once, with a list of splits)")
        seen.add(name)
        keypoint, score = np.asarray(clip["keypoint"]), np.asarray(clip["keypoint_score"])
        if keypoint.ndim != 3 or keypoint.shape[-1] not in (2, 3) or keypoint.shape[1] != layout.num_joints:
            raise DataError(path, f"clip {name!r}: keypoint must be [frames, {layout.num_joints} joints of "
                                  f"{layout.name!r}, 2 or 3 coordinates], got shape {keypoint.shape}")
        if len(keypoint) == 0:
            raise DataError(path, f"clip {name!r} has no frames")
        if score.shape != keypoint.shape[:2]:
            raise DataError(path, f"clip {name!r}: keypoint_score must be [frames, joints] = {keypoint.shape[:2]}, "
                                  f"got {score.shape}")
        if dims is None:
            dims = keypoint.shape[-1]
        elif keypoint.shape[-1] != dims:
            raise DataError(path, f"clip {name!r} has {keypoint.shape[-1]} coordinates per joint, earlier clips "
                                  f"{dims}: one file holds one kind")
        if not (np.isfinite(keypoint).all() and np.isfinite(score).all()):
            raise DataError(path, f"clip {name!r} holds NaN or infinite values; mark a missing joint with score 0 "
                                  f"(and any finite position)")
        label = int(clip["label"])
        if not -1 <= label < num_classes:
            raise DataError(path, f"clip {name!r} has label {label}, outside 0..{num_classes - 1} (-1 = unknown)")
    return dims or 2


def save_pose_annotations(path, clips, layout, *, num_classes=None, classes=None):
    """Write clips (dicts with frame_dir, label, split, img_shape, keypoint [T,V,2|3], keypoint_score [T,V]).

    `layout` is a registered layout name or a `SkeletonLayout`; its definition is stored in the file.
    A clip's `split` is a split name or a list of them. `num_classes` defaults to the largest label + 1;
    `classes` (names, one per class) is stored when given.
    """
    layout = load_layout(layout)
    labels = [int(c["label"]) for c in clips]
    if num_classes is None:
        num_classes = max(labels, default=-1) + 1
    if classes is not None and len(classes) != num_classes:
        raise ValueError(f"{len(classes)} class names for {num_classes} classes")
    dims = _check_clips(path, clips, layout, num_classes)
    lengths = [len(clip["keypoint"]) for clip in clips]
    arrays = {
        "frame_dir": np.array([c["frame_dir"] for c in clips], dtype=str),
        "label": np.array(labels, dtype=np.int64),
        "total_frames": np.array(lengths, dtype=np.int64),
        "img_shape": np.array([c["img_shape"] for c in clips], dtype=np.int64).reshape(-1, 2),
        "offsets": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        "keypoint": (np.concatenate([c["keypoint"] for c in clips]) if clips
                     else np.zeros((0, layout.num_joints, dims))).astype(np.float32),
        "keypoint_score": (np.concatenate([c["keypoint_score"] for c in clips]) if clips
                           else np.zeros((0, layout.num_joints))).astype(np.float32),
        "layout": np.array(layout.name),
        "layout_json": np.array(layout.to_json()),
        "num_classes": np.array(num_classes, dtype=np.int64),
    }
    if classes is not None:
        arrays["classes"] = np.array([str(c) for c in classes], dtype=str)
    arrays["original_shape"] = np.array([c.get("original_shape", c["img_shape"]) for c in clips],
                                        dtype=np.int64).reshape(-1, 2)
    members = {}
    for clip in clips:
        for name in _split_names(clip):
            members.setdefault(name, []).append(clip["frame_dir"])
    for name, ids in members.items():
        arrays[f"split_{name}"] = np.array(ids, dtype=str)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays)


@dataclass(frozen=True)
class PoseFileInfo:
    """What a pose file says about itself, read without loading its keypoints.

    `layout` is None and `num_classes` None for files written before they were stored.
    """
    layout_name: str
    layout: object
    num_classes: int
    classes: tuple
    dims: int
    splits: dict  # split name -> number of clips
    clips: int


def _open(path):
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise DataError(path, f"not a readable pose annotation file ({error})") from error


def pose_file_info(path) -> PoseFileInfo:
    with _open(path) as data:
        files = set(data.files)
        if "keypoint" not in files:
            raise DataError(path, "pose annotation file lacks the `keypoint` array")
        layout = None
        if "layout_json" in files:
            try:
                layout = layout_from_dict(json.loads(str(data["layout_json"])), source=path)
            except (json.JSONDecodeError, LayoutError) as error:
                raise DataError(path, f"its stored skeleton layout is unusable ({error})") from None
        name = str(data["layout"]) if "layout" in files else None
        if layout is None and name is not None:
            try:
                layout = load_layout(name)
            except LayoutError:
                layout = None
        return PoseFileInfo(
            layout_name=name, layout=layout,
            num_classes=int(data["num_classes"]) if "num_classes" in files else None,
            classes=tuple(data["classes"].tolist()) if "classes" in files else (),
            dims=_coordinates(path),
            splits={f[len("split_"):]: len(data[f]) for f in sorted(files) if f.startswith("split_")},
            clips=len(data["frame_dir"]) if "frame_dir" in files else 0)


def _coordinates(path):
    """Coordinates per joint (2 or 3), from the header of the keypoint array (reading it whole takes long)."""
    try:
        with zipfile.ZipFile(path) as archive, archive.open("keypoint.npy") as handle:
            version = np.lib.format.read_magic(handle)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape = read_header(handle)[0]
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise DataError(path, f"cannot read its keypoint array ({error})") from None
    return int(shape[-1]) if len(shape) == 3 else 2


def load_pose_annotations(path, split=None, clips=None):
    """Return `{'split': {name: [clip ids]}, 'annotations': [per-clip dict]}` as mmaction2's PoseDataset reads.

    With `split`, only that split's clips are built; with `clips` (clip ids), exactly those, from any split
    (a fold of out-of-fold training), in the file's order.
    """
    with _open(path) as data:
        missing = {"frame_dir", "label", "offsets", "keypoint", "keypoint_score"} - set(data.files)
        if missing:
            raise DataError(path, f"pose annotation file lacks arrays {sorted(missing)}")
        splits = {f[len("split_"):]: data[f].tolist() for f in data.files if f.startswith("split_")}
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
