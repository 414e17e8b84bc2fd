"""How the validation rows are grouped and split into folds for the ensembles' cross-validated estimate.

Clips of one video share a person, a camera and habits, so a fold that holds some of a video's clips for
scoring while fitting on its other clips rewards methods that learn the video's signature. Every fold here
keeps a group whole (competition.core.folds). The groups:

- `video` (default): a Track 1 row's video from its clip id `<video>_<k>` (or from clips.csv with `--data`);
  a Track 3 row is a video, its own group;
- `subject`: the video's subject in the prepared dataset's videos.csv (`--data`); the default when `--data`
  is given and every video there has one;
- a CSV file with columns `id,group`;
- `none`: every row its own group (random rows, as before grouping: optimistic, say so when you use it).

A row whose group cannot be found is an error, never a silent fallback to rows.
"""
import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from competition.core.errors import DataError
from competition.core.folds import assign_folds, leave_one_group_out
from competition.core.ids import video_groups
from competition.data.tables import VideoTable, row_groups

GROUP_BY = ("video", "subject", "none")
LEAVE_ONE_OUT = "loo"


@dataclass(frozen=True)
class Grouping:
    """The group of every row, what kind of group it is, and where it was read."""
    groups: np.ndarray
    by: str       # "video", "subject", "row" or "group" (a file's own groups)
    source: str

    @property
    def count(self) -> int:
        return len(np.unique(self.groups))

    @property
    def unit(self) -> str:
        return {"video": "videos", "subject": "subjects", "row": "rows"}.get(self.by, "groups")


def resolve_grouping(ids, *, track, group_by=None, data=None, path="PRED_DIR") -> Grouping:
    """The groups of `ids` (Track 1 clip ids, Track 3 video ids) by `group_by` (see the module's docstring).

    `path` names the file the ids came from in errors.
    """
    ids = np.asarray(ids).astype(str)
    rows = "clips" if track == 1 else "videos"
    if group_by is None:
        group_by = "subject" if data is not None and VideoTable.read(data).has_subjects else "video"
    if group_by == "none":
        return Grouping(ids, "row", "every row its own group")
    if group_by == "subject":
        if data is None:
            raise DataError("--group-by subject", "needs the prepared dataset (--data PREPARED), whose videos.csv "
                                                  "says who is in each video")
        return Grouping(row_groups(data, ids, rows=rows, by="subject"), "subject", f"{data}/videos.csv")
    if group_by == "video":
        if data is not None:
            table = "clips.csv" if rows == "clips" else "videos.csv"
            return Grouping(row_groups(data, ids, rows=rows, by="video"), "video", f"{data}/{table}")
        if rows == "videos":
            return Grouping(ids, "video", "the video ids (one row per video)")
        try:
            return Grouping(video_groups(ids), "video", "the clip ids <video>_<k>")
        except ValueError as error:
            raise DataError(path, f"{error}; give --group-by FILE.csv (columns id,group), --data PREPARED, or "
                                  "--group-by none (random rows, optimistic)") from None
    return Grouping(_groups_from_file(group_by, ids), "group", str(group_by))


def _groups_from_file(path, ids):
    path = Path(path)
    if not path.is_file():
        raise DataError(path, f"--group-by must be one of {GROUP_BY} or a CSV file with columns id,group; no such "
                              "file")
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"id", "group"} <= set(reader.fieldnames):
            raise DataError(path, f"needs the columns id,group, found {reader.fieldnames}")
        group_of = {}
        for line, row in enumerate(reader, start=2):
            if not row["group"]:
                raise DataError(path, f"id {row['id']!r} has an empty group", row=line)
            group_of[row["id"]] = row["group"]
    missing = [i for i in ids.tolist() if i not in group_of]
    if missing:
        raise DataError(path, f"has no group for {len(missing)} id(s) of the inputs, e.g. {missing[:5]}")
    return np.asarray([group_of[i] for i in ids.tolist()], dtype=str)


@dataclass(frozen=True)
class Folds:
    """The fold of every row and the grouping it respects."""
    fold_of: np.ndarray
    grouping: Grouping
    leave_one_out: bool = False
    origin: str | None = None  # folds given with the rows (out-of-fold files' fold file), not made here

    @property
    def count(self) -> int:
        return int(self.fold_of.max()) + 1

    def describe(self) -> str:
        """One line for the table: how the rows were split."""
        g = self.grouping
        if g.by == "row":
            return (f"{self.count} folds of random rows, not grouped: rows of one video fall on both sides of a "
                    "fold, so these estimates are optimistic")
        single = g.unit[:-1]
        if self.origin:
            return f"the {self.count} folds of {self.origin}: {g.count} {g.unit} from {g.source}"
        split = f"leave-one-{single}-out ({self.count} folds)" if self.leave_one_out else \
            f"{self.count} folds grouped by {single}"
        return f"{split}: {g.count} {g.unit} from {g.source}"

    def to_dict(self) -> dict:
        return {"by": self.grouping.by, "source": self.grouping.source, "groups": self.grouping.count,
                "folds": self.count, "leave_one_out": self.leave_one_out, "origin": self.origin,
                "description": self.describe()}


def make_folds(labels, grouping: Grouping, folds, seed=0) -> Folds:
    """K folds stratified by class and grouped (or `folds="loo"`: one fold per group)."""
    try:
        if folds == LEAVE_ONE_OUT:
            return Folds(leave_one_group_out(grouping.groups), grouping, leave_one_out=True)
        groups = None if grouping.by == "row" else grouping.groups
        fold_of = assign_folds(labels, int(folds), groups=groups, seed=seed)
    except ValueError as error:
        raise DataError("--folds", f"{error} ({grouping.count} {grouping.unit} from {grouping.source})") from None
    return Folds(fold_of, grouping, leave_one_out=groups is not None and int(folds) == grouping.count)


def given_folds(fold_of, grouping: Grouping, origin) -> Folds:
    """Folds that came with the rows (out-of-fold files); a group they split is an error, as in `make_folds`."""
    fold_of = np.asarray(fold_of, dtype=np.int64)
    for group in np.unique(grouping.groups):
        if len(np.unique(fold_of[grouping.groups == group])) > 1:
            raise DataError(origin, f"puts rows of {grouping.by} {group!r} in several folds, so it cannot serve as "
                                    f"grouped folds by {grouping.by}; group by what the fold file keeps whole "
                                    "(--group-by video)")
    if len(np.unique(fold_of)) < 2:
        raise DataError(origin, "holds one fold only")
    return Folds(fold_of, grouping, origin=str(origin))
