"""`miga ensemble` end to end: the spec, id joins, persistent resumable Optuna studies, workers, seeds."""
import json

import numpy as np
import optuna
import pytest

from competition.cli import main
from competition.core.probabilities import save_probabilities
from competition.core.provenance import sha256_file
from tests.ensemble_fixtures import clip_ids, informative_model, noise_model, study_dir, write_prediction_dirs

VAL_IDS = clip_ids(6, 20)
TEST_IDS = clip_ids(3, 10, first_video=50)


@pytest.fixture
def studies():
    """Journal files in memory where possible (see study_dir); the tests read them from here."""
    with study_dir() as folder:
        yield folder


@pytest.fixture
def predictions(tmp_path):
    rng = np.random.default_rng(21)
    labels = rng.integers(0, 32, len(VAL_IDS))
    models = {"pose_joint": informative_model(rng, labels, 32, 0.6),
              "rgb_swin": informative_model(rng, labels, 32, 0.5),
              "noise": noise_model(rng, len(VAL_IDS), 32)}
    return write_prediction_dirs(tmp_path / "predictions", models, track=1, val_ids=VAL_IDS, val_labels=labels,
                                 test_ids=TEST_IDS, rng=rng)


def ensemble(folder, dirs, *options, name="demo"):
    out = folder / "ensembles" / f"{name}.json"
    argv = ["ensemble", "--track", "1", *map(str, dirs), "--out", str(out), "--work-dir", str(folder / "work"),
            "--quiet", *options]
    return main(argv), out


def study_trials(path, name):
    from optuna.storages.journal import JournalFileBackend
    storage = optuna.storages.JournalStorage(JournalFileBackend(str(path)))
    return optuna.load_study(study_name=name, storage=storage).trials


def test_auto_ranks_every_method_and_writes_a_complete_spec(tmp_path, studies, predictions, capsys):
    status, out = ensemble(studies, predictions, "--trials", "6", "--folds", "3", "--seed", "4")
    printed = capsys.readouterr().out
    assert status == 0
    assert "folds: 3 folds grouped by video: 6 videos from the clip ids <video>_<k>" in printed
    assert "out-of-fold scores of 3 folds grouped by video: 6 videos from the clip ids <video>_<k>" in printed
    assert "95% cluster bootstrap over the 6 videos (2000 resamples); Δ: paired difference from mean" in printed
    table = printed[printed.index("rank method"):]
    assert all(name in table for name in ("optuna", "greedy", "hill", "stack", "convex", "mean", "best"))
    assert "← chosen" in table and "Δ top-1 vs mean" in table
    assert "auto kept `" in printed or "auto chose `" in printed
    spec = json.loads(out.read_text())
    assert spec["format"] == "miga-ensemble/2" and spec["track"] == 1 and spec["seed"] == 4 and spec["folds"] == 3
    assert spec["grouping"] == {"by": "video", "source": "the clip ids <video>_<k>", "groups": 6, "folds": 3,
                                "leave_one_out": False, "origin": None,
                                "description": "3 folds grouped by video: 6 videos from the clip ids <video>_<k>"}
    assert spec["bootstrap"] == {"resamples": 2000, "level": 0.95, "unit": "videos", "groups": 6, "reference": "mean"}
    assert spec["choice"].startswith(("auto kept `", "auto chose `")) and spec["choice"].endswith(".")
    assert spec["method"] in ("optuna", "greedy", "hill", "stack", "convex", "mean", "best")
    assert len(spec["methods"]) == 7
    cv = spec["scores"]["cv"]
    assert cv["folds"] == 3 and len(cv["fold"]["top1"]) == 3
    for metric in ("top1", "macro_f1", "log_loss"):
        low, high = cv["interval"][metric]
        assert low <= cv[metric] <= high
    assert 0 <= spec["scores"]["in_sample"]["top1"] <= 1
    assert [i["model"] for i in spec["inputs"]] == ["pose_joint", "rgb_swin", "noise"]
    for entry, folder in zip(spec["inputs"], predictions):
        assert entry["val_sha256"] == entry["rows_sha256"] == sha256_file(folder / "val.npz")
    assert spec["rows"]["split"] == "val" and spec["rows"]["count"] == spec["val_rows"]
    assert spec["optuna"]["study"] == "demo" and spec["optuna"]["trials"] == 6
    assert spec["correction"]["prior"] is None  # no train.npz, no --data: nothing to correct with
    if spec["combiner"]["kind"] == "weighted_average":
        assert sum(spec["weights"].values()) == pytest.approx(1.0)


def test_different_id_sets_are_refused_naming_the_missing_ids(tmp_path, studies, predictions, capsys):
    rng = np.random.default_rng(0)
    short = VAL_IDS[:-2] + ["0099_0"]
    save_probabilities(tmp_path / "other" / "val.npz", short, noise_model(rng, len(short), 32), None, model="other",
                       track=1, split="val")
    status, _ = ensemble(studies, [predictions[0], tmp_path / "other"], "--method", "mean")
    error = capsys.readouterr().err
    assert status == 2
    assert "lacks 2 id(s)" in error and "0005_18" in error and "0005_19" in error and "0099_0" in error


def test_unlabelled_validation_rows_are_refused(tmp_path, studies, capsys):
    rng = np.random.default_rng(0)
    save_probabilities(tmp_path / "m" / "val.npz", VAL_IDS, noise_model(rng, len(VAL_IDS), 32), None, model="m",
                       track=1, split="val")
    status, _ = ensemble(studies, [tmp_path / "m"], "--method", "mean")
    assert status == 2 and "have no label" in capsys.readouterr().err


def test_optuna_study_persists_and_resumes_by_name(tmp_path, studies, predictions):
    journal = studies / "work" / "optuna.journal"
    assert ensemble(studies, predictions, "--method", "optuna", "--trials", "5", "--folds", "2")[0] == 0
    assert len(study_trials(journal, "demo")) == 5
    assert len(study_trials(journal, "demo.fold1of2")) == 5
    assert ensemble(studies, predictions, "--method", "optuna", "--trials", "8", "--folds", "2")[0] == 0
    assert len(study_trials(journal, "demo")) == 8  # resumed: 3 more, not 8 more
    assert ensemble(studies, predictions, "--method", "optuna", "--trials", "8", "--folds", "2")[0] == 0
    assert len(study_trials(journal, "demo")) == 8  # already done


def test_a_study_made_for_other_inputs_is_not_resumed(tmp_path, studies, predictions, capsys):
    assert ensemble(studies, predictions, "--method", "optuna", "--trials", "3", "--folds", "2")[0] == 0
    status, _ = ensemble(studies, predictions[:2], "--method", "optuna", "--trials", "3", "--folds", "2")
    assert status == 2 and "run on other inputs" in capsys.readouterr().err


def test_seeded_runs_are_reproducible(tmp_path, studies, predictions):
    weights = []
    for run in ("a", "b"):
        status, out = ensemble(studies / run, predictions, "--method", "optuna", "--trials", "12", "--folds", "2",
                               "--seed", "7")
        assert status == 0
        weights.append(json.loads(out.read_text())["weights"])
    assert weights[0] == weights[1]


def test_two_workers_share_one_journal_study(tmp_path, studies, predictions):
    status, _ = ensemble(studies, predictions, "--method", "optuna", "--trials", "10", "--folds", "2",
                         "--workers", "2")
    assert status == 0
    trials = study_trials(studies / "work" / "optuna.journal", "demo")
    assert len(trials) == 10 and all(t.state.name == "COMPLETE" for t in trials)


def test_storage_urls(tmp_path, studies, predictions, capsys):
    url = f"sqlite:///{studies / 'studies.db'}"
    status, out = ensemble(studies, predictions, "--method", "optuna", "--trials", "3", "--folds", "2",
                           "--storage", url)
    assert status == 0 and (studies / "studies.db").is_file()
    assert json.loads(out.read_text())["optuna"]["storage"] == url
    assert len(optuna.load_study(study_name="demo", storage=url).trials) == 3
    status, _ = ensemble(studies, predictions, "--method", "optuna", "--trials", "3", "--storage", url,
                         "--workers", "2")
    assert status == 2 and "not safe with several worker processes" in capsys.readouterr().err


def test_track3_two_class_files_and_what_one_test_video_is_worth(tmp_path, capsys):
    rng = np.random.default_rng(3)
    videos = [f"{v:04d}" for v in range(40)]
    labels = rng.integers(0, 2, 40)
    models = {"video_a": informative_model(rng, labels, 2, 0.7), "video_b": noise_model(rng, 40, 2)}
    dirs = write_prediction_dirs(tmp_path / "predictions", models, track=3, val_ids=videos, val_labels=labels,
                                 test_ids=[f"{v:04d}" for v in range(100, 204)], rng=rng)
    out = tmp_path / "t3.json"
    assert main(["ensemble", "--track", "3", *map(str, dirs), "--out", str(out), "--method", "greedy", "--folds",
                 "loo", "--work-dir", str(tmp_path / "work"), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "leave-one-video-out (40 folds): 40 videos from the video ids (one row per video)" in printed
    assert "One test video is worth 0.96 points of leaderboard accuracy (104 test videos)" in printed
    spec = json.loads(out.read_text())
    assert spec["num_classes"] == 2 and spec["test_rows"] == 104
    assert spec["test_row_points"] == pytest.approx(100 / 104)
    assert spec["grouping"]["leave_one_out"] is True and spec["folds"] == 40
    from competition.cli.demo import learning_line  # the demo's summary reads this spec as written

    majority = max(np.mean(labels), 1 - np.mean(labels))
    line = learning_line(out, "videos")
    assert line.startswith(f"greedy ensemble top-1 {spec['scores']['cv']['top1']:.3f} [")
    assert "on 40 videos" in line and f"always the commonest class top-1 {majority:.3f}" in line
    # a Track 1 run on Track 3 files says what is wrong
    assert main(["ensemble", "--track", "1", *map(str, dirs), "--out", str(out), "--method", "mean"]) == 2
    assert "Track 3 file, expected Track 1" in capsys.readouterr().err
