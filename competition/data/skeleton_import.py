"""Any skeleton dataset into the prepared pose form: `miga import-skeleton SOURCE OUT --layout NAME`.

SOURCE holds arrays of joints per clip with labels and splits, in one of these forms:

- NumPy: `<split>.npz` files (train, val, test), or `<scheme>_<split>.npz` for several split schemes of one
  dataset (JHMDB's split1..3: `split1_train.npz`, ...), or one `.npz` with a `split` array. Each holds
  `joints` [sum of frames, joints, 2|3], `lengths` [clips] (clips are consecutive), `labels` [clips] (class
  names or numbers); optional `scores` [sum of frames, joints], `ids`, `groups` (the video or subject a clip
  comes from; kept whole in any split made here), `img_shape` [clips, 2] (height, width in pixels).
- A folder with `clips.csv` (`clip_id,label,split`, optional `group,width,height`) and one joint file per clip,
  `joints/<clip_id>.csv` (one row per frame, columns `<joint>_x,<joint>_y[,<joint>_z][,<joint>_score]` by the
  layout's joint names) or `joints/<clip_id>.json` (`{"keypoints": [frames][joints][2|3], "scores": ...}`).

Each split scheme becomes a prepared dataset (docs/prepared-dataset.md): `pose/<layout>.npz` (the layout, the
class count and names, the splits train/val/test), `clips.csv` and `import_report.json`; several schemes go
to OUT/<scheme>/. Without a val split, `val_fraction` of the training clips (stratified by class, groups
whole) become the val split, which training validates on and `miga ensemble` fits on. Coordinates that are
not pixels (negative, or spanning less than 32 units) are mapped by one affine map for the whole dataset
into a 320x240 frame, aspect kept, so heatmaps can be drawn; graph models normalise each clip anyway.
A NaN coordinate marks a missing joint (score 0).
"""
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from competition.core.atomic import write_csv, write_text
from competition.core.constants import SPLITS
from competition.core.errors import DataError
from competition.core.folds import assign_folds
from competition.data.annotations import save_pose_annotations
from competition.data.skeletons import load_layout
from competition.data.tables import CLIP_COLUMNS

FIT_FRAME = (240, 320)  # (height, width) of the frame that non-pixel coordinates are mapped into
PIXEL_EXTENT = 32  # coordinates spanning less than this are not pixels
SCHEME_FILE = re.compile(r"^(?:(?P<scheme>.+)_)?(?P<split>train|val|test)$")


@dataclass
class Clip:
    clip_id: str
    label: object  # class name or number; None when unknown
    split: str
    keypoint: np.ndarray  # [T, V, C]
    score: np.ndarray  # [T, V]
    group: str
    img_shape: tuple = None


@dataclass
class ImportSummary:
    out: Path
    layout: str
    classes: list
    schemes: dict = field(default_factory=dict)  # scheme -> {split: clips}
    rescaled: dict = None
    missing_joints: int = 0


# --- reading the source ----------------------------------------------------------------------------------

def _npz_clips(path, split, layout, fixed_split=True):
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise DataError(path, f"not a readable .npz without pickle ({error})") from None
    with data:
        arrays = {k: data[k] for k in data.files}
    missing = [k for k in ("joints", "lengths", "labels") if k not in arrays]
    if missing:
        raise DataError(path, f"lacks arrays {missing}; expected joints [frames, joints, 2|3], lengths [clips], labels "
                              f"[clips] (optional: scores, ids, groups, img_shape, split); found {sorted(arrays)}")
    joints, lengths, labels = arrays["joints"], arrays["lengths"].astype(np.int64), arrays["labels"]
    if joints.ndim != 3 or joints.shape[1] != layout.num_joints or joints.shape[2] not in (2, 3):
        raise DataError(path, f"joints must be [frames, {layout.num_joints} joints of {layout.name!r}, 2 or 3 "
                              f"coordinates], got shape {joints.shape}")
    clips = len(lengths)
    if (lengths <= 0).any():
        raise DataError(path, f"clip {int(np.flatnonzero(lengths <= 0)[0])} has no frames (lengths must be positive)")
    if lengths.sum() != len(joints):
        raise DataError(path, f"lengths add up to {int(lengths.sum())} frames but joints has {len(joints)}")
    for name in ("labels", "ids", "groups", "split", "img_shape"):
        if name in arrays and len(arrays[name]) != clips:
            raise DataError(path, f"{name} has {len(arrays[name])} entries for {clips} clips")
    scores = arrays.get("scores")
    if scores is not None and scores.shape != joints.shape[:2]:
        raise DataError(path, f"scores must be [frames, joints] = {joints.shape[:2]}, got {scores.shape}")
    if "split" in arrays and fixed_split:
        raise DataError(path, f"the file name says the split ({split}); it may not also hold a `split` array")
    ids = arrays["ids"].astype(str).tolist() if "ids" in arrays else None
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    out, in_group = [], {}
    for i in range(clips):
        clip_split = str(arrays["split"][i]) if "split" in arrays else split
        group = (str(arrays["groups"][i]) if "groups" in arrays else ids[i] if ids else f"{clip_split}{i:05d}")
        # made-up ids take the toolkit's clip id form <video>_<k>, so grouped folds (miga ensemble) find the group
        k = in_group[group] = in_group.get(group, -1) + 1
        clip_id = ids[i] if ids else f"{group}_{k}"
        frames = slice(offsets[i], offsets[i + 1])
        out.append(Clip(clip_id, _label(labels[i]), clip_split, joints[frames].astype(np.float32),
                        (np.ones(joints[frames].shape[:2], np.float32) if scores is None
                         else scores[frames].astype(np.float32)),
                        group,
                        tuple(int(v) for v in arrays["img_shape"][i]) if "img_shape" in arrays else None))
    return out


def _label(value):
    """A class name or number; None for unknown (-1, empty)."""
    if isinstance(value, (np.integer, int)):
        return None if int(value) < 0 else int(value)
    text = str(value).strip()
    if text in ("", "-1"):
        return None
    return int(text) if re.fullmatch(r"\d+", text) else text


def _joint_file(folder, clip_id, layout):
    for suffix, reader in ((".csv", _csv_joints), (".json", _json_joints)):
        path = folder / "joints" / f"{clip_id}{suffix}"
        if path.is_file():
            return reader(path, layout)
    raise DataError(folder / "joints", f"no joint file for clip {clip_id!r} (joints/{clip_id}.csv or .json)")


def _csv_joints(path, layout):
    import pandas as pd

    try:
        table = pd.read_csv(path)
    except (OSError, ValueError) as error:
        raise DataError(path, f"not a readable CSV ({error})") from None
    if table.empty:
        raise DataError(path, "has no frames")
    axes = ["x", "y"] + (["z"] if f"{layout.joints[0]}_z" in table.columns else [])
    wanted = [f"{joint}_{axis}" for joint in layout.joints for axis in axes]
    missing = [c for c in wanted if c not in table.columns]
    if missing:
        raise DataError(path, f"lacks columns {missing[:6]}{' …' if len(missing) > 6 else ''}: one column per joint "
                              f"of {layout.name!r} and axis, named <joint>_x, <joint>_y[, <joint>_z][, <joint>_score]")
    try:
        keypoint = table[wanted].to_numpy(np.float64).reshape(len(table), layout.num_joints, len(axes))
        score_columns = [f"{joint}_score" for joint in layout.joints]
        score = (table[score_columns].to_numpy(np.float64) if all(c in table.columns for c in score_columns)
                 else np.ones(keypoint.shape[:2]))
    except ValueError as error:
        raise DataError(path, f"a joint column holds something that is not a number ({error})") from None
    return keypoint.astype(np.float32), score.astype(np.float32)


def _json_joints(path, layout):
    try:
        spec = json.loads(path.read_text())
        keypoint = np.asarray(spec["keypoints"], dtype=np.float32)
        score = np.asarray(spec["scores"], dtype=np.float32) if "scores" in spec else None
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise DataError(path, f"expected {{\"keypoints\": [frames][joints][2|3], \"scores\": [frames][joints]}} "
                              f"({type(error).__name__}: {error})") from None
    if keypoint.ndim != 3 or keypoint.shape[1] != layout.num_joints or keypoint.shape[2] not in (2, 3) or not len(
            keypoint):
        raise DataError(path, f"keypoints must be [frames, {layout.num_joints} joints of {layout.name!r}, 2 or 3], "
                              f"got shape {keypoint.shape}")
    if score is None:
        score = np.ones(keypoint.shape[:2], np.float32)
    elif score.shape != keypoint.shape[:2]:
        raise DataError(path, f"scores must be [frames, joints] = {keypoint.shape[:2]}, got {score.shape}")
    return keypoint, score


def _table_clips(folder, layout):
    import pandas as pd
    from tqdm import tqdm

    path = folder / "clips.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in ("clip_id", "label", "split") if c not in table.columns]
    if missing:
        raise DataError(path, f"lacks columns {missing}; expected clip_id,label,split (optional group,width,height)")
    clips = []
    for row, record in enumerate(tqdm(table.to_dict("records"), desc="clips", unit="clip", leave=False)):
        if record["split"] not in SPLITS:
            raise DataError(path, f"split must be one of {SPLITS}, got {record['split']!r}", row=row + 2)
        shape = None
        if record.get("width") and record.get("height"):
            try:
                shape = (int(record["height"]), int(record["width"]))
            except ValueError:
                raise DataError(path, f"width and height must be whole numbers of pixels, got "
                                      f"{record['width']!r} x {record['height']!r}", row=row + 2) from None
        keypoint, score = _joint_file(folder, record["clip_id"], layout)
        clips.append(Clip(record["clip_id"], _label(record["label"]), record["split"], keypoint, score,
                          record.get("group") or record["clip_id"], shape))
    return {"": clips}


def read_source(source, layout):
    """{scheme: [Clip]} ('' for a dataset with one split scheme)."""
    source = Path(source)
    if source.is_file():
        if source.suffix != ".npz":
            raise DataError(source, "give a .npz file, or a folder of .npz files or with clips.csv")
        match = SCHEME_FILE.match(source.stem)
        if match:
            return {match["scheme"] or "": _npz_clips(source, match["split"], layout)}
        return {"": _npz_clips(source, None, layout, fixed_split=False)}
    if not source.is_dir():
        raise DataError(source, "no such file or folder")
    if (source / "clips.csv").is_file():
        return _table_clips(source, layout)
    files = sorted(source.glob("*.npz"))
    if not files:
        raise DataError(source, "found neither .npz files (<split>.npz, <scheme>_<split>.npz) nor clips.csv")
    schemes = {}
    for path in files:
        match = SCHEME_FILE.match(path.stem)
        if not match:
            raise DataError(path, f"cannot tell the split from the file name: name it <split>.npz or "
                                  f"<scheme>_<split>.npz with split one of {SPLITS}")
        schemes.setdefault(match["scheme"] or "", []).extend(_npz_clips(path, match["split"], layout))
    if "" in schemes and len(schemes) > 1:
        raise DataError(source, f"mixes <split>.npz with <scheme>_<split>.npz files ({sorted(schemes)})")
    return schemes


# --- making the prepared form ----------------------------------------------------------------------------

def _classes(schemes):
    labels = {c.label for clips in schemes.values() for c in clips if c.label is not None}
    if not labels:
        raise DataError("labels", "no clip has a label")
    kinds = {type(label) for label in labels}
    if kinds == {int}:
        return [str(k) for k in range(max(labels) + 1)], {k: k for k in labels}
    names = sorted(str(label) for label in labels)
    return names, {label: names.index(str(label)) for label in labels}


def _frame_map(schemes, frame_size):
    """(scale, offset, img_shape, note): how coordinates become pixels of an img_shape frame."""
    every = [c for clips in schemes.values() for c in clips]
    xy = np.concatenate([c.keypoint[..., :2][c.score > 0] for c in every] or [np.zeros((0, 2))])
    xy = xy[np.isfinite(xy).all(1)]
    if frame_size is not None:
        width, height = frame_size
        return 1.0, np.zeros(2), (int(height), int(width)), None
    if not len(xy):
        raise DataError("joints", "no joint is present (every score is 0 or every coordinate NaN)")
    low, high = xy.min(0), xy.max(0)
    if low.min() >= 0 and (high - low).max() >= PIXEL_EXTENT:
        return 1.0, np.zeros(2), (int(np.ceil(high[1])) + 1, int(np.ceil(high[0])) + 1), None
    height, width = FIT_FRAME
    span = np.maximum(high - low, 1e-6)
    scale = 0.9 * min(width / span[0], height / span[1])
    offset = np.array([width, height]) / 2 - scale * (low + high) / 2
    note = dict(reason="coordinates are not pixels (negative, or spanning less than "
                       f"{PIXEL_EXTENT} units)", frame=[width, height], scale=float(scale), offset=offset.tolist())
    return float(scale), offset, (height, width), note


def _carve_val(clips, val_fraction, seed):
    """Move `val_fraction` of the training clips (stratified by label, groups whole) into val."""
    train = [c for c in clips if c.split == "train" and c.label is not None]
    if not train:
        raise DataError("splits", "no labelled training clip to carve a val split from")
    folds = max(2, round(1 / val_fraction))
    labels = [str(c.label) for c in train]
    groups = [c.group for c in train]
    folds = min(folds, len(set(groups)))
    held_out = assign_folds(labels, folds, groups=groups, seed=seed) == 0
    for clip, moved in zip(train, held_out):
        if moved:
            clip.split = "val"


def _prepare_scheme(out, scheme, clips, layout, classes, index, scale, offset, img_shape, val_fraction, seed):
    ids = [c.clip_id for c in clips]
    if len(set(ids)) != len(ids):
        duplicated = sorted({i for i in ids if ids.count(i) > 1})[:3]
        raise DataError(out, f"clip ids {duplicated} appear more than once in scheme {scheme or '(one)'}")
    splits = {c.split for c in clips}
    if "train" not in splits:
        raise DataError(out, f"scheme {scheme or '(one)'} has no train split (it has {sorted(splits)})")
    carved = False
    if "val" not in splits:
        if not val_fraction:
            raise DataError(out, "no val split: give one, or --val-fraction > 0 to hold out part of train (training "
                                 "validates on val and `miga ensemble` fits on it)")
        _carve_val(clips, val_fraction, seed)
        carved = True
    missing = 0
    pose = []
    for clip in clips:
        keypoint, score = clip.keypoint.copy(), clip.score.copy()
        lost = ~np.isfinite(keypoint).all(-1)
        missing += int(lost.sum())
        keypoint[lost], score[lost] = 0, 0
        keypoint[..., :2] = keypoint[..., :2] * scale + offset
        if keypoint.shape[-1] == 3:
            keypoint[..., 2] *= scale
        keypoint[score <= 0] = 0
        pose.append(dict(frame_dir=clip.clip_id, label=-1 if clip.label is None else index[clip.label],
                         split=clip.split, img_shape=clip.img_shape or img_shape, keypoint=keypoint,
                         keypoint_score=score))
    save_pose_annotations(out / "pose" / f"{layout.name}.npz", pose, layout, num_classes=len(classes),
                          classes=classes)
    write_csv(out / "clips.csv", CLIP_COLUMNS,
              [(p["frame_dir"], c.group, p["split"], p["label"], "" if c.label is None else c.label, 0,
                len(p["keypoint"]) - 1, len(p["keypoint"])) for p, c in zip(pose, clips)])
    counts = {split: sum(p["split"] == split for p in pose) for split in SPLITS}
    return counts, carved, missing


def import_skeleton(source, out, layout, *, val_fraction=0.1, frame_size=None, seed=0) -> ImportSummary:
    """Read SOURCE (see the module's docstring) and write one prepared dataset per split scheme under OUT."""
    layout = load_layout(layout)
    if not 0 <= val_fraction < 1:
        raise DataError("--val-fraction", f"must be in [0, 1), got {val_fraction}")
    schemes = read_source(source, layout)
    classes, index = _classes(schemes)
    scale, offset, img_shape, note = _frame_map(schemes, frame_size)
    out = Path(out)
    summary = ImportSummary(out, layout.name, classes, rescaled=note)
    for scheme, clips in sorted(schemes.items()):
        folder = out / scheme if scheme else out
        counts, carved, missing = _prepare_scheme(folder, scheme, clips, layout, classes, index, scale, offset,
                                                  img_shape, val_fraction, seed)
        summary.schemes[scheme] = counts
        summary.missing_joints += missing
        report = dict(source=str(Path(source).resolve()), scheme=scheme, layout=layout.name, classes=classes,
                      clips=counts, val_carved_from_train=val_fraction if carved else None, seed=seed,
                      coordinates=note or "pixels, as given", missing_joints=missing)
        write_text(folder / "import_report.json", json.dumps(report, indent=2) + "\n")
    return summary
