"""Fit ensembles of several models' validation probabilities, score each method by cross-validation, keep one.

Every method is scored in-sample and by K-fold cross-validation on the validation rows; `auto` runs them all,
ranks them by the cross-validated score and keeps the simplest within one standard error of the best, refit
on all rows. The choice is written as an ensemble spec (ensembles.spec).
"""
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from competition.core.constants import CLASSES_OF_TRACK
from competition.core.errors import DataError
from competition.core.provenance import sha256_file
from competition.core.studies.storage import redact_password
from ensembles.cv import cross_validate
from ensembles.inputs import load_model_set
from ensembles.methods import build_method
from ensembles.ranking import choose
from ensembles.spec import build_spec, write_spec

METHOD_ORDER = ("optuna", "greedy", "hill", "stack", "mean", "best")


@dataclass(frozen=True)
class EnsembleFit:
    model_set: object
    results: list
    chosen: object
    spec: dict


def load_labelled_model_set(pred_dirs, track, num_classes=None):
    """The models' validation files joined by id; every row must carry a label. `num_classes` defaults to the
    track's (another dataset, such as an imported skeleton set, says its own)."""
    model_set = load_model_set(pred_dirs, split="val", track=track,
                               num_classes=num_classes or CLASSES_OF_TRACK[track])
    unknown = np.flatnonzero(model_set.labels < 0)
    if len(unknown):
        raise DataError(model_set.paths[0], f"{len(unknown)} validation row(s) have no label (-1), first id "
                                            f"{str(model_set.ids[unknown[0]])!r}; ensembles are fitted on labelled "
                                            "rows only")
    return model_set


def fit_ensemble(pred_dirs, *, track, out, method="auto", objective="accuracy", folds=5, seed=0, trials=1000,
                 power=False, storage=None, study=None, workers=1, work_dir="work_dirs/ensembles", progress=True,
                 model_set=None, on_result=None, num_classes=None) -> EnsembleFit:
    """Fit `method` (or every method, `auto`) on the models' validation files and write the spec to `out`.

    `on_result(result)` is called as each method's cross-validation finishes.
    """
    out = Path(out)
    model_set = model_set or load_labelled_model_set(pred_dirs, track, num_classes)
    if not 2 <= folds <= len(model_set.ids):
        raise DataError("--folds", f"must be between 2 and the {len(model_set.ids)} validation rows, got {folds}")
    if trials < 1:
        raise DataError("--trials", f"must be at least 1, got {trials}")
    digests = [sha256_file(path) for path in model_set.paths]
    study = study or out.stem
    optuna_options = dict(trials=trials, study_name=study, storage=storage, work_dir=work_dir, workers=workers,
                          power=power, seed=seed, progress=progress, inputs_digest="|".join(digests))
    names = METHOD_ORDER if method == "auto" else (method,)
    methods = [build_method(name, objective=objective, optuna_options=optuna_options) for name in names]
    results = []
    for candidate in methods:
        result = cross_validate(candidate, model_set.probs, model_set.labels, folds=folds, seed=seed)
        if on_result is not None:
            on_result(result)
        results.append(result)
    chosen = choose(results, objective) if method == "auto" else results[0]
    optuna_record = None
    if "optuna" in names:
        optuna_record = {"storage": redact_password(methods[names.index("optuna")].storage), "study": study,
                         "trials": trials, "workers": workers, "power": power}
    spec = build_spec(track=track, chosen=chosen, results=results, model_set=model_set, digests=digests,
                      sources=pred_dirs, seed=seed, folds=folds, objective=objective, optuna=optuna_record)
    write_spec(out, spec)
    return EnsembleFit(model_set, results, chosen, spec)
