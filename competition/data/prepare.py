"""Convert the raw competition download into the prepared dataset (docs/prepared-dataset.md).

Work happens per video, in parallel; each finished video leaves a record under `.work/`, so a rerun skips it.
The tables and annotation files are assembled from those records at the end, each written atomically.
"""
import csv
import io
import json
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from competition.core.atomic import atomic_path, write_csv, write_text
from competition.core.constants import SPLITS, TRACK1_CLASSES
from competition.core.errors import DataError
from competition.core.ids import clip_id
from competition.data import keypoints as kp
from competition.data import layout
from competition.data.annotations import save_pose_annotations
from competition.data.labels import raw_to_label
from competition.data.xlsx import read_openpose_xlsx

WORK = ".work"
POSE_FILES = {"imigue36": kp.SUBSET_36, "openpose137": tuple(range(kp.NUM_KEYPOINTS))}


@dataclass
class Problems:
    """Row-level problems of one video: raised at once, or collected with --skip-bad."""

    skip_bad: bool
    found: list = field(default_factory=list)

    def report(self, error):
        if not self.skip_bad:
            raise error
        self.found.append(error)


# --- reading one video's raw files ------------------------------------------------------------------------

def read_clip_labels(path, split, frames, problems):
    """Rows of `<vid>_label.csv` as (k, raw_class, label, start, end); test rows carry no usable class."""
    if not Path(path).is_file():
        raise DataError(path, "the clip label file is missing")
    try:
        text = Path(path).read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(path, f"cannot read the clip label file ({error})") from error
    rows = []
    for k, fields in enumerate(csv.reader(io.StringIO(text))):
        row = k + 1
        if not fields or all(not f.strip() for f in fields):
            continue
        try:
            if len(fields) != 3:
                raise ValueError(f"expected 3 fields class,start_frame,end_frame, found {len(fields)}")
            raw_class, start, end = (int(float(f)) for f in fields)
        except ValueError as error:
            problems.report(DataError(path, f"{error}" if "expected" in str(error)
                                      else f"non-numeric field in {fields!r}", row=row))
            continue
        if end < start or start < 0:
            problems.report(DataError(path, f"clip frames {start}..{end}: the end is before the start", row=row))
            continue
        if end >= frames:
            problems.report(DataError(path, f"clip ends at frame {end} but the video has {frames} frames "
                                            f"(0..{frames - 1})", row=row))
            continue
        label = -1
        if split != "test":
            try:
                label = raw_to_label(raw_class)
            except ValueError as error:
                problems.report(DataError(path, str(error), row=row))
                continue
        rows.append((k, raw_class if split != "test" else None, label, start, end))
    return rows


def process_video(raw, out, split, video_id, short_side, rgb, skip_bad):
    """Prepare one video: skeleton archive, clip videos, and the record the assembly step reads."""
    from competition.data.video import cut_clips, scaled_size, video_info

    out = Path(out)
    record_path = out / WORK / f"{video_id}.json"
    if record_path.is_file():
        return json.loads(record_path.read_text())
    xlsx = layout.openpose_xlsx(raw, split, video_id)
    if not xlsx.is_file():
        raise DataError(xlsx, "the OpenPose skeleton file is missing")
    table = read_openpose_xlsx(xlsx)
    frames = len(table)
    points = table.reshape(frames, kp.NUM_KEYPOINTS, 3)
    problems = Problems(skip_bad)
    clips = read_clip_labels(layout.clip_label_csv(raw, split, video_id), split, frames, problems)

    info = dict(frames=frames, height=720, width=1280, fps=None)  # the competition's frame size, if no RGB
    size = (720, 1280)
    if rgb:
        video = layout.rgb_video(raw, split, video_id)
        if not video.is_file():
            raise DataError(video, "the RGB video is missing (use --no-rgb to prepare skeletons only)")
        meta = video_info(video)
        info.update(height=meta.height, width=meta.width, fps=meta.fps)
        size = scaled_size(meta.height, meta.width, short_side)
        todo = [(k, s, e) for k, _, _, s, e in clips
                if not (out / "rgb" / "clips" / f"{clip_id(video_id, k)}.mp4").is_file()]
        cut_clips(video, [(s, e) for _, s, e in todo],
                  [out / "rgb" / "clips" / f"{clip_id(video_id, k)}.mp4" for k, _, _ in todo], short_side=short_side)

    with atomic_path(out / "skeleton" / f"{video_id}.npz") as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, keypoint=points[..., :2], keypoint_score=points[..., 2],
                     img_shape=np.array([info["height"], info["width"]]))
    record = dict(
        video_id=video_id, split=split, **info, clip_shape=list(size),
        clips=[dict(clip_id=clip_id(video_id, k), k=k, raw_class=raw_class, label=label, start=start, end=end)
               for k, raw_class, label, start, end in clips],
        skipped=[dict(file=e.path, row=e.row, reason=e.reason) for e in problems.found])
    write_text(record_path, json.dumps(record))
    return record


# --- tables ------------------------------------------------------------------------------------------------

def read_track3_labels(raw, video_ids):
    """video_id -> 0/1 from train_label.csv and validation_label.csv, matched to the folder names.

    The label files' ids may or may not keep the folders' zero padding, so a numeric id matches by value.
    """
    by_number = {int(v): v for v in video_ids if v.isdigit()}
    labels = {}
    for split, name in layout.TRACK3_LABELS.items():
        path = Path(raw) / name
        if not path.is_file():
            print(f"warning: {path} not found: Track 3 labels of the {split} videos are unknown", file=sys.stderr)
            continue
        with open(path, newline="") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or not {"video_id", "label"} <= set(reader.fieldnames):
                raise DataError(path, f"expected the header video_id,label, found {reader.fieldnames}")
            for row, entry in enumerate(reader, start=2):
                vid, value = entry["video_id"].strip(), entry["label"].strip()
                if value not in ("0", "1"):
                    raise DataError(path, f"label {value!r} is not 0 (lose) or 1 (win)", row=row)
                folder = vid if vid in video_ids else by_number.get(int(vid)) if vid.isdigit() else None
                if folder is None:
                    print(f"warning: {path}, row {row}: video {vid} has no skeleton folder", file=sys.stderr)
                    continue
                labels[folder] = int(value)
    return labels


def read_subjects(path):
    if path is None or not Path(path).is_file():
        return {}
    with open(path, newline="") as handle:
        return {row["video_id"]: row["subject"] for row in csv.DictReader(handle)}


def assemble(raw, out, records, track3, subjects, rgb):
    out = Path(out)
    clip_rows, video_rows, pose_clips = [], [], []
    for record in sorted(records, key=lambda r: (SPLITS.index(r["split"]), r["video_id"])):
        vid, split = record["video_id"], record["split"]
        video_rows.append((vid, split, track3.get(vid, -1), len(record["clips"]), record["frames"],
                           record["height"], record["width"], record["fps"] or "", subjects.get(vid, "")))
        with np.load(out / "skeleton" / f"{vid}.npz", allow_pickle=False) as skeleton:
            keypoint, score = skeleton["keypoint"], skeleton["keypoint_score"]
        clip_h, clip_w = record["clip_shape"]
        scale = np.array([clip_w / record["width"], clip_h / record["height"]], dtype=np.float32)
        for clip in record["clips"]:
            start, end = clip["start"], clip["end"]
            clip_rows.append((clip["clip_id"], vid, split, clip["label"], clip["raw_class"] or "", start, end,
                              end - start + 1))
            pose_clips.append(dict(frame_dir=clip["clip_id"], label=clip["label"], split=split,
                                   img_shape=(clip_h, clip_w),
                                   original_shape=(record["height"], record["width"]),
                                   keypoint=keypoint[start:end + 1] * scale, keypoint_score=score[start:end + 1]))
    write_csv(out / "clips.csv", ["clip_id", "video_id", "split", "label", "raw_class", "start", "end", "frames"],
              clip_rows)
    write_csv(out / "videos.csv", ["video_id", "split", "label", "clips", "frames", "height", "width", "fps",
                                   "subject"], video_rows)
    for name, subset in POSE_FILES.items():
        subset = list(subset)
        save_pose_annotations(out / "pose" / f"{name}.npz", [
            dict(c, keypoint=c["keypoint"][:, subset], keypoint_score=c["keypoint_score"][:, subset])
            for c in pose_clips], layout=name, num_classes=TRACK1_CLASSES)
    if rgb:
        for split in SPLITS:
            lines = "".join(f"{c[0]}.mp4 {c[3]}\n" for c in clip_rows if c[2] == split)
            write_text(out / "rgb" / f"{split}.txt", lines)
    for track, name in layout.SAMPLE_SUBMISSIONS.items():
        if (Path(raw) / name).is_file():
            with atomic_path(out / f"sample_submission_track{track}.csv") as tmp:
                shutil.copyfile(Path(raw) / name, tmp)
    return clip_rows, video_rows


def prepare(raw, out, jobs=1, skip_bad=False, short_side=256, rgb=True, subjects=None, progress=True):
    """Prepare the whole download; returns a summary dict. Raises DataError on bad input unless skip_bad."""
    from tqdm import tqdm

    raw, out = layout.find_raw_root(raw), Path(out)
    videos = [(split, vid) for split in SPLITS for vid in layout.video_ids(raw, split)]
    if not videos:
        raise DataError(raw, "no skeleton folders found; expected the download's layout, e.g. "
                             f"{layout.SKELETON_DIRS['train']}/<video_id>/<video_id>_openpose.xlsx")
    seen = {}
    for split, vid in videos:
        if vid in seen:
            raise DataError(raw, f"video {vid} appears in both the {seen[vid]} and the {split} split")
        seen[vid] = split
    track3 = read_track3_labels(raw, set(seen))
    subjects = read_subjects(subjects if subjects is not None else raw / layout.SUBJECTS)

    records, skipped = [], []
    args = [(raw, out, split, vid, short_side, rgb, skip_bad) for split, vid in videos]
    bar = tqdm(total=len(args), desc="prepare videos", unit="video", disable=not progress)

    def finish(arguments, outcome):
        try:
            records.append(outcome())
        except DataError as error:
            if not skip_bad:
                raise
            print(f"warning: skipping video {arguments[3]}: {error}", file=sys.stderr)
            skipped.append(dict(video_id=arguments[3], file=error.path, row=error.row, reason=error.reason))
        bar.update()

    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            futures = {pool.submit(process_video, *a): a for a in args}
            try:
                for future in as_completed(futures):
                    finish(futures[future], future.result)
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
    else:
        for a in args:
            finish(a, lambda a=a: process_video(*a))
    bar.close()

    for record in records:
        for problem in record["skipped"]:
            print(f"warning: skipped {problem['file']}, row {problem['row']}: {problem['reason']}", file=sys.stderr)
            skipped.append(dict(video_id=record["video_id"], **problem))
    clip_rows, video_rows = assemble(raw, out, records, track3, subjects, rgb)
    summary = dict(
        videos={s: sum(v[1] == s for v in video_rows) for s in SPLITS},
        clips={s: sum(c[2] == s for c in clip_rows) for s in SPLITS},
        classes=len({c[3] for c in clip_rows if c[3] >= 0}),
        track3_labelled=sum(v[2] >= 0 for v in video_rows),
        skipped=len(skipped))
    if skip_bad:
        write_text(out / "prepare_report.json", json.dumps(dict(summary=summary, skipped=skipped), indent=1))
    return summary
