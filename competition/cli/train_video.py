"""miga train-video: cross-validate a Track 3 video model by subject; write out-of-fold and test probabilities.

Writes `OUT/val.npz` (out-of-fold win/lose probabilities of every labelled video, train and val splits: the
Track 3 validation file for `miga ensemble --track 3`) and `OUT/test.npz` (the mean of the K fold models on
the test videos). Folds are grouped by the `subject` column of videos.csv when it has one, else by video.
"""
import sys
from pathlib import Path

from competition.cli.track3_options import add_experiment, input_options


def add_arguments(parser):
    add_experiment(parser)
    parser.add_argument("--out", type=Path, help="output folder for val.npz and test.npz "
                                                 "(default predictions/<MODEL>)")
    parser.add_argument("--name", help="model name recorded in the files (default: the folder name)")


def run(args):
    from models.track3.experiment import load_experiment, parse_params, run_experiment, write_predictions

    params = parse_params(args.params)
    out = args.out or Path("predictions") / args.model
    experiment = load_experiment(args.model, input_options(args), args.folds, args.seed)
    result = run_experiment(experiment, params, args.seed, args.device)
    written = write_predictions(experiment, result, out, args.name or out.name, params, args.seed)
    scores = ", ".join(f"{metric} {value:.4f}" for metric, value in result.scores.items())
    print(f"{args.model}: {len(experiment.labels)} labelled videos in {args.folds} folds grouped by "
          f"{experiment.group_column}; out-of-fold {scores}", file=sys.stderr)
    print("wrote " + " and ".join(str(path) for path in written))
    return 0
