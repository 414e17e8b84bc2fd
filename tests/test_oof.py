"""Out-of-fold training (`miga train CONFIG --folds K --out DIR`, `miga collect-folds`): the fold file, per-fold
runs that resume, oof.npz and test.npz, and their use by `miga ensemble` and the Track 3 gesture profile."""
import io
import sys
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import models  # noqa: F401  (applies the OpenMMLab repairs before mmaction2 is imported)
from competition.cli import main
from competition.core.probabilities import load_probabilities
from competition.data.fold_files import ensure_fold_file, read_fold_file

sys.path.insert(0, str(Path(__file__).parent))
from model_fixtures import make_prepared, one_torch_thread  # noqa: E402, F401

pytestmark = pytest.mark.slow
EPOCHS = ["--cfg-options", "train_cfg.max_epochs=1"]
CONFIGS = ("tiny/stgcnpp_joint", "tiny/posec3d_joint")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """4 classes; 12 training clips over 4 videos, 4 validation clips over 2, 4 test clips; pose only; a
    videos.csv whose labelled videos alternate win and lose (Track 3)."""
    root = make_prepared(tmp_path_factory.mktemp("oof"), clips_per_class=(3, 1, 1), num_classes=4, frames=12,
                         videos=False, videos_per_split=(4, 2, 1))
    clips = pd.read_csv(root / "clips.csv", dtype={"clip_id": str, "video_id": str})
    videos = clips.groupby("video_id", sort=True).agg(split=("split", "first"), clips=("clip_id", "size"),
                                                      frames=("frames", "sum")).reset_index()
    videos["label"] = [-1 if split == "test" else i % 2 for i, split in enumerate(videos["split"])]
    videos = videos.assign(height=48, width=64, fps=15)
    videos[["video_id", "split", "label", "clips", "frames", "height", "width", "fps"]].to_csv(
        root / "videos.csv", index=False)
    return root


def _train(config, data, out, work, *extra):
    with redirect_stdout(io.StringIO()) as printed:
        status = main(["train", config, "--folds", "3", "--out", str(out), "--work-dir", str(work),
                       "--data-root", str(data), "--seed", "0", *extra, *EPOCHS])
    return status, printed.getvalue()


@pytest.fixture(scope="module")
def trained(data, tmp_path_factory):
    """Two tiny configs trained out of fold (3 folds) on the same dataset."""
    root = tmp_path_factory.mktemp("trained")
    for config in CONFIGS:
        name = config.split("/")[1]
        status, printed = _train(config, data, root / "predictions" / name, root / "work" / name)
        assert status == 0, printed
    return root


def _labelled(data):
    clips = pd.read_csv(data / "clips.csv", dtype={"clip_id": str, "video_id": str})
    return clips[clips["split"].isin(["train", "val"])]


def test_fold_file_keeps_videos_whole_and_is_shared_by_every_config(data, trained):
    fold_files = sorted((data / "folds").glob("*.csv"))
    assert [f.name for f in fold_files] == ["k3-seed0-by-video.csv"]  # written once, read by the second config
    folds = read_fold_file(fold_files[0])
    labelled = _labelled(data)
    assert sorted(folds.ids) == sorted(labelled["clip_id"])  # every labelled clip (train and val) once
    video_of = dict(zip(labelled["clip_id"], labelled["video_id"]))
    for video in set(video_of.values()):
        assert len({folds.fold_of[i] for i, c in enumerate(folds.ids) if video_of[c] == video}) == 1
    assert set(folds.fold_of) == {0, 1, 2}
    for config in CONFIGS:
        oof = load_probabilities(trained / "predictions" / config.split("/")[1] / "oof.npz", split="oof")
        assert oof.meta["fold_file_sha256"] == folds.sha256
    assert ensure_fold_file(data, 3).sha256 == folds.sha256  # read back, not reassigned


def test_oof_file_holds_each_labelled_clip_once_from_the_fold_that_held_it_out(data, trained):
    folds = read_fold_file(data / "folds" / "k3-seed0-by-video.csv")
    labelled = _labelled(data)
    for config in CONFIGS:
        out = trained / "predictions" / config.split("/")[1]
        oof = load_probabilities(out / "oof.npz", num_classes=32, track=1, split="oof")
        assert sorted(oof.ids) == sorted(labelled["clip_id"]) and len(set(oof.ids)) == len(oof.ids)
        assert oof.fold.tolist() == folds.fold_of_ids(oof.ids).tolist()
        assert oof.labels.tolist() == [dict(zip(labelled["clip_id"], labelled["label"]))[i] for i in oof.ids]
        for k in range(3):
            part = load_probabilities(out / "folds" / f"fold{k}" / "oof.npz")
            assert sorted(part.ids) == sorted(folds.held_out(k))
            rows = [list(oof.ids).index(i) for i in part.ids]
            np.testing.assert_allclose(oof.probs[rows], part.probs, atol=1e-6)
            # the fold's model never trained on the clips it predicts
            trained_on = (Path(part.meta["checkpoint"]).parent / "clips" / "train.txt").read_text().split()
            assert not set(trained_on) & set(part.ids.tolist())


def test_test_file_is_the_mean_of_the_fold_models(trained):
    out = trained / "predictions" / "stgcnpp_joint"
    test = load_probabilities(out / "test.npz", split="test")
    parts = [load_probabilities(out / "folds" / f"fold{k}" / "test.npz") for k in range(3)]
    for part in parts:
        assert part.ids.tolist() == test.ids.tolist()
    np.testing.assert_allclose(test.probs, np.mean([p.probs for p in parts], axis=0), atol=1e-6)
    assert test.meta["fold_mean"] == 3 and (test.labels == -1).all()
    assert not np.allclose(parts[0].probs, parts[1].probs)  # three different models


def test_a_rerun_keeps_finished_folds_and_other_settings_are_refused(data, trained, capsys):
    out, work = trained / "predictions" / "stgcnpp_joint", trained / "work" / "stgcnpp_joint"
    before = (out / "folds" / "fold0" / "oof.npz").stat().st_mtime_ns
    status, printed = _train("tiny/stgcnpp_joint", data, out, work)
    assert status == 0 and printed.count("kept") == 3
    assert (out / "folds" / "fold0" / "oof.npz").stat().st_mtime_ns == before
    status, _ = _train("tiny/stgcnpp_joint", data, out, work, "--seed", "1")
    assert status == 2 and "started with other settings (seed differ)" in capsys.readouterr().err


def test_collect_refuses_incomplete_folds_naming_them(trained, tmp_path, capsys):
    import shutil

    out = tmp_path / "partial"
    shutil.copytree(trained / "predictions" / "stgcnpp_joint" / "folds", out / "folds")
    (out / "folds" / "fold1" / "test.npz").unlink()
    assert main(["collect-folds", str(out)]) == 2
    err = capsys.readouterr().err
    assert "1 of 3 folds are not finished: fold 1: no finished predictions" in err
    assert not (out / "oof.npz").exists() and not (out / "test.npz").exists()
    shutil.copy(trained / "predictions" / "stgcnpp_joint" / "folds" / "fold1" / "test.npz", out / "folds" / "fold1")
    with redirect_stdout(io.StringIO()):
        assert main(["collect-folds", str(out)]) == 0
    assert load_probabilities(out / "oof.npz", split="oof").fold.max() == 2


def test_one_fold_alone_then_the_last_fold_collects(data, tmp_path):
    out, work = tmp_path / "predictions" / "gcn", tmp_path / "work"
    status, printed = _train("tiny/stgcnpp_joint", data, out, work, "--fold", "1")
    assert status == 0 and "folds still to run: [0, 2]" in printed
    assert sorted(p.name for p in (out / "folds").iterdir()) == ["fold1"] and not (out / "oof.npz").exists()
    status, printed = _train("tiny/stgcnpp_joint", data, out, work, "--fold", "0", "--fold", "2")
    assert status == 0 and "fold 1: finished earlier" not in printed
    assert load_probabilities(out / "oof.npz", split="oof").fold.tolist().count(1) > 0


def test_an_interrupted_fold_resumes(data, tmp_path, monkeypatch):
    from mmengine.hooks import Hook
    from mmengine.registry import HOOKS

    import models.runner.folds as folds

    @HOOKS.register_module(force=True)
    class InterruptFoldInEpochTwo(Hook):
        def before_train_iter(self, runner, batch_idx, data_batch=None):
            if runner.epoch == 1:
                raise KeyboardInterrupt

    original = folds.fold_train_config

    def interrupted(*args, **kwargs):
        cfg = original(*args, **kwargs)
        cfg.custom_hooks = [dict(type="InterruptFoldInEpochTwo")]
        return cfg

    out, work = tmp_path / "predictions" / "gcn", tmp_path / "work"
    options = ["--fold", "0", "--cfg-options", "train_cfg.max_epochs=2"]
    monkeypatch.setattr(folds, "fold_train_config", interrupted)
    with redirect_stdout(io.StringIO()):
        assert main(["train", "tiny/stgcnpp_joint", "--folds", "3", "--out", str(out), "--work-dir", str(work),
                     "--data-root", str(data), "--seed", "0", *options]) == 130
    first_epoch = work / "fold0" / "epoch_1.pth"
    assert first_epoch.exists() and not (work / "fold0" / "epoch_2.pth").exists()
    written = first_epoch.stat().st_mtime_ns
    monkeypatch.setattr(folds, "fold_train_config", original)
    with redirect_stdout(io.StringIO()) as printed:
        assert main(["train", "tiny/stgcnpp_joint", "--folds", "3", "--out", str(out), "--work-dir", str(work),
                     "--data-root", str(data), "--seed", "0", *options]) == 0
    assert "fold 0: resuming" in printed.getvalue()
    assert first_epoch.stat().st_mtime_ns == written  # epoch 1 was not trained again
    assert (work / "fold0" / "epoch_2.pth").exists() and (out / "folds" / "fold0" / "oof.npz").is_file()


def test_ensemble_fits_on_oof_rows_and_reuses_their_folds(data, trained, tmp_path, capsys):
    import json

    dirs = [str(trained / "predictions" / c.split("/")[1]) for c in CONFIGS]
    spec = tmp_path / "oof.json"
    assert main(["ensemble", "--track", "1", *dirs, "--out", str(spec), "--method", "mean", "--data", str(data),
                 "--bootstrap", "200", "--work-dir", str(tmp_path / "studies"), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "16 out-of-fold rows" in printed and "the 3 folds of" in printed and "out of fold (oof.npz" in printed
    written = json.loads(spec.read_text())
    assert written["rows"]["split"] == "oof" and written["rows"]["count"] == 16
    assert written["grouping"]["origin"].endswith("k3-seed0-by-video.csv") and written["folds"] == 3
    assert all(entry["rows_file"].endswith("oof.npz") for entry in written["inputs"])
    folds = read_fold_file(data / "folds" / "k3-seed0-by-video.csv")
    oof = load_probabilities(Path(dirs[0]) / "oof.npz")
    assert written["scores"]["cv"]["fold"]["top1"] and len(written["scores"]["cv"]["fold"]["top1"]) == 3
    assert oof.fold.tolist() == folds.fold_of_ids(oof.ids).tolist()
    # the submission applies the combiner to the fold-mean test files
    assert main(["submission", "--track", "1", str(spec), "--out", str(tmp_path / "sub"), "--name", "oof",
                 "--ids", str(_test_ids(data, tmp_path))]) == 0


def _test_ids(data, tmp_path):
    clips = pd.read_csv(data / "clips.csv", dtype={"clip_id": str})
    path = tmp_path / "test_ids.txt"
    path.write_text("".join(f"{c}\n" for c in clips[clips["split"] == "test"]["clip_id"]))
    return path


def test_ensemble_refuses_oof_files_of_different_fold_files(data, trained, tmp_path, capsys):
    import shutil

    other = tmp_path / "other"
    shutil.copytree(trained / "predictions" / "posec3d_joint", other)
    oof = load_probabilities(other / "oof.npz")
    from competition.core.probabilities import save_probabilities
    meta = {k: v for k, v in oof.meta.items() if k not in ("model", "track", "split", "num_classes", "config",
                                                            "config_sha256", "checkpoint", "code_revision", "created")}
    save_probabilities(other / "oof.npz", oof.ids, oof.probs, oof.labels, model="other", track=1, split="oof",
                       fold=oof.fold, extra_meta=dict(meta, fold_file_sha256="0" * 64, fold_file="elsewhere.csv"))
    assert main(["ensemble", "--track", "1", str(trained / "predictions" / "stgcnpp_joint"), str(other),
                 "--out", str(tmp_path / "x.json"), "--method", "mean", "--quiet"]) == 2
    assert "was trained on another fold file" in capsys.readouterr().err
    assert main(["ensemble", "--track", "1", str(trained / "predictions" / "stgcnpp_joint"), str(other),
                 "--out", str(tmp_path / "x.json"), "--rows", "oof", "--method", "mean", "--quiet",
                 "--rows", "val"]) == 2  # no val.npz in out-of-fold folders
    assert "val.npz" in capsys.readouterr().err


def test_gesture_profile_trains_on_the_oof_clip_probabilities_of_two_configs(data, trained, tmp_path, capsys):
    dirs = [str(trained / "predictions" / c.split("/")[1]) for c in CONFIGS]
    out = tmp_path / "gesture"
    assert main(["train-video", "gesture-profile", "--data", str(data), "--folds", "2", "--clip-predictions", *dirs,
                 "--out", str(out)]) == 0
    assert "in-sample" not in capsys.readouterr().err
    val = load_probabilities(out / "val.npz", num_classes=2, track=3)
    assert sorted(val.ids) == ["1000", "1001", "1002", "1003", "2000", "2001"]
    assert load_probabilities(out / "test.npz").ids.tolist() == ["0003"]


def test_a_fold_trains_and_predicts_under_torchrun(data, tmp_path):
    from torchrun_helper import run_log, torchrun

    out, work = tmp_path / "predictions" / "gcn", tmp_path / "work"
    log = torchrun("train", "tiny/stgcnpp_joint", "--folds", "3", "--fold", "2", "--out", out, "--work-dir", work,
                   "--data-root", data, "--seed", "0", "--launcher", "pytorch", *EPOCHS)
    assert "folds still to run: [0, 1]" in log
    fold_log = run_log(work / "fold2")
    assert "Distributed training: True" in fold_log and "MMDistributedDataParallel" in fold_log
    folds = read_fold_file(data / "folds" / "k3-seed0-by-video.csv")
    held_out = load_probabilities(out / "folds" / "fold2" / "oof.npz", split="oof")
    assert sorted(held_out.ids) == sorted(folds.held_out(2)) and set(held_out.fold) == {2}
    test = load_probabilities(out / "folds" / "fold2" / "test.npz", split="test")
    assert len(test.ids) == 4 and (work / "fold2" / "epoch_1.pth").is_file()
