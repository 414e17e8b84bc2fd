"""The unlabeled corpus of masked video pretraining: an index into the long videos and the cut clips.

No RGB is copied. `build_corpus(raw, prepared)` lists every long video of every split of the download (read
where it lies, frame count and size from its header) and every clip video of the prepared dataset, and
writes that list to `PREPARED/pretrain/corpus.csv` (contract: docs/prepared-dataset.md). The pretraining
dataset (`models.pretrain.corpus.UnlabeledVideoCorpus`) cuts each long video into windows of the config's
length and stride when it loads; the windows are not written anywhere. No label is read: the clip list is
taken from clips.csv's id, split and frame columns only.
"""
import csv
import sys
from dataclasses import dataclass
from pathlib import Path

from competition.core.atomic import write_csv
from competition.core.constants import SPLITS
from competition.core.errors import DataError
from competition.data import layout

CORPUS_FILE = "pretrain/corpus.csv"
COLUMNS = ("source", "split", "video_id", "path", "frames", "height", "width")
SOURCES = ("video", "clip")


@dataclass(frozen=True)
class CorpusEntry:
    """One video of the corpus: a long video (`path` relative to the raw download) or a clip (relative to the
    prepared dataset). height and width are 0 where not recorded (clips)."""
    source: str
    split: str
    video_id: str
    path: str
    frames: int
    height: int = 0
    width: int = 0


def window_starts(frames, window_len, stride):
    """First frames of the windows along a video of `frames` frames: every `stride` frames while a whole
    window fits; one window over the whole video when it is shorter than one window."""
    if window_len < 1 or stride < 1:
        raise ValueError(f"window length and stride must be positive; got {window_len} and {stride}")
    if frames <= 0:
        return range(0)
    if frames < window_len:
        return range(1)
    return range(0, frames - window_len + 1, stride)


def count_windows(frames, window_len, stride):
    return len(window_starts(frames, window_len, stride))


def corpus_samples(entries, window_len, stride, include_clips=True):
    """(windows of the long videos, clips, frames of the long videos) of a corpus."""
    videos = [e for e in entries if e.source == "video"]
    windows = sum(count_windows(e.frames, window_len, stride) for e in videos)
    clips = sum(1 for e in entries if e.source == "clip") if include_clips else 0
    return windows, clips, sum(e.frames for e in videos)


def long_videos(raw):
    """(split, video_id, path) of every long RGB video in the download, in split then id order."""
    raw = Path(raw)
    found = []
    for split in SPLITS:
        folder = raw / layout.RGB_DIRS[split]
        if folder.is_dir():
            found += [(split, d.name, layout.rgb_video(raw, split, d.name)) for d in sorted(folder.iterdir())
                      if d.is_dir() and layout.rgb_video(raw, split, d.name).is_file()]
    return found


def _clip_rows(prepared):
    """(clip_id, video_id, split, frames) from clips.csv: only those columns are read (no labels)."""
    path = Path(prepared) / "clips.csv"
    if not path.is_file():
        raise DataError(path, "not found; is this a prepared dataset (`miga prepare RAW OUT`)?")
    needed = ("clip_id", "video_id", "split", "frames")
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in needed if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError(path, f"lacks column(s) {missing}")
        rows = []
        for number, row in enumerate(reader, start=2):
            try:
                frames = int(row["frames"])
            except ValueError:
                raise DataError(path, f"frames {row['frames']!r} is not a whole number", row=number) from None
            rows.append((row["clip_id"], row["video_id"], row["split"], frames))
    return rows


def build_corpus(raw, prepared, skip_bad=False, progress=True):
    """Write PREPARED/pretrain/corpus.csv; returns (entries, problems) — problems are the skipped files.

    Unreadable long videos stop the build (DataError naming the file) unless `skip_bad`; a prepared dataset
    without clip videos (prepared with --no-rgb) gives a corpus of the long videos alone.
    """
    from tqdm import tqdm

    from competition.data.video import video_info

    raw, prepared = layout.find_raw_root(raw), Path(prepared)
    videos = long_videos(raw)
    if not videos:
        raise DataError(raw, "no long RGB video found: expected "
                             f"{layout.RGB_DIRS['train']}/<video_id>/<video_id>.mp4 (and the val/test folders)")
    entries, problems = [], []
    for split, video_id, path in tqdm(videos, desc="corpus videos", unit="video", disable=not progress):
        try:
            info = video_info(path)
        except DataError as error:
            if not skip_bad:
                raise
            problems.append(error)
            print(f"warning: skipped {error}", file=sys.stderr)
            continue
        entries.append(CorpusEntry("video", split, video_id, path.relative_to(raw).as_posix(), info.frames,
                                   info.height, info.width))
    clips_dir = prepared / "rgb" / "clips"
    clip_rows = _clip_rows(prepared)
    if clips_dir.is_dir():
        for clip_id, video_id, split, frames in clip_rows:
            relative = f"rgb/clips/{clip_id}.mp4"
            if not (prepared / relative).is_file():
                error = DataError(prepared / relative, "listed in clips.csv but missing: rerun `miga prepare`")
                if not skip_bad:
                    raise error
                problems.append(error)
                continue
            entries.append(CorpusEntry("clip", split, video_id, relative, frames))
    write_corpus(prepared / CORPUS_FILE, entries)
    return entries, problems


def write_corpus(path, entries):
    write_csv(path, COLUMNS, [(e.source, e.split, e.video_id, e.path, e.frames, e.height, e.width)
                              for e in entries])


def read_corpus(path):
    """The entries of a corpus.csv; DataError naming the file and row for anything malformed."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "the pretraining corpus index is missing: write it with "
                              "`miga corpus RAW PREPARED` (docs/models.md, masked video pretraining)")
    entries = []
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise DataError(path, f"expected the header {','.join(COLUMNS)}, found {reader.fieldnames}")
        for number, row in enumerate(reader, start=2):
            if row["source"] not in SOURCES:
                raise DataError(path, f"source {row['source']!r} is not one of {SOURCES}", row=number)
            try:
                sizes = [int(row[c] or 0) for c in ("frames", "height", "width")]
            except ValueError:
                raise DataError(path, "frames, height and width must be whole numbers", row=number) from None
            entries.append(CorpusEntry(row["source"], row["split"], row["video_id"], row["path"], *sizes))
    return entries
