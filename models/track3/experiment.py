"""Cross-validate a Track 3 video model by subject groups and write its out-of-fold and test probabilities.

Writes `OUT/val.npz` (out-of-fold win/lose probabilities of every labelled video, train and val splits: the
Track 3 validation file for `miga ensemble --track 3`) and `OUT/test.npz` (the mean of the K fold models on
the test videos). Folds are grouped by the `subject` column of videos.csv when it has one, else by video.
"""
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from competition.core.errors import DataError
from competition.core.folds import assign_folds
from competition.core.probabilities import save_probabilities
from competition.data.tables import VideoTable
from models.track3 import estimator_class
from models.track3.cross_validation import cross_validate
from models.track3.inputs import model_inputs


def parse_params(text):
    """Estimator parameters from a JSON object, or from a .json file holding one."""
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


def load_experiment(model, inputs, folds, seed) -> Experiment:
    """The labelled and test videos of `inputs.data`, the model's inputs for both, and the grouped folds."""
    videos = VideoTable.read(inputs.data)
    labelled, test = videos.labelled(), videos.test()
    labels = labelled["label"].to_numpy()
    if len(np.unique(labels)) < 2:
        raise DataError(Path(inputs.data) / "videos.csv", f"the labelled videos hold one class only "
                                                          f"({np.unique(labels).tolist()}); win/lose "
                                                          "cross-validation needs both")
    try:
        fold_of = assign_folds(labels, folds, groups=videos.groups(labelled), seed=seed)
    except ValueError as error:
        raise DataError(Path(inputs.data) / "videos.csv", str(error)) from None
    return Experiment(model, labelled, test, model_inputs(model, inputs, labelled),
                      labelled["label"].to_numpy(dtype=np.int64),
                      model_inputs(model, inputs, test) if len(test) else None, fold_of,
                      "subject" if videos.has_subjects else "video_id")


def run_experiment(experiment, params, seed, device=None, progress=True):
    """Cross-validate the experiment's model with `params`: out-of-fold and fold-averaged test probabilities."""
    return cross_validate(experiment.estimator_factory(params, seed, device), experiment.inputs, experiment.labels,
                          experiment.fold_of, experiment.test_inputs, progress=progress,
                          description=f"{experiment.model} folds")


def write_predictions(experiment, result, out, name, params, seed):
    """OUT/val.npz (out-of-fold) and OUT/test.npz; returns the paths written."""
    out = Path(out)
    meta = {"folds": int(experiment.fold_of.max()) + 1, "seed": seed, "groups": experiment.group_column,
            "params": params, "oof_scores": result.scores, "fold_scores": result.fold_scores,
            "video_model": experiment.model}
    labelled_ids = experiment.labelled["video_id"].to_numpy(dtype=str)
    written = [save_probabilities(out / "val.npz", labelled_ids, result.oof_probs, experiment.labels, model=name,
                                  track=3, split="val", extra_meta={**meta, "fold_of": experiment.fold_of.tolist(),
                                                                    "out_of_fold": True})]
    if result.test_probs is not None:
        written.append(save_probabilities(out / "test.npz", experiment.test["video_id"].to_numpy(dtype=str),
                                          result.test_probs, model=name, track=3, split="test", extra_meta=meta))
    return written
