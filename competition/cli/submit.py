"""miga submit: validate a submission, then upload it to the track's Kaggle competition.

The file is checked first (as `miga validate` does, against --data/--ids/--sample when given, else its own
header, id uniqueness and label range); `--dry-run` stops there and says what would be sent.
"""
import sys
from pathlib import Path

from competition.cli.options import add_format_source, add_track
from competition.kaggle.client import COMPETITIONS, KaggleUnavailable, submit
from competition.kaggle.formats import resolve_format
from competition.kaggle.validate import check_submission, own_ids_format


def add_arguments(parser):
    parser.add_argument("file", metavar="FILE", help="submission CSV or zip (from `miga submission`)")
    add_track(parser)
    parser.add_argument("-m", "--message", required=True, help="submission description shown on Kaggle")
    parser.add_argument("--competition", default=None,
                        help="Kaggle competition slug (default: the track's): "
                             + "; ".join(f"Track {t}: {slug}" for t, slug in COMPETITIONS.items()))
    add_format_source(parser)
    parser.add_argument("--dry-run", action="store_true", help="validate and show what would be sent; upload nothing")


def run(args):
    path = Path(args.file)
    fmt = (resolve_format(args.track, data=args.data, ids=args.ids, sample=args.sample)
           or own_ids_format(path, args.track))
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

