"""Runs of the toolkit's Runner: names that cannot collide, readable consoles, full logs, named bad inputs.

Uses a tiny prepared dataset and an untrained tiny ST-GCN++ (its initial weights saved as a checkpoint), so
that every case runs the real `miga train` / `miga predict` path in seconds.
"""
import argparse
import sys
import time
import types
from pathlib import Path

import numpy as np
import pytest

import models  # noqa: F401  (applies the OpenMMLab repairs before mmaction2 is imported)
from competition.cli import main
from competition.core.probabilities import load_probabilities

sys.path.insert(0, str(Path(__file__).parent))
from model_fixtures import make_prepared  # noqa: E402

CONFIG = "tiny/stgcnpp_joint"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """4 classes, 2 train and 1 val clip each, no test clips."""
    return make_prepared(tmp_path_factory.mktemp("runs"), clips_per_class=(2, 1, 0), num_classes=4, frames=12,
                         videos=False)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """The tiny config's model at its initial weights, saved as the toolkit saves checkpoints."""
    import torch
    from mmaction.registry import MODELS
    from mmengine.registry import init_default_scope

    from models.runner.config import load_config

    init_default_scope("mmaction")
    torch.manual_seed(0)
    model = MODELS.build(load_config(CONFIG).model)
    path = tmp_path_factory.mktemp("checkpoint") / "epoch_1.pth"
    torch.save({"state_dict": model.state_dict(), "meta": {"epoch": 1}}, path)
    return path


def predict(checkpoint, prepared, out, *options, split="val"):
    return main(["predict", CONFIG, str(checkpoint), "--split", split, "--out", str(out),
                 "--data-root", str(prepared), *map(str, options)])


def test_two_predictions_of_one_config_within_one_second_do_not_collide(prepared, checkpoint, tmp_path,
                                                                         monkeypatch, capfd):
    """mmengine names a run `<config>_<time to the second>` and keys its Visualizer, logger, message hub and
    scope by that name; the second run of a second used to get the first one's Visualizer, whose temporary
    folder `miga predict` had already deleted."""
    import mmengine.runner.runner as mmengine_runner

    frozen = types.SimpleNamespace(time=lambda: 1_800_000_000.0, strftime=time.strftime, localtime=time.localtime)
    monkeypatch.setattr(mmengine_runner, "time", frozen)
    first, second = tmp_path / "first", tmp_path / "second"
    assert predict(checkpoint, prepared, first) == 0
    assert predict(checkpoint, prepared, second) == 0
    a, b = (load_probabilities(folder / "val.npz") for folder in (first, second))
    assert a.ids.tolist() == b.ids.tolist() and np.allclose(a.probs, b.probs)
    # each run's whole log (environment, config, INFO lines) stays beside its probability file
    for folder in (first, second):
        log = (folder / "val.log").read_text()
        assert "System environment" in log and "Config:" in log and "Load checkpoint from" in log
    out, err = capfd.readouterr()
    assert "System environment" not in out + err and " - INFO - " not in out + err


def test_experiment_names_are_unique_per_run():
    from models.runner.config import load_config
    from models.runner.runner import experiment_name

    cfg = load_config(CONFIG)
    names = {experiment_name(cfg) for _ in range(3)}
    assert len(names) == 3 and all(name.startswith("stgcnpp_joint-run") for name in names)


def test_verbose_restores_info_on_the_console(prepared, checkpoint, tmp_path, capfd):
    assert predict(checkpoint, prepared, tmp_path / "p", "--verbose") == 0
    out, _ = capfd.readouterr()
    assert " - INFO - " in out and "System environment" in out


def test_training_shows_a_bar_per_epoch_and_a_line_per_validation_and_writes_tensorboard(prepared, tmp_path, capfd):
    work = tmp_path / "work"
    assert main(["train", CONFIG, "--work-dir", str(work), "--data-root", str(prepared), "--seed", "0",
                 "--cfg-options", "train_cfg.max_epochs=2"]) == 0
    out, err = capfd.readouterr()
    console = out + err
    assert "epoch 1/2" in console and "epoch 2/2" in console and "loss=" in console and "run left=" in console
    assert "epoch 1 validation: acc/top1" in console and "epoch 2 validation: acc/top1" in console
    assert " - INFO - " not in console and "Config:" not in console
    assert "FileClient" not in console and "MultiScaleDeformableAttention" not in console
    log, = work.glob("*/*.log")
    text = log.read_text()
    assert "System environment" in text and "Config:" in text and "Epoch(train)" in text and "Epoch(val)" in text
    assert f"log: {log}" in out
    assert list(work.glob("*/vis_data/events.out.tfevents.*"))  # tensorboard --logdir work_dirs


def test_predict_on_a_split_without_clips_names_the_split(prepared, checkpoint, tmp_path, capfd):
    assert predict(checkpoint, prepared, tmp_path / "p", split="test") == 2
    _, err = capfd.readouterr()
    assert f"no clips in split test of {prepared}" in err and "Traceback" not in err
    assert not (tmp_path / "p" / "test.npz").exists()


def _bad_checkpoints(folder, good):
    import torch

    rng = np.random.default_rng(0)
    data = good.read_bytes()
    files = {
        "empty": b"",
        "garbage": rng.integers(0, 256, 4000, dtype=np.uint8).tobytes().replace(b"\x80", b"\x81"),
        "garbage-pickle-like": b"\x80" + rng.integers(0, 256, 4000, dtype=np.uint8).tobytes(),
        "truncated": data[: len(data) * 2 // 3],
    }
    paths = {}
    for name, content in files.items():
        paths[name] = folder / f"{name}.pth"
        paths[name].write_bytes(content)
    paths["objects"] = folder / "objects.pth"
    torch.save({"state_dict": {}, "obj": argparse.Namespace(anything=1)}, paths["objects"])
    return paths


REASONS = {"empty": "is empty", "garbage": "is not a torch checkpoint", "garbage-pickle-like": "is not a torch "
           "checkpoint", "truncated": "is truncated or damaged", "objects": "argparse.Namespace"}


def _refused(capfd, path, kind):
    _, err = capfd.readouterr()
    assert str(path) in err and REASONS[kind] in err, err
    assert "Traceback" not in err and "weights_only" not in err, err


@pytest.mark.parametrize("kind", sorted(REASONS))
def test_a_bad_checkpoint_is_named_with_its_reason(kind, prepared, checkpoint, tmp_path, capfd):
    bad = _bad_checkpoints(tmp_path, checkpoint)[kind]
    assert predict(bad, prepared, tmp_path / "p") == 2
    _refused(capfd, bad, kind)
    assert main(["train", CONFIG, "--work-dir", str(tmp_path / "load"), "--data-root", str(prepared),
                 "--load-from", str(bad)]) == 2
    _refused(capfd, bad, kind)
    resumed = tmp_path / "resume"
    resumed.mkdir()
    (resumed / "last_checkpoint").write_text(str(bad))
    assert main(["train", CONFIG, "--work-dir", str(resumed), "--data-root", str(prepared), "--resume"]) == 2
    _refused(capfd, bad, kind)


def test_output_paths_that_are_files_are_named(prepared, checkpoint, tmp_path, capfd):
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    assert predict(checkpoint, prepared, afile) == 2
    assert main(["train", CONFIG, "--work-dir", str(afile), "--data-root", str(prepared)]) == 2
    assert main(["train", CONFIG, "--work-dir", str(afile / "below"), "--data-root", str(prepared)]) == 2
    _, err = capfd.readouterr()
    assert err.count(str(afile)) >= 3 and "is a file" in err and "Traceback" not in err
