"""The prepared dataset's tables (videos.csv, clips.csv): ids, splits, labels, and the groups of cross-validation.

`VideoTable` is the videos as Track 3 sees them; `row_groups` gives any clip or video id its video or subject,
the group that competition.core.folds keeps on one side of every fold.
"""
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from competition.core.errors import DataError

VIDEO_COLUMNS = ("video_id", "split", "label", "clips", "frames", "height", "width", "fps")
CLIP_COLUMNS = ("clip_id", "video_id", "split", "label", "raw_class", "start", "end", "frames")


def _read_csv(path, required):
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "not found; is this a prepared dataset (`miga prepare RAW OUT`)?")
    table = pd.read_csv(path, dtype={"video_id": str, "clip_id": str, "split": str, "subject": str},
                        keep_default_na=False)
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise DataError(path, f"lacks column(s) {missing}; expected {list(required)}, found {list(table.columns)}")
    return table


def read_clips(data_dir) -> pd.DataFrame:
    """clips.csv with string ids, in file order."""
    return _read_csv(Path(data_dir) / "clips.csv", CLIP_COLUMNS)


@dataclass(frozen=True)
class VideoTable:
    """videos.csv of a prepared dataset. `groups` keeps a subject's videos together in cross-validation:
    the `subject` column when the table has one, else the video id (each video its own group)."""
    data_dir: Path
    table: pd.DataFrame

    @classmethod
    def read(cls, data_dir):
        data_dir = Path(data_dir)
        path = data_dir / "videos.csv"
        table = _read_csv(path, VIDEO_COLUMNS)
        labels = pd.to_numeric(table["label"], errors="coerce")
        bad = np.flatnonzero(~labels.isin([-1, 0, 1]).to_numpy())
        if len(bad):
            raise DataError(path, f"Track 3 label must be 1 (win), 0 (lose) or -1 (unknown), got "
                                  f"{table['label'].iloc[bad[0]]!r}", row=int(bad[0]) + 2)
        table = table.assign(label=labels.astype(np.int64))
        # fps (and the size) are empty when the dataset was prepared without RGB: NaN, and 25 fps where needed
        for column in ("clips", "frames", "height", "width", "fps"):
            table[column] = pd.to_numeric(table[column], errors="coerce")
        if table["video_id"].duplicated().any():
            dup = table["video_id"][table["video_id"].duplicated()].iloc[0]
            raise DataError(path, f"video id {dup!r} appears more than once")
        return cls(data_dir, table.reset_index(drop=True))

    @property
    def has_subjects(self) -> bool:
        """True when every video has a subject (`miga prepare` writes the column empty without subjects.csv)."""
        return "subject" in self.table.columns and bool((self.table["subject"].astype(str) != "").all())

    def labelled(self) -> pd.DataFrame:
        """Videos with a known win/lose label (train and val): the rows cross-validation runs over."""
        return self.table[self.table["label"] >= 0].reset_index(drop=True)

    def test(self) -> pd.DataFrame:
        return self.table[self.table["split"] == "test"].reset_index(drop=True)

    def groups(self, rows: pd.DataFrame) -> np.ndarray:
        column = "subject" if self.has_subjects else "video_id"
        return rows[column].astype(str).to_numpy()


GROUP_LEVELS = ("video", "subject")


def row_groups(data_dir, ids, *, rows, by) -> np.ndarray:
    """The group of each id as the prepared dataset records it: its video or its subject.

    `rows` says what the ids are: "clips" (clip ids, looked up in clips.csv) or "videos" (video ids). `by` is
    "video" or "subject" (videos.csv's subject column). An id the tables do not know, or a video without a
    subject, is a DataError naming the table and the first ids: rows are never grouped by a guess.
    """
    if rows not in ("clips", "videos"):
        raise ValueError(f"rows must be 'clips' or 'videos', got {rows!r}")
    if by not in GROUP_LEVELS:
        raise ValueError(f"by must be one of {GROUP_LEVELS}, got {by!r}")
    data_dir = Path(data_dir)
    ids = [str(i) for i in ids]
    if rows == "clips":
        clips = read_clips(data_dir)
        videos = _look_up(data_dir / "clips.csv", ids, dict(zip(clips["clip_id"], clips["video_id"])), "clip")
    else:
        videos = ids
    if by == "video":
        return np.asarray(videos, dtype=str)
    table = VideoTable.read(data_dir).table
    path = data_dir / "videos.csv"
    if "subject" not in table.columns:
        raise DataError(path, "has no subject column; group by video instead")
    subject_of = dict(zip(table["video_id"], table["subject"].astype(str)))
    subjects = _look_up(path, videos, subject_of, "video")
    unknown = sorted({v for v, s in zip(videos, subjects) if not s})
    if unknown:
        raise DataError(path, f"{len(unknown)} video(s) have no subject, e.g. {unknown[:5]}; give the download a "
                              "subjects.csv (video_id,subject) before `miga prepare`, or group by video")
    return np.asarray(subjects, dtype=str)


def _look_up(path, keys, mapping, what):
    missing = [k for k in keys if k not in mapping]
    if missing:
        raise DataError(path, f"lacks {len(missing)} {what} id(s) of the inputs, e.g. {missing[:5]}; is this the "
                              "dataset the models were run on?")
    return [mapping[k] for k in keys]


def training_labels(data_dir, track) -> np.ndarray:
    """The labels of the training split: Track 1 clip classes from clips.csv, Track 3 win/lose from videos.csv."""
    data_dir = Path(data_dir)
    table = read_clips(data_dir) if track == 1 else VideoTable.read(data_dir).table
    labels = pd.to_numeric(table.loc[table["split"] == "train", "label"], errors="coerce")
    labels = labels[labels >= 0].to_numpy(dtype=np.int64)
    if not len(labels):
        name = "clips.csv" if track == 1 else "videos.csv"
        raise DataError(data_dir / name, "has no labelled row of the train split")
    return labels
