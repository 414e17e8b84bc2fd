"""The videos of a prepared dataset as Track 3 sees them: ids, splits, win/lose labels and CV groups."""
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
        return "subject" in self.table.columns

    def labelled(self) -> pd.DataFrame:
        """Videos with a known win/lose label (train and val): the rows cross-validation runs over."""
        return self.table[self.table["label"] >= 0].reset_index(drop=True)

    def test(self) -> pd.DataFrame:
        return self.table[self.table["split"] == "test"].reset_index(drop=True)

    def groups(self, rows: pd.DataFrame) -> np.ndarray:
        column = "subject" if self.has_subjects else "video_id"
        return rows[column].astype(str).to_numpy()
