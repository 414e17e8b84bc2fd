"""miga submission: apply an ensemble spec to the test probabilities; write the Kaggle CSV (+zip, manifest)."""
from competition.cli.options import add_format_source, add_track
from competition.core.atomic import check_folder
from competition.kaggle.writer import write_submission


def add_arguments(parser):
    add_track(parser)
    parser.add_argument("spec", metavar="ENSEMBLE.json", help="spec written by `miga ensemble`")
    parser.add_argument("--out", default="submissions", help="folder for the CSV, zip and manifest")
    parser.add_argument("--name", default=None, help="file stem (default: <spec name>_track<T>)")
    add_format_source(parser)


def run(args):
    check_folder(args.out, "--out names a folder")
    written = write_submission(args.spec, args.track, args.out, name=args.name, data=args.data,
                               sample=args.sample, ids=args.ids)
    for path in written:
        print(f"wrote {path}")
    return 0
