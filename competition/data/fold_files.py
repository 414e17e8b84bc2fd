"""The fold file of out-of-fold training: which fold holds each labelled clip, written once per prepared dataset.

`miga train CONFIG --folds K` assigns every labelled clip (train and val splits) of clips.csv to one of K
folds, grouped by subject when videos.csv names every video's subject, else by video (a group's clips always
share a fold), stratified by class as far as the groups allow (competition.core.folds). The assignment is
written once to `PREPARED/folds/k<K>-seed<S>-by-<video|subject>.csv` and read back by every later config, so
that all models of an ensemble are judged on the same folds.

The file: columns `clip_id,video_id,group,label,fold`, one row per labelled clip in clips.csv order.
"""
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from competition.core.atomic import write_csv
from competition.core.errors import DataError
from competition.core.folds import assign_folds
from competition.core.provenance import sha256_file
from competition.data.tables import VideoTable, read_clips, row_groups

COLUMNS = ("clip_id", "video_id", "group", "label", "fold")
LABELLED_SPLITS = ("train", "val")


@dataclass(frozen=True)
class FoldFile:
    """A fold file as read: the labelled clips in clips.csv order and the fold of each."""
    path: Path
    ids: np.ndarray
    videos: np.ndarray
    groups: np.ndarray
    labels: np.ndarray
    fold_of: np.ndarray
    seed: int
    by: str

    @property
    def folds(self) -> int:
        return int(self.fold_of.max()) + 1

    @cached_property
    def sha256(self) -> str:
        return sha256_file(self.path)

    def held_out(self, fold) -> list:
        """Clip ids of fold `fold`: the rows its model predicts and never trains on."""
        return self.ids[self.fold_of == self._check(fold)].tolist()

    def training(self, fold) -> list:
        """Clip ids the model of fold `fold` trains on: every labelled clip of the other folds."""
        return self.ids[self.fold_of != self._check(fold)].tolist()

    def fold_of_ids(self, ids) -> np.ndarray:
        """The fold of each id (all must be labelled clips of this file)."""
        position = {identifier: row for row, identifier in enumerate(self.ids.tolist())}
        missing = [str(i) for i in ids if str(i) not in position]
        if missing:
            raise DataError(self.path, f"lacks {len(missing)} clip id(s), e.g. {missing[:5]}")
        return self.fold_of[[position[str(i)] for i in ids]]

    def describe(self) -> str:
        return (f"{self.folds} folds of {len(self.ids)} labelled clips grouped by {self.by} "
                f"({len(np.unique(self.groups))} {self.by}s), seed {self.seed}: {self.path}")

    def _check(self, fold):
        if not 0 <= int(fold) < self.folds:
            raise DataError(self.path, f"has folds 0..{self.folds - 1}, asked for fold {fold}")
        return int(fold)


def group_level(data_dir) -> str:
    """`subject` when videos.csv names every video's subject, else `video`."""
    path = Path(data_dir) / "videos.csv"
    return "subject" if path.is_file() and VideoTable.read(data_dir).has_subjects else "video"


def fold_file_path(data_dir, folds, seed=0, by=None) -> Path:
    by = by or group_level(data_dir)
    return Path(data_dir) / "folds" / f"k{int(folds)}-seed{int(seed)}-by-{by}.csv"


def labelled_clips(data_dir) -> pd.DataFrame:
    """clips.csv rows of the train and val splits with a known label, in file order."""
    clips = read_clips(data_dir)
    labels = pd.to_numeric(clips["label"], errors="coerce")
    rows = clips[clips["split"].isin(LABELLED_SPLITS) & (labels >= 0)].copy()
    rows["label"] = labels[rows.index].astype(np.int64)
    if rows.empty:
        raise DataError(Path(data_dir) / "clips.csv", "has no labelled clip of the train or val split to fold")
    return rows.reset_index(drop=True)


def ensure_fold_file(data_dir, folds, seed=0) -> FoldFile:
    """The dataset's fold file for K=`folds` and `seed`: read when it exists (and checked against clips.csv),
    else assigned and written (atomically: machines that start folds at once write the same content)."""
    data_dir = Path(data_dir)
    by = group_level(data_dir)
    path = fold_file_path(data_dir, folds, seed, by)
    clips = labelled_clips(data_dir)
    if path.is_file():
        fold_file = read_fold_file(path)
        if fold_file.ids.tolist() != clips["clip_id"].tolist() or \
                fold_file.labels.tolist() != clips["label"].tolist():
            raise DataError(path, "does not list the labelled clips of clips.csv as they are now (the dataset was "
                                  "prepared again?); models trained on these folds cannot be stacked with new "
                                  "ones: remove the file and retrain every fold, or keep the old dataset")
        if fold_file.folds != int(folds):
            raise DataError(path, f"holds {fold_file.folds} folds, not {folds}; remove it to reassign")
        return fold_file
    groups = row_groups(data_dir, clips["clip_id"], rows="clips", by=by)
    try:
        fold_of = assign_folds(clips["label"].to_numpy(), int(folds), groups=groups, seed=int(seed))
    except ValueError as error:
        raise DataError(data_dir / "clips.csv", f"cannot make {folds} folds: {error}") from None
    write_csv(path, COLUMNS, zip(clips["clip_id"], clips["video_id"], groups, clips["label"], fold_of))
    return read_fold_file(path)


def read_fold_file(path) -> FoldFile:
    """Read and check a fold file (see the module's docstring)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "no such fold file; `miga train CONFIG --folds K` writes it")
    table = pd.read_csv(path, dtype={"clip_id": str, "video_id": str, "group": str}, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise DataError(path, f"lacks column(s) {missing}; a fold file has {list(COLUMNS)}")
    for column in ("label", "fold"):
        values = pd.to_numeric(table[column], errors="coerce")
        bad = np.flatnonzero(values.isna().to_numpy() | (values < 0).to_numpy())
        if len(bad):
            raise DataError(path, f"{column} must be a whole number ≥ 0, got {table[column].iloc[bad[0]]!r}",
                            row=int(bad[0]) + 2)
        table[column] = values.astype(np.int64)
    if table.empty:
        raise DataError(path, "holds no clip")
    if table["clip_id"].duplicated().any():
        raise DataError(path, f"clip {table['clip_id'][table['clip_id'].duplicated()].iloc[0]!r} appears twice")
    split_groups = table.groupby("group")["fold"].nunique()
    if (split_groups > 1).any():
        raise DataError(path, f"group {split_groups[split_groups > 1].index[0]!r} lies in several folds")
    folds = int(table["fold"].max()) + 1
    empty = sorted(set(range(folds)) - set(table["fold"]))
    if empty:
        raise DataError(path, f"fold(s) {empty} hold no clip")
    name = path.stem.split("-")  # k<K>-seed<S>-by-<level>
    seed = int(name[1][4:]) if len(name) == 4 and name[1].startswith("seed") and name[1][4:].isdigit() else -1
    by = name[3] if len(name) == 4 else "group"
    return FoldFile(path, table["clip_id"].to_numpy(dtype=str), table["video_id"].to_numpy(dtype=str),
                    table["group"].to_numpy(dtype=str), table["label"].to_numpy(dtype=np.int64),
                    table["fold"].to_numpy(dtype=np.int64), seed, by)
