"""Write the Kaggle file: apply an ensemble spec to the models' test probabilities (`miga submission`).

Track 1: `Id,Target` (clip id, label 0..31), one row per test clip, plus the zip Kaggle takes. Track 3: one
row per test video, columns and id form from the sample submission when one is known (else `Id,Target`).
Beside the CSV a manifest records inputs with their sha256, the combiner, the scores and the code revision.
The rows are checked with the same validator as `miga validate` before anything is written.
"""
import csv
import io
import json
import sys
import zipfile
from pathlib import Path

from competition.core.atomic import csv_text, write_bytes, write_text
from competition.core.errors import DataError
from competition.core.provenance import code_revision, sha256_file, utc_now
from competition.kaggle.formats import DEFAULT_COLUMNS, SubmissionFormat, match_ids, resolve_format
from competition.kaggle.validate import find_problems
from ensembles.inputs import load_model_set, prediction_file
from ensembles.spec import fitted_rows, input_source, read_spec


def write_submission(spec_path, track, out_dir, *, name=None, data=None, sample=None, ids=None):
    spec, combiner = read_spec(spec_path)
    if spec["track"] != track:
        raise DataError(spec_path, f"is a Track {spec['track']} ensemble, asked for Track {track}")
    sources = [input_source(spec_path, entry) for entry in spec["inputs"]]
    model_set = load_model_set(sources, split="test", track=track, num_classes=spec["num_classes"])
    expected_models = [entry["model"] for entry in spec["inputs"]]
    if list(model_set.models) != expected_models:
        raise DataError(spec_path, f"spec was fitted on models {expected_models}, the test files hold "
                                   f"{list(model_set.models)}")
    stale = _changed_validation_files(spec, sources)
    for path in stale:
        print(f"warning: {path} changed since {spec_path} was fitted (sha256 differs); the weights may not fit "
              "this model any more: rerun `miga ensemble`", file=sys.stderr)
    targets = combiner.predict_proba(model_set.probs).argmax(axis=1)
    predicted = dict(zip(model_set.ids.tolist(), targets.tolist()))
    fmt = resolve_format(track, data=data, ids=ids, sample=sample)
    fmt, rows = _rows_in_format(fmt, track, predicted, spec_path)

    out_dir = Path(out_dir)
    stem = name or f"{Path(spec_path).stem}_track{track}"
    csv_path = out_dir / f"{stem}.csv"
    text = csv_text(fmt.columns, rows)
    problems = find_problems(list(csv.reader(io.StringIO(text, newline=""))), fmt)
    if problems:  # checked before anything is written
        raise DataError(csv_path, "the submission would be invalid:\n  - " + "\n  - ".join(problems))
    write_text(csv_path, text)
    written = [csv_path]
    if track == 1:
        zip_path = out_dir / f"{stem}.zip"
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(csv_path.name, text)
        write_bytes(zip_path, buffer.getvalue())
        written.append(zip_path)
    manifest_path = out_dir / f"{stem}.manifest.json"
    manifest = {
        "track": track, "rows": len(rows), "columns": list(fmt.columns), "checked_against": fmt.source,
        "files": {path.name: sha256_file(path) for path in written},
        "ensemble": {"spec": str(spec_path), "sha256": sha256_file(spec_path), "method": spec["method"],
                     "combiner": spec["combiner"], "scores": spec.get("scores")},
        "inputs": [{"model": model, "test": str(path), "test_sha256": sha256_file(path)}
                   for model, path in zip(model_set.models, model_set.paths)],
        "validation_files_changed_since_fit": [str(path) for path in stale],
        "code_revision": code_revision(), "created": utc_now(),
    }
    write_text(manifest_path, json.dumps(manifest, indent=2) + "\n")
    return written + [manifest_path]


def _changed_validation_files(spec, sources):
    """The inputs whose fitted rows' file (val.npz or oof.npz) no longer has the sha256 recorded at the fit."""
    changed = []
    for entry, source in zip(spec["inputs"], sources):
        path = prediction_file(source, fitted_rows(spec))
        digest = entry.get("rows_sha256") or entry.get("val_sha256")
        if digest and path.is_file() and sha256_file(path) != digest:
            changed.append(path)
    return changed


def _rows_in_format(fmt, track, predicted, spec_path):
    """Rows (id, target) in the format's id form and order; without a known format, the test files' ids."""
    if fmt is None:
        return SubmissionFormat(track, DEFAULT_COLUMNS, tuple(predicted), "the test probability files"), \
            list(predicted.items())
    mapping = match_ids(list(predicted), fmt.ids)
    unmatched = [i for i in predicted if i not in mapping]
    theirs_to_ours = {their: our for our, their in mapping.items()}
    uncovered = [i for i in fmt.ids if i not in theirs_to_ours]
    if unmatched or uncovered:
        parts = []
        if uncovered:
            parts.append(f"the test probability files lack {len(uncovered)} id(s) of {fmt.source}: "
                         + ", ".join(uncovered[:10]))
        if unmatched:
            parts.append(f"{len(unmatched)} test id(s) are not in {fmt.source}: " + ", ".join(unmatched[:10]))
        raise DataError(spec_path, "; ".join(parts))
    width = len(fmt.columns)
    # Middle columns (a sample with more than id and target) are left empty.
    rows = [(their,) + ("",) * (width - 2) + (predicted[theirs_to_ours[their]],) for their in fmt.ids]
    return fmt, rows
