"""What a Kaggle submission of each track must look like: columns, the exact set of ids, the label range.

The format comes from, in order of trust: the competition's `sample_submission.csv` (columns and id form),
the prepared dataset (`clips.csv` / `videos.csv` test rows), or an id list (the real
`iMiGUE_test_clips_list.txt` form `<id>.mp4 <label>`, one id per line, or a JSON list of ids).
"""
import csv
import json
from dataclasses import dataclass
from pathlib import Path

from competition.core.constants import CLASSES_OF_TRACK
from competition.core.errors import DataError
from competition.core.ids import id_from_name

DEFAULT_COLUMNS = ("Id", "Target")
SAMPLE_NAME = "sample_submission_track{track}.csv"


@dataclass(frozen=True)
class SubmissionFormat:
    track: int
    columns: tuple
    ids: tuple  # in the order rows should be written
    source: str  # where the format came from, for messages

    @property
    def num_classes(self):
        return CLASSES_OF_TRACK[self.track]


def parse_csv(lines, source):
    """All rows of CSV text (an iterable of lines, header first); a DataError naming `source` and the line
    where it stops being CSV (a NUL byte, a field over the csv module's size limit)."""
    reader = csv.reader(lines)
    try:
        return list(reader)
    except csv.Error as error:
        reason = str(error)
        if "field larger than field limit" in reason:
            reason = f"a field is longer than {csv.field_size_limit()} characters"
        raise DataError(source, f"line {reader.line_num} is not readable CSV ({reason})") from None


def read_csv_rows(path):
    """All rows of a CSV (header first), as lists of str; a DataError for an unreadable file."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            return parse_csv(handle, path)
    except FileNotFoundError:
        raise DataError(path, "no such file") from None
    except IsADirectoryError:
        raise DataError(path, "is a folder; give the CSV file") from None
    except UnicodeDecodeError:
        raise DataError(path, "is not UTF-8 text; a submission is a CSV file") from None


def read_id_list(path):
    """Ids from a JSON list, a `<id>.mp4 <label>` clip list, or a file with one id per line."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "no such id list")
    text = path.read_text(encoding="utf-8-sig")
    if text.lstrip().startswith("["):
        try:
            ids = json.loads(text)
        except json.JSONDecodeError as error:
            raise DataError(path, f"looks like a JSON list but is not valid JSON ({error})") from None
        if not all(isinstance(i, (str, int)) for i in ids):
            raise DataError(path, "a JSON id list must hold strings")
        ids = [str(i) for i in ids]
    else:
        ids = []
        for line in text.splitlines():
            fields = line.split()
            if not fields:
                continue
            ids.append(id_from_name(fields[0]))
    if not ids:
        raise DataError(path, "holds no ids")
    return ids


def format_from_sample(path, track):
    rows = read_csv_rows(path)
    if not rows or len(rows[0]) < 2:
        raise DataError(path, "a sample submission needs a header with an id column and a target column")
    return SubmissionFormat(track, tuple(rows[0]), tuple(row[0] for row in rows[1:] if row), f"sample {path}")


def format_from_ids(path, track, columns=DEFAULT_COLUMNS):
    return SubmissionFormat(track, tuple(columns), tuple(read_id_list(path)), f"id list {path}")


def format_from_prepared(data_dir, track):
    """The sample submission the prepared dataset copied, else its test clips (Track 1) or videos (Track 3)."""
    data_dir = Path(data_dir)
    sample = data_dir / SAMPLE_NAME.format(track=track)
    if sample.is_file():
        return format_from_sample(sample, track)
    table = data_dir / ("clips.csv" if track == 1 else "videos.csv")
    key = "clip_id" if track == 1 else "video_id"
    rows = read_csv_rows(table)
    if not rows or key not in rows[0] or "split" not in rows[0]:
        raise DataError(table, f"is not a prepared-dataset table (expected columns {key!r} and 'split'); is "
                               f"{data_dir} the output of `miga prepare`?")
    header = rows[0]
    ids = tuple(row[header.index(key)] for row in rows[1:] if row and row[header.index("split")] == "test")
    if not ids:
        raise DataError(table, "has no test rows")
    return SubmissionFormat(track, DEFAULT_COLUMNS, ids, f"test rows of {table}")


def resolve_format(track, *, data=None, ids=None, sample=None):
    """The format given by the command-line options (--sample wins for columns and id form)."""
    if sample:
        return format_from_sample(sample, track)
    if data:
        return format_from_prepared(data, track)
    if ids:
        return format_from_ids(ids, track)
    return None


def match_ids(ours, theirs):
    """Map our ids onto the format's id form: exact match, else the same integer (`0054` ↔ `54`).

    Returns {our id: their id}; ids without a match are left out.
    """
    theirs_set = set(theirs)
    by_number = {}
    for their in theirs:
        if their.isdigit():
            by_number.setdefault(int(their), their)
    mapping = {}
    for our in ours:
        if our in theirs_set:
            mapping[our] = our
        elif our.isdigit() and int(our) in by_number:
            mapping[our] = by_number[int(our)]
    return mapping
