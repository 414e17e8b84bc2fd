"""miga prepare: convert the raw download into the prepared dataset mmaction2 trains on."""
from competition.cli.options import at_least
from competition.data.prepare import prepare


def add_arguments(parser):
    parser.add_argument("raw", help="folder the official download was unzipped into (or miga synth's output)")
    parser.add_argument("out", help="folder for the prepared dataset")
    parser.add_argument("--jobs", type=at_least(1), default=1, help="videos processed in parallel")
    parser.add_argument("--threads", type=at_least(0),
                        help="decoder and scaler threads of each job (default: the CPU cores divided by --jobs; "
                             "0 lets FFmpeg choose)")
    parser.add_argument("--skip-bad", action="store_true",
                        help="skip bad videos and label rows with a warning and list them in prepare_report.json, "
                             "instead of stopping at the first")
    parser.add_argument("--short-side", type=at_least(0), default=256,
                        help="scale RGB clips down so their short side is at most this (0 keeps the original)")
    parser.add_argument("--no-rgb", action="store_true", help="prepare skeletons only (no RGB videos needed)")
    parser.add_argument("--subjects", help="optional CSV video_id,subject for grouping videos by person "
                                           "(default: RAW/subjects.csv when present)")


def run(args):
    summary = prepare(args.raw, args.out, jobs=args.jobs, skip_bad=args.skip_bad, short_side=args.short_side,
                      rgb=not args.no_rgb, subjects=args.subjects, threads=args.threads)
    print(f"prepared {args.out}: videos {summary['videos']}, clips {summary['clips']}, "
          f"{summary['classes']} classes with labelled clips, {summary['track3_labelled']} videos with a Track 3 "
          f"label" + (f", {summary['skipped']} skipped (see prepare_report.json)" if summary["skipped"] else "")
          + (f"; removed {summary['removed_from_earlier_runs']} files of an earlier run that this run does not "
             "make" if summary["removed_from_earlier_runs"] else ""))
    return 0
