"""Convert the raw competition download into the prepared dataset (docs/prepared-dataset.md).

Work happens per video, in parallel; each finished video leaves a record under `.work/` holding what it was
made from (its input files' sizes, times and label hash) and with which options, so a rerun skips a video
only when neither changed. The tables and annotation files are assembled from the records at the end, each
written atomically, and whatever an earlier run left that this run does not make is removed: the outputs
describe this run only.
"""
import csv
import hashlib
import io
import json
import math
import os
import re
import shutil
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
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
REPORT = "prepare_report.json"
POSE_FILES = {"imigue36": kp.SUBSET_36, "openpose137": tuple(range(kp.NUM_KEYPOINTS))}
COMPETITION_FRAME_SIZE = (720, 1280)  # used for the keypoints' frame when there is no video to read it from
LABEL_FIELDS = ("class", "start_frame", "end_frame")
# What `atomic_path` names a file while writing it: `.NAME.` + 8 random characters + NAME's suffix.
TEMPORARY_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}(\.\w+)?$")


@dataclass(frozen=True)
class PrepareOptions:
    short_side: int = 256  # RGB clips scaled down to this short side (0 keeps the original size)
    rgb: bool = True
    skip_bad: bool = False
    threads: int = 0  # decoder and scaler threads of each job (0: FFmpeg's choice)

    def outputs_key(self):
        """The options a video's outputs depend on: a record made with others is redone."""
        from competition.data.video import CLIP_ENCODING, SCALING

        return dict(short_side=self.short_side, rgb=self.rgb, clip_encoding=CLIP_ENCODING, scaling=SCALING)


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

def _frame_number(text, name):
    """A label cell as a whole number, or ValueError saying what is wrong with it."""
    value = text.strip()
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"non-numeric field: {name} is {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} is {value!r}, not a finite number")
    if number != int(number):
        raise ValueError(f"{name} is {value}, not a whole number")
    return int(number)


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
            raw_class, start, end = (_frame_number(f, name) for f, name in zip(fields, LABEL_FIELDS))
        except ValueError as error:
            problems.report(DataError(path, str(error), row=row))
            continue
        if start < 0:
            problems.report(DataError(path, f"start_frame is {start}: frames count from 0", row=row))
            continue
        if end < start:
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


def input_fingerprint(raw, split, video_id):
    """What a video's outputs are made from: size and modification time of each input file, and the label
    file's sha256 (small, and the file a user edits by hand)."""
    files = dict(openpose=layout.openpose_xlsx(raw, split, video_id),
                 labels=layout.clip_label_csv(raw, split, video_id), video=layout.rgb_video(raw, split, video_id))
    fingerprint = {}
    for name, path in files.items():
        if path.is_file():
            stat = path.stat()
            fingerprint[name] = dict(size=stat.st_size, mtime_ns=stat.st_mtime_ns)
    if "labels" in fingerprint:
        fingerprint["labels"]["sha256"] = hashlib.sha256(files["labels"].read_bytes()).hexdigest()
    return fingerprint


def _clip_path(out, clip):
    return Path(out) / "rgb" / "clips" / f"{clip}.mp4"


def _remove_clips_of(out, video_id):
    pattern = re.compile(rf"^{re.escape(video_id)}_\d+\.mp4$")
    folder = Path(out) / "rgb" / "clips"
    for path in folder.iterdir() if folder.is_dir() else ():
        if pattern.match(path.name):
            path.unlink()


def process_video(raw, out, split, video_id, options=PrepareOptions()):
    """Prepare one video: skeleton archive, clip videos, and the record the assembly step reads."""
    from competition.data.video import cut_clips, frame_index, frames_to_decode, plan_runs, scaled_size

    out = Path(out)
    record_path = out / WORK / f"{video_id}.json"
    inputs = input_fingerprint(raw, split, video_id)
    if record_path.is_file():
        record = json.loads(record_path.read_text())
        if (record.get("inputs") == inputs and record.get("options") == options.outputs_key()
                and (options.skip_bad or not record["skipped"])):
            return record
        record_path.unlink()  # made from other inputs or options: redo the video
    xlsx = layout.openpose_xlsx(raw, split, video_id)
    if not xlsx.is_file():
        raise DataError(xlsx, "the OpenPose skeleton file is missing")
    table = read_openpose_xlsx(xlsx)
    frames = len(table)
    points = table.reshape(frames, kp.NUM_KEYPOINTS, 3)
    problems = Problems(options.skip_bad)
    clips = read_clip_labels(layout.clip_label_csv(raw, split, video_id), split, frames, problems)

    video = layout.rgb_video(raw, split, video_id)
    info = dict(frames=frames, height=COMPETITION_FRAME_SIZE[0], width=COMPETITION_FRAME_SIZE[1], fps=None)
    in_runs = 0  # frames from each run's keyframe to its last clip frame: what the decoder goes through
    _remove_clips_of(out, video_id)
    if options.rgb:
        if not video.is_file():
            raise DataError(video, "the RGB video is missing (use --no-rgb to prepare skeletons only)")
        index = frame_index(video)
        info.update(height=index.height, width=index.width, fps=index.fps)
        segments = [(start, end) for _, _, _, start, end in clips]
        cut_clips(video, segments, [_clip_path(out, clip_id(video_id, k)) for k, *_ in clips],
                  short_side=options.short_side, threads=options.threads, index=index)
        in_runs = frames_to_decode(plan_runs(segments, index))
    elif video.is_file():  # the frame size from the header, for the keypoints' frame
        from competition.data.video import video_info

        try:
            header = video_info(video, count_frames=False)
            info.update(height=header.height, width=header.width, fps=header.fps)
        except DataError as error:  # not needed without RGB: keep the competition's size, and say so
            print(f"warning: {error}; taking the frame size as {COMPETITION_FRAME_SIZE}", file=sys.stderr)
    size = scaled_size(info["height"], info["width"], options.short_side) if options.rgb else \
        (info["height"], info["width"])

    with atomic_path(out / "skeleton" / f"{video_id}.npz") as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, keypoint=points[..., :2], keypoint_score=points[..., 2],
                     img_shape=np.array([info["height"], info["width"]]))
    record = dict(
        video_id=video_id, split=split, **info, clip_shape=list(size), frames_in_runs=in_runs,
        inputs=inputs, options=options.outputs_key(),
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


def _end_with_parent():
    """Worker initializer: exit when the parent process is gone (killed with -9, say) instead of waiting on
    its pipe for ever. Polls the parent id, which changes when the parent dies, twice a second."""
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


def remove_stale_temporaries(out):
    """Remove half-written files that a killed run left (`.NAME.XXXXXXXX.SUFFIX`, see core.atomic)."""
    out = Path(out)
    removed = 0
    for folder in (out, out / WORK, out / "skeleton", out / "pose", out / "rgb", out / "rgb" / "clips"):
        for path in folder.glob(".*") if folder.is_dir() else ():
            if path.is_file() and TEMPORARY_NAME.match(path.name):
                path.unlink()
                removed += 1
    return removed


def remove_outputs_not_made(raw, out, records, rgb):
    """Remove what an earlier run left that this one did not make: clips, records and skeleton archives of
    videos or clips no longer in the download (or skipped), the RGB lists without RGB, sample submissions
    the download no longer has. Returns the number of files removed."""
    out = Path(out)
    videos = {r["video_id"] for r in records}
    clips = {c["clip_id"] for r in records for c in r["clips"]} if rgb else set()
    stale = [p for p in (out / "rgb" / "clips").glob("*.mp4") if p.stem not in clips]
    stale += [p for p in (out / WORK).glob("*.json") if p.stem not in videos]
    stale += [p for p in (out / "skeleton").glob("*.npz") if p.stem not in videos]
    if not rgb:
        stale += [out / "rgb" / f"{split}.txt" for split in SPLITS if (out / "rgb" / f"{split}.txt").is_file()]
    stale += [out / f"sample_submission_track{track}.csv" for track, name in layout.SAMPLE_SUBMISSIONS.items()
              if not (Path(raw) / name).is_file() and (out / f"sample_submission_track{track}.csv").is_file()]
    for path in stale:
        path.unlink()
    if not rgb:
        for folder in (out / "rgb" / "clips", out / "rgb"):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
    return len(stale)


def default_threads(jobs):
    """Decoder threads per job: the cores this process may use, shared between the jobs."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, cores // jobs)


def prepare(raw, out, jobs=1, skip_bad=False, short_side=256, rgb=True, subjects=None, progress=True,
            threads=None):
    """Prepare the whole download; returns a summary dict. Raises DataError on bad input unless skip_bad.

    `threads`: decoder, scaler and encoder threads of each job (default: the cores shared between the jobs
    that run at once).
    """
    from tqdm import tqdm

    raw, out = layout.find_raw_root(raw), Path(out)
    if out.exists() and not out.is_dir():
        raise DataError(out, "is a file; give a folder for the prepared dataset")
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
    options = PrepareOptions(short_side=short_side, rgb=rgb, skip_bad=skip_bad,
                             threads=default_threads(min(jobs, len(videos))) if threads is None else threads)
    remove_stale_temporaries(out)

    records, skipped = [], []
    args = [(raw, out, split, vid, options) for split, vid in videos]
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
        with ProcessPoolExecutor(jobs, initializer=_end_with_parent) as pool:
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
    removed = remove_outputs_not_made(raw, out, records, rgb)
    summary = dict(
        videos={s: sum(v[1] == s for v in video_rows) for s in SPLITS},
        clips={s: sum(c[2] == s for c in clip_rows) for s in SPLITS},
        classes=len({c[3] for c in clip_rows if c[3] >= 0}),
        track3_labelled=sum(v[2] >= 0 for v in video_rows),
        skipped=len(skipped),
        removed_from_earlier_runs=removed,
        frames=sum(r["frames"] for r in records),
        frames_in_runs=sum(r.get("frames_in_runs", 0) for r in records))
    write_text(out / REPORT, json.dumps(dict(summary=summary, options=asdict(options), skipped=skipped), indent=1))
    return summary
