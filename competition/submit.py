"""miga submit: validate a submission, then upload it to the track's Kaggle competition.

The file is checked first (as `miga validate` does, against --data/--ids/--sample when given, else its own
header, id uniqueness and label range); `--dry-run` stops there and says what would be sent.
"""
import sys
from pathlib import Path

from competition.errors import DataError
from competition.kaggle_client import COMPETITIONS, KaggleUnavailable, submit
from competition.submission_format import DEFAULT_COLUMNS, SubmissionFormat, resolve_format
from competition.validate import check_submission, submission_rows


def add_arguments(parser):
    parser.add_argument("file", metavar="FILE", help="submission CSV or zip (from `miga submission`)")
    parser.add_argument("--track", type=int, choices=(1, 3), required=True)
    parser.add_argument("-m", "--message", required=True, help="submission description shown on Kaggle")
    parser.add_argument("--competition", default=None,
                        help="Kaggle competition slug (default: the track's, see `miga submit --help`): "
                             + "; ".join(f"Track {t}: {slug}" for t, slug in COMPETITIONS.items()))
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--data", metavar="PREPARED", help="check the ids against the prepared dataset")
    source.add_argument("--ids", metavar="LIST", help="check the ids against a test id list")
    source.add_argument("--sample", metavar="CSV", help="check against the competition's sample_submission.csv")
    parser.add_argument("--dry-run", action="store_true", help="validate and show what would be sent; upload nothing")


def run(args):
    path = Path(args.file)
    fmt = resolve_format(args.track, data=args.data, ids=args.ids, sample=args.sample) or _own_ids(path, args.track)
    check_submission(path, fmt)
    competition = args.competition or COMPETITIONS[args.track]
    if args.dry_run:
        print(f"dry run: {path} is a valid Track {args.track} submission ({len(fmt.ids)} rows, checked against "
              f"{fmt.source}); would submit it to {competition} with message {args.message!r}")
        return 0
    try:
        answer = submit(path, args.message, competition)
    except KaggleUnavailable as error:
        print(f"miga submit: {error}", file=sys.stderr)
        return 1
    print(f"submitted {path} to {competition}: {answer}")
    print(f"see the score with: miga submissions --track {args.track}")
    return 0


def _own_ids(path, track):
    """Without a reference id set, the file's own ids: header, duplicates and labels are still checked."""
    rows = submission_rows(path)
    if not rows:
        raise DataError(path, "the file is empty")
    return SubmissionFormat(track, DEFAULT_COLUMNS, tuple(dict.fromkeys(r[0] for r in rows[1:] if r)),
                            "its own ids (give --data, --ids or --sample to check the id set)")
