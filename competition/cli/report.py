"""miga report: error-analysis figures of the models and their ensemble: PNG files and one HTML page.

The same sections fill `notebooks/track1_error_analysis.ipynb` and `notebooks/track3_analysis.ipynb`
(`competition.report.show(section)` there); this command writes them without Jupyter.
"""
from pathlib import Path

from competition.cli.options import add_track
from competition.core.atomic import check_folder
from competition.report import describe_inputs, track_sections, write_report
from ensembles.analysis import load_labelled_predictions
from ensembles.spec import fitted_rows, read_spec


def add_arguments(parser):
    parser.description = (
        "Error analysis of the models' validation probabilities (Track 3: out-of-fold) and of their ensemble: "
        "Track 1 per-class accuracy against class frequency, the confusion matrix, the most frequent "
        "confusions, each model against the ensemble, the models' error correlation, the ensemble's weights "
        "and a reliability diagram; Track 3 ROC curves, score distributions by label and accuracy per "
        "subject. Writes one PNG per figure and index.html (images embedded) into --out.")
    add_track(parser)
    parser.add_argument("pred_dirs", nargs="*", metavar="PRED_DIR",
                        help="prediction folders predictions/<model>/ (default: the ensemble spec's inputs)")
    parser.add_argument("--ensemble", metavar="SPEC.json", help="ensemble spec written by `miga ensemble`")
    parser.add_argument("--data", metavar="PREPARED", help="prepared dataset: Track 1 class frequencies from its "
                                                           "training clips, Track 3 subjects from videos.csv")
    parser.add_argument("--split", choices=("val", "oof", "train"),
                        help="labelled rows to analyse: val, oof (out-of-fold files of `miga train --folds`) or "
                             "train (default: the rows the ensemble was fitted on, else val)")
    parser.add_argument("--out", required=True, help="folder for the PNG files and index.html")


def run(args):
    check_folder(args.out, "--out names a folder")
    split = args.split or (fitted_rows(read_spec(args.ensemble)[0]) if args.ensemble else "val")
    data = load_labelled_predictions(args.track, spec=args.ensemble, pred_dirs=args.pred_dirs, split=split)
    sections = track_sections(data, prepared=args.data)
    page = write_report(sections, args.out, title=f"Track {args.track} error analysis",
                        inputs=describe_inputs(data, args.data, split))
    print(f"{len(data.models)} model(s) × {len(data.ids)} labelled rows; wrote {page} and "
          f"{sum(s.figure is not None for s in sections)} figure(s) in {Path(args.out)}")
    return 0
