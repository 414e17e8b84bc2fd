"""The ensemble spec (`ensembles/<name>.json`): what `miga ensemble` chose, and everything to apply it again.

Plain JSON (no pickle): method and why it was chosen, how the rows were grouped and split, the fitted
combiner (weights, or the stack's coefficients, with temperatures and the prior correction around them),
scores in-sample and cross-validated with their intervals, the table of every method tried, the inputs with
their sha256, seed, code revision (docs/ensembles.md lists every field). `miga submission` reads it and
applies the combiner to the same models' test files.
"""
import json
from pathlib import Path

from competition.core.atomic import write_text
from competition.core.errors import DataError
from competition.core.provenance import code_revision, utc_now
from ensembles.combiners import combiner_from_dict, inner_combiner

FORMAT = "miga-ensemble/2"
READABLE = ("miga-ensemble/1", FORMAT)  # /1: before grouped folds, intervals and the prior correction


def build_spec(*, track, chosen, results, model_set, digests, sources, seed, folds, objective, correction, choice,
               bootstrap, optuna=None, test_rows=None):
    models = model_set.models
    spec = {
        "format": FORMAT,
        "track": int(track),
        "method": chosen.name,
        "choice": choice,
        "num_classes": model_set.num_classes,
        "objective": objective,
        "seed": int(seed),
        "folds": folds.count,
        "grouping": folds.to_dict(),
        "correction": correction.to_dict(),
        "bootstrap": bootstrap,
        "combiner": chosen.combiner.to_dict(models),
        "weights": inner_combiner(chosen.combiner).to_dict(models).get("weights"),
        "scores": {**chosen.scores_dict(), "per_class": chosen.per_class()},
        "methods": [{"method": r.name, "complexity": r.complexity, "seconds": round(r.seconds, 3), **r.scores_dict()}
                    for r in results],
        "rows": {"split": model_set.split, "count": int(len(model_set.ids)), "fold_file": model_set.fold_file,
                 "description": model_set.describe_rows()},
        "inputs": [_input_entry(model, source, path, digest, model_set.split)
                   for model, source, path, digest in zip(models, sources, model_set.paths, digests)],
        "optuna": optuna,
        "code_revision": code_revision(),
        "created": utc_now(),
    }
    if model_set.split == "val":
        spec["val_rows"] = int(len(model_set.ids))
    if test_rows:
        spec["test_rows"] = int(test_rows)
        spec["test_row_points"] = 100.0 / test_rows
    return spec


def _input_entry(model, source, path, digest, split):
    entry = {"model": model, "source": str(source), "rows_file": str(path), "rows_sha256": digest}
    if split == "val":  # the keys of specs before out-of-fold rows
        entry.update(val=str(path), val_sha256=digest)
    return entry


def fitted_rows(spec) -> str:
    """The split a spec was fitted on: `oof` or `val` (specs before out-of-fold rows: val)."""
    return (spec.get("rows") or {}).get("split", "val")


def write_spec(path, spec):
    write_text(path, json.dumps(spec, indent=2) + "\n")


def read_spec(path):
    """Load and check a spec; returns (spec, combiner)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "no such ensemble spec; make one with `miga ensemble`")
    try:
        spec = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise DataError(path, f"is not valid JSON ({error})") from None
    if not isinstance(spec, dict) or spec.get("format") not in READABLE:
        raise DataError(path, f"is not an ensemble spec (expected \"format\": \"{FORMAT}\")")
    missing = [key for key in ("track", "method", "combiner", "inputs", "num_classes") if key not in spec]
    if missing:
        raise DataError(path, f"ensemble spec lacks {missing}")
    models = [entry["model"] for entry in spec["inputs"]]
    try:
        combiner = combiner_from_dict(spec["combiner"], models)
    except (KeyError, ValueError, TypeError) as error:
        raise DataError(path, f"ensemble spec's combiner is broken: {error}") from None
    return spec, combiner


def input_source(spec_path, entry):
    """An input's prediction folder: as recorded, else relative to the spec's folder (a moved project)."""
    source = Path(entry["source"])
    if source.exists() or source.is_absolute():
        return source
    beside = Path(spec_path).parent / source
    return beside if beside.exists() else source
