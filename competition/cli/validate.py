"""miga validate: check a submission CSV (or the zip holding it) before Kaggle sees it.

Checks the header, the exact id set (missing, extra and duplicate ids are named) and that every target is
an integer label of the track. All problems are reported at once; the exit status is 2 when there are any.
"""
from competition.cli.options import add_format_source, add_track
from competition.kaggle.formats import resolve_format
from competition.kaggle.validate import check_submission


def add_arguments(parser):
    add_track(parser)
    parser.add_argument("file", metavar="FILE", help="submission CSV, or the zip that holds it")
    add_format_source(parser, required=True)


def run(args):
    fmt = resolve_format(args.track, data=args.data, ids=args.ids, sample=args.sample)
    check_submission(args.file, fmt)
    print(f"{args.file}: valid Track {args.track} submission ({len(fmt.ids)} rows, columns "
          f"{','.join(fmt.columns)}; checked against {fmt.source})")
    return 0
