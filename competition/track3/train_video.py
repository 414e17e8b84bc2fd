"""Cross-validate a Track 3 video model by subject groups and write its out-of-fold and test probabilities.

Writes `OUT/val.npz` (out-of-fold win/lose probabilities of every labelled video, train and val splits: the
Track 3 validation file for `miga ensemble --track 3`) and `OUT/test.npz` (the mean of the K fold models on
the test videos). Folds are grouped by the `subject` column of videos.csv when it has one, else by video.
"""
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from competition.errors import DataError
from competition.probabilities import save_probabilities
from competition.track3.cross_validation import cross_validate, grouped_folds
from competition.track3.inputs import add_input_arguments, model_inputs
from competition.track3.videos import VideoTable
from models.video_level import ESTIMATORS, estimator_class


def add_common_arguments(parser):
    parser.add_argument("model", choices=sorted(ESTIMATORS), metavar="MODEL",
                        help=f"video model: {', '.join(sorted(ESTIMATORS))}")
    parser.add_argument("--data", type=Path, required=True, help="prepared dataset (miga prepare)")
    parser.add_argument("--folds", type=int, default=5, help="K of the grouped K-fold cross-validation")
    parser.add_argument("--seed", type=int, default=0, help="seed of the fold assignment and the models")
    parser.add_argument("--device", help="torch device of the interfusion model, e.g. cuda (default cpu)")
    parser.add_argument("--params", help="estimator parameters: a JSON object or a .json file "
                                         "(e.g. the best parameters `miga tune-video` wrote)")
    add_input_arguments(parser)


def add_arguments(parser):
    add_common_arguments(parser)
    parser.add_argument("--out", type=Path, help="output folder for val.npz and test.npz "
                                                 "(default predictions/<MODEL>)")
    parser.add_argument("--name", help="model name recorded in the files (default: the folder name)")


def parse_params(text):
    if not text:
        return {}
    path = Path(text)
    try:
        params = json.loads(path.read_text() if path.suffix == ".json" and path.is_file() else text)
    except json.JSONDecodeError as error:
        raise DataError(text, f"--params is neither a JSON object nor a .json file holding one ({error})") from None
    if not isinstance(params, dict):
        raise DataError(text, f"--params must be a JSON object, got {type(params).__name__}")
    return params


@dataclass
class Experiment:
    """Everything a cross-validation run of one video model needs, read once."""
    model: str
    labelled: object  # videos.csv rows with a label
    test: object      # videos.csv rows of the test split
    inputs: object
    labels: np.ndarray
    test_inputs: object
    fold_of: np.ndarray
    group_column: str

    def estimator_factory(self, params, seed, device=None):
        cls = estimator_class(self.model)
        params = {"seed": seed, **params}
        if device is not None and "device" in cls().get_params():
            params["device"] = device
        try:
            cls(**params)
        except TypeError as error:
            raise DataError("--params", f"{self.model} does not take these parameters: {error}") from None
        return lambda: cls(**params)


def load_experiment(args) -> Experiment:
    videos = VideoTable.read(args.data)
    labelled, test = videos.labelled(), videos.test()
    try:
        fold_of = grouped_folds(labelled["label"].to_numpy(), videos.groups(labelled), args.folds, args.seed)
    except ValueError as error:
        raise DataError(Path(args.data) / "videos.csv", str(error)) from None
    return Experiment(args.model, labelled, test, model_inputs(args.model, args, labelled),
                      labelled["label"].to_numpy(dtype=np.int64),
                      model_inputs(args.model, args, test) if len(test) else None, fold_of,
                      "subject" if videos.has_subjects else "video_id")


def write_predictions(experiment, result, out, name, params, seed):
    meta = {"folds": int(experiment.fold_of.max()) + 1, "seed": seed, "groups": experiment.group_column,
            "params": params, "oof_scores": result.scores, "fold_scores": result.fold_scores,
            "video_model": experiment.model}
    labelled_ids = experiment.labelled["video_id"].to_numpy(dtype=str)
    save_probabilities(out / "val.npz", labelled_ids, result.oof_probs, experiment.labels, model=name, track=3,
                       split="val", extra_meta={**meta, "fold_of": experiment.fold_of.tolist(),
                                                "out_of_fold": True})
    if result.test_probs is not None:
        save_probabilities(out / "test.npz", experiment.test["video_id"].to_numpy(dtype=str), result.test_probs,
                           model=name, track=3, split="test", extra_meta=meta)


def run(args):
    params = parse_params(args.params)
    out = args.out or Path("predictions") / args.model
    name = args.name or out.name
    experiment = load_experiment(args)
    result = cross_validate(experiment.estimator_factory(params, args.seed, args.device), experiment.inputs, experiment.labels,
                            experiment.fold_of, experiment.test_inputs, description=f"{args.model} folds")
    write_predictions(experiment, result, out, name, params, args.seed)
    scores = ", ".join(f"{metric} {value:.4f}" for metric, value in result.scores.items())
    print(f"{args.model}: {len(experiment.labels)} labelled videos in {args.folds} folds grouped by "
          f"{experiment.group_column}; out-of-fold {scores}", file=sys.stderr)
    print(f"wrote {out / 'val.npz'}" + (f" and {out / 'test.npz'}" if result.test_probs is not None else ""))
    return 0
