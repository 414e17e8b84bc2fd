"""Tiny skeleton and RGB models learn the classes of `miga synth` data, through the user's commands."""
import numpy as np
import pytest

from competition.cli import main
from competition.core.probabilities import load_probabilities

EPOCHS = 12


@pytest.fixture(scope="module")
def balanced_prepared(tmp_path_factory):
    """30 synthetic videos with the 32 classes equally likely (real long tail: --class-power 1)."""
    root = tmp_path_factory.mktemp("balanced")
    assert main(["synth", str(root / "raw"), "--videos", "30", "--seed", "1", "--class-power", "0",
                 "--jobs", "2"]) == 0
    assert main(["prepare", str(root / "raw"), str(root / "prepared"), "--jobs", "2"]) == 0
    return root / "prepared"


@pytest.mark.parametrize("model", ["stgcnpp_joint", "swin_t_rgb"])
def test_tiny_models_beat_twice_chance_on_synthetic_validation_clips(model, balanced_prepared, tmp_path):
    work = tmp_path / "work"
    assert main(["train", f"tiny/{model}", "--data-root", str(balanced_prepared), "--work-dir", str(work),
                 "--seed", "0", "--cfg-options", f"train_cfg.max_epochs={EPOCHS}"]) == 0
    assert main(["predict", f"tiny/{model}", str(work / f"epoch_{EPOCHS}.pth"), "--split", "val",
                 "--data-root", str(balanced_prepared), "--out", str(tmp_path / "predictions")]) == 0
    val = load_probabilities(tmp_path / "predictions" / "val.npz", num_classes=32, track=1)
    accuracy = float(np.mean(val.probs.argmax(axis=1) == val.labels))
    assert len(val.ids) >= 40
    assert accuracy >= 2 / 32, f"{model}: top-1 {accuracy:.3f} on {len(val.ids)} clips; chance 1/32"
