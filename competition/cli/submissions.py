"""miga submissions: list your past submissions to a track's Kaggle competition, with their scores."""
import sys

from competition.cli.options import add_track
from competition.kaggle.client import COMPETITIONS, KaggleUnavailable, list_submissions


def add_arguments(parser):
    add_track(parser)
    parser.add_argument("--competition", default=None, help="Kaggle competition slug (default: the track's)")


def run(args):
    competition = args.competition or COMPETITIONS[args.track]
    try:
        submissions = list_submissions(competition)
    except KaggleUnavailable as error:
        print(f"miga submissions: {error}", file=sys.stderr)
        return 1
    if not submissions:
        print(f"no submissions to {competition} yet")
        return 0
    columns = ("date", "file", "status", "public_score", "private_score", "description")
    widths = {c: max(len(c), *(len(str(s[c])) for s in submissions)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for s in submissions:
        print("  ".join(str(s[c]).ljust(widths[c]) for c in columns).rstrip())
        if s["error"]:
            print(f"    error: {s['error']}")
    return 0
