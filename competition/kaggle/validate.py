"""Check a submission CSV (or the zip holding it) before Kaggle sees it (`miga validate`, `miga submit`).

Checks the header, the exact id set (missing, extra and duplicate ids are named) and that every target is
an integer label of the track. All problems are reported at once, in one DataError.
"""
import io
import re
import zipfile
from pathlib import Path

from competition.core.errors import DataError
from competition.kaggle.formats import DEFAULT_COLUMNS, SubmissionFormat, parse_csv, read_csv_rows

SHOWN = 10


def submission_rows(path):
    """The CSV rows of a submission file; a zip must hold exactly one CSV."""
    path = Path(path)
    if path.suffix.lower() != ".zip":
        return read_csv_rows(path)
    try:
        with zipfile.ZipFile(path) as archive:
            members = [name for name in archive.namelist() if not name.endswith("/")]
            if len(members) != 1 or not members[0].lower().endswith(".csv"):
                raise DataError(path, f"a submission zip must hold exactly one .csv file, found {members}")
            text = archive.read(members[0]).decode("utf-8-sig")
    except FileNotFoundError:
        raise DataError(path, "no such file") from None
    except zipfile.BadZipFile:
        raise DataError(path, "is not a zip archive") from None
    except UnicodeDecodeError:
        raise DataError(path, "the CSV inside is not UTF-8 text") from None
    return parse_csv(io.StringIO(text, newline=""), f"{path} ({members[0]} inside)")


def find_problems(rows, fmt):
    """Every way the rows break the format, as sentences (empty when the submission is valid)."""
    if not rows:
        return ["the file is empty; expected a header " + ",".join(fmt.columns)]
    problems = []
    header, body = rows[0], rows[1:]
    if tuple(header) != fmt.columns:
        problems.append(f"header is {','.join(header)!r}, expected {','.join(fmt.columns)!r}")
    width = len(fmt.columns)
    first_row_of, duplicates, bad_width, bad_target = {}, {}, [], []
    for line, row in enumerate(body, start=2):
        if not any(field.strip() for field in row):
            bad_width.append(f"line {line} is empty")
            continue
        if len(row) != width:
            bad_width.append(f"line {line} has {len(row)} fields, expected {width}")
            continue
        identifier, target = row[0], row[-1]
        if identifier in first_row_of:
            duplicates.setdefault(identifier, [first_row_of[identifier]]).append(line)
        else:
            first_row_of[identifier] = line
        problem = _target_problem(target, fmt.num_classes)
        if problem:
            bad_target.append(f"line {line} ({identifier}): {fmt.columns[-1]} {target!r} {problem}")
    problems += _listed(bad_width, "malformed row")
    if duplicates:
        shown = [f"{i} (lines {', '.join(map(str, lines))})" for i, lines in list(duplicates.items())[:SHOWN]]
        problems.append(f"{len(duplicates)} duplicate id(s): " + "; ".join(shown) + _more(len(duplicates)))
    expected = set(fmt.ids)
    missing = [i for i in fmt.ids if i not in first_row_of]
    extra = [i for i in first_row_of if i not in expected]
    if missing:
        problems.append(f"{len(missing)} of the {len(expected)} expected id(s) are missing: "
                        + ", ".join(missing[:SHOWN]) + _more(len(missing)))
    if extra:
        problems.append(f"{len(extra)} id(s) are not in the expected set ({fmt.source}): "
                        + ", ".join(extra[:SHOWN]) + _more(len(extra)))
    problems += _listed(bad_target, "bad target")
    return problems


def check_submission(path, fmt):
    """Raise DataError listing every problem of the submission at `path` against `fmt`."""
    problems = find_problems(submission_rows(path), fmt)
    if problems:
        raise DataError(path, f"not a valid Track {fmt.track} submission:\n  - " + "\n  - ".join(problems))


def _target_problem(text, num_classes):
    value = text.strip()
    if not re.fullmatch(r"-?[0-9]+", value):  # ASCII digits only: not '３' (full width), '²', '--3'
        return f"is not an integer label 0..{num_classes - 1} (ASCII digits)"
    if not 0 <= int(value) < num_classes:
        return f"is outside 0..{num_classes - 1}"
    return None


def _listed(items, what):
    if not items:
        return []
    return [f"{len(items)} {what}(s): " + "; ".join(items[:SHOWN]) + _more(len(items))]


def _more(count):
    return f" … and {count - SHOWN} more" if count > SHOWN else ""


def own_ids_format(path, track):
    """Without a reference id set, the file's own ids: header, duplicates and labels are still checked."""
    rows = submission_rows(path)
    if not rows:
        raise DataError(path, "the file is empty")
    return SubmissionFormat(track, DEFAULT_COLUMNS, tuple(dict.fromkeys(r[0] for r in rows[1:] if r)),
                            "its own ids (give --data, --ids or --sample to check the id set)")
