"""Submissions against a real `miga prepare` output: Track 1 clip ids and Track 3 video ids from its tables."""
import csv

import numpy as np

from competition.cli import main
from tests.ensemble_fixtures import informative_model, write_prediction_dirs


def split_ids(table, key, split):
    with open(table, newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [r[key] for r in rows if r["split"] == split], [int(r["label"]) for r in rows if r["split"] == split]


def test_track1_and_track3_files_from_a_prepared_dataset_validate_and_dry_run(prepared, tmp_path, capsys):
    rng = np.random.default_rng(0)
    for track, table, key, classes in ((1, "clips.csv", "clip_id", 32), (3, "videos.csv", "video_id", 2)):
        val_ids, val_labels = split_ids(prepared / table, key, "val" if track == 1 else "train")
        test_ids, _ = split_ids(prepared / table, key, "test")
        labels = np.array(val_labels)
        models = {f"m{track}a": informative_model(rng, labels, classes, 0.7),
                  f"m{track}b": informative_model(rng, labels, classes, 0.5)}
        dirs = write_prediction_dirs(tmp_path / "predictions", models, track=track, val_ids=val_ids,
                                     val_labels=labels, test_ids=test_ids, rng=rng)
        spec = tmp_path / "ensembles" / f"blend{track}.json"
        assert main(["ensemble", "--track", str(track), *map(str, dirs), "--out", str(spec), "--method", "greedy",
                     "--folds", "2", "--quiet"]) == 0
        out = tmp_path / "submissions"
        assert main(["submission", "--track", str(track), str(spec), "--out", str(out), "--data", str(prepared)]) == 0
        name = f"blend{track}_track{track}." + ("zip" if track == 1 else "csv")
        assert main(["validate", "--track", str(track), str(out / name), "--data", str(prepared)]) == 0
        assert main(["submit", str(out / name), "--track", str(track), "-m", "demo", "--data", str(prepared),
                     "--dry-run"]) == 0
        assert "dry run" in capsys.readouterr().out
