"""Track 3 video models end to end on a synthetic prepared dataset where a win shifts the gesture mix:
grouped folds, out-of-fold and test probability files, the Optuna search, and the errors users meet."""
import json

import numpy as np
import optuna
import pandas as pd
import pytest
import torch
from sklearn.metrics import roc_auc_score
from track3_fixtures import make_track3_dataset

from competition.cli import main
from competition.core.errors import DataError
from competition.core.folds import assign_folds
from competition.core.probabilities import load_probabilities
from models.track3.embeddings.files import load_chunk_embeddings, save_chunk_embeddings
from models.track3.interfusion_classifier import InterFusionClassifier

torch.set_num_threads(1)
TINY_INTERFUSION = json.dumps({"width": 32, "heads": 2, "depth": 1, "epochs": 10, "lr": 1e-3})


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return make_track3_dataset(tmp_path_factory.mktemp("track3"), shift=0.8, seed=3)


def _inputs(model, info):
    if model == "gesture-profile":
        return ["--clip-predictions", str(info["clip_predictions"])]
    if model == "interfusion":
        return ["--context", str(info["context"]), "--face", str(info["face"]), "--params", TINY_INTERFUSION]
    return []


def _videos(info):
    return pd.read_csv(info["root"] / "videos.csv", dtype={"video_id": str, "subject": str})


@pytest.mark.parametrize("model", ["gesture-profile", "skeleton-dynamics", "interfusion"])
def test_each_model_learns_win_from_the_gesture_mix_out_of_fold(model, dataset, tmp_path):
    out = tmp_path / model
    assert main(["train-video", model, "--data", str(dataset["root"]), "--folds", "4", "--out", str(out)]
                + _inputs(model, dataset)) == 0
    videos = _videos(dataset)
    val = load_probabilities(out / "val.npz", num_classes=2, track=3, split="val")
    labelled = videos[videos["label"] >= 0]
    assert sorted(val.ids) == sorted(labelled["video_id"])  # train and val videos, each exactly once
    truth = dict(zip(labelled["video_id"], labelled["label"]))
    assert [truth[i] for i in val.ids] == val.labels.tolist()
    assert roc_auc_score(val.labels, val.probs[:, 1]) > 0.6
    assert val.meta["out_of_fold"] and val.meta["groups"] == "subject" and val.meta["folds"] == 4

    test = load_probabilities(out / "test.npz", num_classes=2, track=3, split="test")
    assert sorted(test.ids) == sorted(videos[videos["split"] == "test"]["video_id"])
    assert (test.labels == -1).all()


def test_folds_never_split_a_group():
    rng = np.random.default_rng(0)
    for seed in range(5):
        groups = rng.integers(0, 30, 200).astype(str)
        labels = (rng.random(200) < 0.7).astype(int)
        fold_of = assign_folds(labels, 5, groups=groups, seed=seed)
        assert set(fold_of) == set(range(5))
        for group in np.unique(groups):
            assert len(set(fold_of[groups == group])) == 1


def test_train_video_folds_keep_each_subject_together(dataset, tmp_path):
    out = tmp_path / "sd"
    main(["train-video", "skeleton-dynamics", "--data", str(dataset["root"]), "--folds", "5", "--out", str(out)])
    val = load_probabilities(out / "val.npz")
    subject = dict(zip(_videos(dataset)["video_id"], _videos(dataset)["subject"]))
    fold_of = dict(zip(val.ids, val.meta["fold_of"]))
    folds_of_subject = {}
    for video_id, fold in fold_of.items():
        folds_of_subject.setdefault(subject[video_id], set()).add(fold)
    assert all(len(folds) == 1 for folds in folds_of_subject.values())
    assert len(set(fold_of.values())) == 5


def test_without_a_subject_column_each_video_is_its_own_group(tmp_path):
    info = make_track3_dataset(tmp_path / "data", subjects=10, subject_column=False, seed=1)
    out = tmp_path / "sd"
    assert main(["train-video", "skeleton-dynamics", "--data", str(info["root"]), "--folds", "3",
                 "--out", str(out)]) == 0
    assert load_probabilities(out / "val.npz").meta["groups"] == "video_id"


def test_a_dataset_prepared_without_rgb_has_no_fps_and_still_works(tmp_path):
    info = make_track3_dataset(tmp_path / "data", subjects=10, seed=1)
    videos = _videos(info)
    videos["fps"] = ""  # `miga prepare --no-rgb` leaves fps empty
    videos.to_csv(info["root"] / "videos.csv", index=False)
    assert main(["train-video", "skeleton-dynamics", "--data", str(info["root"]), "--folds", "3",
                 "--out", str(tmp_path / "sd")]) == 0


def test_gesture_profile_reads_out_of_fold_clip_probabilities(dataset, tmp_path, capsys):
    folder = dataset["clip_predictions"]
    assert sorted(p.name for p in folder.glob("*.npz")) == ["oof.npz", "test.npz"]
    assert main(["train-video", "gesture-profile", "--data", str(dataset["root"]), "--folds", "4",
                 "--clip-predictions", str(folder), "--out", str(tmp_path / "gp")]) == 0
    assert "in-sample" not in capsys.readouterr().err


def test_gesture_profile_refuses_in_sample_train_predictions_unless_allowed(tmp_path, capsys):
    info = make_track3_dataset(tmp_path / "data", shift=0.8, seed=3, clip_files="splits")
    args = ["train-video", "gesture-profile", "--data", str(info["root"]), "--folds", "4",
            "--clip-predictions", str(info["clip_predictions"]), "--out", str(tmp_path / "gp")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "in-sample probabilities" in err and "--folds K" in err
    assert "--allow-in-sample" in err and not (tmp_path / "gp").exists()
    assert main(args + ["--allow-in-sample"]) == 0
    assert "warning: gesture-profile:" in capsys.readouterr().err
    assert (tmp_path / "gp" / "val.npz").is_file()


def test_gesture_profile_fills_train_clips_with_labels_only_when_allowed(tmp_path, capsys):
    info = make_track3_dataset(tmp_path / "data", shift=0.8, seed=3, clip_files="splits", train_clip_probs=False)
    args = ["train-video", "gesture-profile", "--data", str(info["root"]), "--folds", "4",
            "--clip-predictions", str(info["clip_predictions"]), "--out", str(tmp_path / "gp")]
    assert main(args) == 2
    assert "no clip probabilities for" in capsys.readouterr().err
    assert main(args + ["--allow-in-sample"]) == 0
    assert "their one-hot labels" in capsys.readouterr().err
    val = load_probabilities(tmp_path / "gp" / "val.npz")
    assert roc_auc_score(val.labels, val.probs[:, 1]) > 0.6
    assert main(args + ["--allow-in-sample", "--clip-fill", "none"]) == 2
    assert "no clip probabilities for" in capsys.readouterr().err


def test_user_errors_exit_2_with_a_message(dataset, tmp_path, capsys):
    root = str(dataset["root"])
    assert main(["train-video", "gesture-profile", "--data", root]) == 2
    assert "--clip-predictions" in capsys.readouterr().err
    assert main(["train-video", "interfusion", "--data", root, "--context", str(dataset["context"])]) == 2
    assert "face" in capsys.readouterr().err
    assert main(["train-video", "skeleton-dynamics", "--data", root, "--folds", "500"]) == 2
    assert "folds must be between 2 and the 20 groups, got 500" in capsys.readouterr().err
    assert main(["train-video", "skeleton-dynamics", "--data", root, "--params", '{"depth": 3}']) == 2
    assert "does not take these parameters" in capsys.readouterr().err
    # an embedding file that lacks a video
    context = load_chunk_embeddings(dataset["context"])
    partial = {v: context.sequence(v) for v in context.video_ids[1:]}
    save_chunk_embeddings(tmp_path / "partial.npz", partial)
    assert main(["train-video", "interfusion", "--data", root, "--context", str(tmp_path / "partial.npz"),
                 "--face", str(dataset["face"]), "--out", str(tmp_path / "x")]) == 2
    assert f"has no chunks for video {str(context.video_ids[0])!r}" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
    with pytest.raises(DataError, match="missing array"):
        np.savez(tmp_path / "bad.npz", embeddings=np.zeros((2, 3)))
        load_chunk_embeddings(tmp_path / "bad.npz")


def test_single_class_labels_are_refused(tmp_path, capsys):
    info = make_track3_dataset(tmp_path / "data", subjects=10, seed=1)
    videos = _videos(info)
    videos.loc[videos["label"] == 0, "label"] = 1
    videos.to_csv(info["root"] / "videos.csv", index=False)
    assert main(["train-video", "skeleton-dynamics", "--data", str(info["root"]), "--folds", "3"]) == 2
    assert "one class only" in capsys.readouterr().err


def test_interfusion_search_space_is_the_seed_papers():
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(30):
        trial = study.ask()
        params = InterFusionClassifier.search_space(trial)
        assert 1e-5 <= params["lr"] <= 5e-4 and 1 <= params["depth"] <= 8 and 2 <= params["heads"] <= 8
        assert 0.1 <= params["dropout"] <= 0.5 and 0.5 <= params["gamma"] <= 1.5
        assert params["width"] in (128, 256, 512)
        assert InterFusionClassifier(**params).model_width % params["heads"] == 0
        study.tell(trial, 0.0)


def test_tune_video_persists_resumes_and_reports_every_fold(dataset, tmp_path, capsys):
    work = tmp_path / "work"
    args = ["tune-video", "gesture-profile", "--data", str(dataset["root"]), "--folds", "3", "--quiet",
            "--clip-predictions", str(dataset["clip_predictions"]), "--work-dir", str(work),
            "--params", json.dumps({"n_estimators": 20})]
    assert main(args + ["--trials", "3"]) == 0
    best = json.loads((work / "track3-gesture-profile.best.json").read_text())
    assert best["classifier"] in ("logistic", "forest") and best["n_estimators"] == 20
    # resumes: 2 more trials, one in each of two worker processes sharing the journal
    assert main(args + ["--trials", "5", "--workers", "2", "--out", str(tmp_path / "tuned")]) == 0
    assert "5 finished trials" in capsys.readouterr().err
    study = optuna.load_study(study_name="track3-gesture-profile", storage=optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(work / "optuna.journal"))))
    assert len(study.trials) == 5
    for trial in study.trials:
        if trial.state == optuna.trial.TrialState.COMPLETE:
            assert sorted(trial.intermediate_values) == [0, 1, 2]  # one report per fold
    best = json.loads((work / "track3-gesture-profile.best.json").read_text())
    assert load_probabilities(tmp_path / "tuned" / "val.npz").meta["params"] == best
    # a study made for other inputs is not resumed by mistake
    assert main(args + ["--trials", "6", "--folds", "4"]) == 2
    assert "other inputs" in capsys.readouterr().err


def test_out_of_fold_files_make_a_valid_track3_submission(dataset, tmp_path):
    root = str(dataset["root"])
    for model in ("gesture-profile", "skeleton-dynamics"):
        assert main(["train-video", model, "--data", root, "--folds", "4", "--out", str(tmp_path / model)]
                    + _inputs(model, dataset)) == 0
    spec = tmp_path / "track3.json"
    assert main(["ensemble", "--track", "3", str(tmp_path / "gesture-profile"), str(tmp_path / "skeleton-dynamics"),
                 "--out", str(spec), "--method", "mean", "--quiet"]) == 0
    assert main(["submission", "--track", "3", str(spec), "--data", root, "--out", str(tmp_path / "subs")]) == 0
    csv_path = tmp_path / "subs" / "track3_track3.csv"
    assert main(["validate", "--track", "3", str(csv_path), "--data", root]) == 0
    rows = pd.read_csv(csv_path, dtype=str)
    videos = _videos(dataset)
    assert sorted(rows.iloc[:, 0]) == sorted(videos[videos["split"] == "test"]["video_id"])
