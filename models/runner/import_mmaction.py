"""Convert an mmaction2 `--dump` pickle into probability files (docs/probability-files.md).

For users who trained and tested with mmaction2's own `tools/test.py ... --dump results.pkl`. The dump is a
list of dicts with `pred_score` (RGBPoseConv3D: a dict of per-stream scores), one per sample in the order of
the annotation file the test ran on; `--ann` gives that file so that rows get their clip ids:
- a VideoDataset list (`<clip_id>.mp4 <label>` lines, e.g. PREPARED/rgb/val.txt), or
- a prepared pose annotation file (`pose/imigue36.npz`) with `--ann-split`.

The dump is a pickle: loading it can run any code its author put in it. Import only dumps you made yourself.
"""
import sys
from pathlib import Path

import numpy as np

from competition.core.errors import DataError
from competition.core.ids import id_from_name


def read_annotation_ids(path, split=None):
    """(ids, labels) in the order of an annotation list or prepared pose file."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "no such annotation file")
    if path.suffix == ".npz":
        from competition.data.annotations import load_pose_annotations
        if split is None:
            raise DataError(path, "a pose annotation file needs --ann-split (the split the dump was made on)")
        annotations = load_pose_annotations(path, split=split)["annotations"]
        return [a["frame_dir"] for a in annotations], [a["label"] for a in annotations]
    ids, labels = [], []
    for row, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        try:
            label = int(parts[-1]) if len(parts) > 1 else -1
        except ValueError:
            raise DataError(path, f"expected `<clip>.mp4 <label>`, got {line!r}", row=row) from None
        ids.append(id_from_name(parts[0]))
        labels.append(label)
    return ids, labels


def load_dump(path):
    """Read an mmaction2 dump. It is a pickle: this runs whatever code it holds (the user asked for it)."""
    import pickle

    path = Path(path)
    if not path.is_file():
        raise DataError(path, "no such dump file")
    print(f"warning: {path} is a pickle; loading it can run arbitrary code. Import only dumps you made "
          "yourself.", file=sys.stderr)
    import torch  # noqa: F401
    with open(path, "rb") as handle:
        try:
            results = pickle.load(handle)  # noqa: S301 - explicit user request, warned above
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError) as error:
            raise DataError(path, f"not an mmaction2 dump ({error})") from None
    if not isinstance(results, list) or not results or not all(
            isinstance(r, dict) and "pred_score" in r for r in results):
        raise DataError(path, "expected a list of dicts with `pred_score` (mmaction2 tools/test.py --dump)")
    return results


def _as_array(score):
    return np.asarray(score.detach().cpu().float().numpy() if hasattr(score, "detach") else score, np.float64)


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def dump_rows(results, ids, labels, *, softmax=False, source=""):
    if len(results) != len(ids):
        raise DataError(source, f"the dump has {len(results)} rows but the annotation file has {len(ids)} clips: "
                                "give the --ann file (and split) the dump was made on")
    rows = []
    for clip, label, result in zip(ids, labels, results):
        score = result["pred_score"]
        if isinstance(score, dict):
            score = {name: _as_array(value) for name, value in score.items()}
            if softmax:
                score = {name: _softmax(value) for name, value in score.items()}
        else:
            score = _softmax(_as_array(score)) if softmax else _as_array(score)
        rows.append((clip, int(label), score))
    return rows


def import_dump(dump, ann, out, split, *, ann_split=None, track=1, softmax=False):
    """Write OUT/<split>.npz (and per-stream files) from an mmaction2 dump; return their paths."""
    from models.runner.predict import write_probability_files

    ids, labels = read_annotation_ids(ann, ann_split)
    rows = dump_rows(load_dump(dump), ids, labels, softmax=softmax, source=dump)
    return write_probability_files(out, split, rows, track=track, checkpoint=None,
                                   extra_meta=dict(imported_from=str(dump), annotation=str(ann)), source=dump)
