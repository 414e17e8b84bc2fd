"""MM-Gesture's two-stage RGBPoseConv3D: the stage configs fit the two-stream model, the merge reproduces each
stream and names what does not land, and the whole path runs through `miga` commands on tiny configs."""
import io
import sys
import warnings
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest
import torch

import models  # noqa: F401  (applies the OpenMMLab repairs before mmaction2 is imported)
from competition.cli import main
from competition.core.errors import DataError
from competition.core.probabilities import load_probabilities

sys.path.insert(0, str(Path(__file__).parent))
from model_fixtures import make_prepared, one_torch_thread  # noqa: E402, F401


def _model(config, init=True):
    from mmaction.registry import MODELS
    from mmengine.registry import init_default_scope
    from mmengine.utils import import_modules_from_strings

    from models.runner.config import load_config

    cfg = load_config(config, data_root="unused")
    import_modules_from_strings(**cfg.custom_imports)
    init_default_scope("mmaction")
    model = MODELS.build(cfg.model)
    if init:
        model.init_weights()
    return cfg, model


def _trained_looking(model, seed):
    """Random weights and batch-norm statistics, as a trained model would have (not the init's 0/1)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if tensor.is_floating_point():
                values = torch.rand(tensor.shape, generator=generator) + 0.5 if name.endswith("running_var") \
                    else torch.randn(tensor.shape, generator=generator) * 0.1
                tensor.copy_(values)
    return model.eval()


@pytest.fixture(scope="module")
def stage_checkpoints(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stages")
    models_ = {}
    for stream, config, seed in (("rgb", "tiny/rgbposec3d_rgb", 1), ("pose", "tiny/rgbposec3d_pose_joint", 2)):
        model = _trained_looking(_model(config)[1], seed)
        torch.save({"state_dict": model.state_dict()}, folder / f"{stream}.pth")
        models_[stream] = model
    return folder, models_


def test_merge_reproduces_each_stream_of_the_two_stream_model(stage_checkpoints, tmp_path):
    from models.runner.merge import merge_stage_checkpoints

    folder, stage_models = stage_checkpoints
    cfg, fused = _model("tiny/rgbposec3d_joint")
    report = merge_stage_checkpoints(cfg, folder / "rgb.pth", folder / "pose.pth", tmp_path / "init.pth")
    assert report.complete and not report.not_landed
    assert len(report.landed["rgb"]) == len(stage_models["rgb"].state_dict())
    assert len(report.landed["pose"]) == len(stage_models["pose"].state_dict())
    # the first convolutions after each lateral connection, as in MM-Gesture's merge notebooks
    assert sorted(report.padded) == sorted(
        f"backbone.{path}.{layer}.0.{conv}.conv.weight" for path, layers in
        (("rgb_path", ("layer3", "layer4")), ("pose_path", ("layer2", "layer3"))) for layer in layers
        for conv in ("conv1", "downsample"))
    assert report.fresh and all("_lateral." in key for key in report.fresh)

    state = torch.load(tmp_path / "init.pth", map_location="cpu", weights_only=True)["state_dict"]
    assert fused.load_state_dict(state, strict=True)
    fused.eval()
    generator = torch.Generator().manual_seed(0)
    imgs = torch.randn(2, 3, 4, 32, 32, generator=generator)
    heatmaps = torch.rand(2, 36, 16, 8, 8, generator=generator)
    with torch.no_grad():
        scores = fused.cls_head(fused.backbone(imgs, heatmaps))
        rgb = stage_models["rgb"].cls_head(stage_models["rgb"].backbone(imgs))
        pose = stage_models["pose"].cls_head(stage_models["pose"].backbone(heatmaps))
        torch.testing.assert_close(scores["rgb"], rgb, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(scores["pose"], pose, rtol=1e-4, atol=1e-5)
        # the lateral connections are live (fresh weights), only their inputs into the streams are zero
        assert fused.backbone.rgb_path.layer2_lateral.conv.weight.abs().sum() > 0


def test_merge_names_the_tensors_that_do_not_land(stage_checkpoints, tmp_path):
    from models.runner.merge import merge_stage_checkpoints

    folder, _ = stage_checkpoints
    cfg, _ = _model("tiny/rgbposec3d_joint")
    # stages swapped: nothing fits, and the error says which tensors and why
    with pytest.raises(DataError, match=r"did not land.*RGB-only backbone\.conv1\.conv\.weight: shape"):
        merge_stage_checkpoints(cfg, folder / "pose.pth", folder / "rgb.pth", tmp_path / "init.pth")
    assert not (tmp_path / "init.pth").exists()
    # a pose model of another width: its tensors do not fit, the RGB ones do
    _, wider = _model("tiny/rgbposec3d_pose_limb")
    state = {k: v for k, v in wider.state_dict().items() if "layer3" not in k}
    state["backbone.layer2.0.conv1.conv.weight"] = torch.zeros(1, 1, 1, 1, 1)
    torch.save({"state_dict": state}, tmp_path / "odd_pose.pth")
    with pytest.raises(DataError) as error:
        merge_stage_checkpoints(cfg, folder / "rgb.pth", tmp_path / "odd_pose.pth", tmp_path / "init.pth")
    assert "pose-only backbone.layer2.0.conv1.conv.weight: shape (1, 1, 1, 1, 1) does not fit" in str(error.value)
    assert "two-stream backbone.pose_path.layer3.0.conv1.conv.weight: filled by neither stage" in str(error.value)
    report = merge_stage_checkpoints(cfg, folder / "rgb.pth", tmp_path / "odd_pose.pth", tmp_path / "init.pth",
                                     allow_partial=True)
    assert (tmp_path / "init.pth").exists() and len(report.not_landed) == 1 and not report.complete


def test_stage_configs_are_the_two_stream_pathways_without_laterals():
    """Full-size stage models match the two-stream pathways tensor for tensor (lateral channels aside)."""
    from models.runner.merge import merge_stream_weights

    for fused_name, pose_name in (("rgbposec3d_joint", "rgbposec3d_pose_joint"),
                                  ("rgbposec3d_limb", "rgbposec3d_pose_limb")):
        with torch.device("meta"):
            fused_cfg, fused = _model(fused_name, init=False)
            _, rgb = _model(fused_cfg.two_stage["rgb"], init=False)
            _, pose = _model(fused_cfg.two_stage["pose"], init=False)
        assert fused_cfg.two_stage["pose"] == pose_name
        _, report = merge_stream_weights(fused.state_dict(), {"rgb": rgb.state_dict(), "pose": pose.state_dict()})
        assert report.complete, report.problems()[:3]
        assert len(report.padded) == 8


def test_two_stream_training_from_random_weights_warns(tmp_path):
    from types import SimpleNamespace

    from mmengine.config import Config

    from models.runner.config import CONFIG_DIR
    from models.runner.merge import TwoStageInitHook

    warned = []
    runner = SimpleNamespace(cfg=Config(dict(two_stage=dict(rgb="tiny/rgbposec3d_rgb", pose="p"), load_from=None),
                                        filename=str(CONFIG_DIR / "tiny" / "rgbposec3d_joint.py")),
                             work_dir=str(tmp_path), logger=SimpleNamespace(warning=warned.append))
    with pytest.warns(UserWarning, match="miga train tiny/rgbposec3d_rgb; miga train p; miga merge-weights "
                                         "tiny/rgbposec3d_joint"):
        TwoStageInitHook().before_train(runner)
    assert warned and "two_stage_init.pth" in warned[0]
    runner.cfg.load_from = "merged.pth"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TwoStageInitHook().before_train(runner)


@pytest.mark.slow
def test_two_stage_path_runs_end_to_end_through_miga(tmp_path):
    data = make_prepared(tmp_path / "data", clips_per_class=(1, 1, 0), num_classes=8, frames=16)
    quiet = ["--cfg-options", "log_level=WARNING", "default_hooks.logger.interval=50", "train_cfg.val_interval=2"]

    def train(config, work, *extra):
        with redirect_stdout(io.StringIO()):
            assert main(["train", config, "--data-root", str(data), "--work-dir", str(work), "--seed", "0",
                         *extra, *quiet]) == 0
        return Path((work / "last_checkpoint").read_text().strip())

    rgb = train("tiny/rgbposec3d_rgb", tmp_path / "rgb")
    pose = train("tiny/rgbposec3d_pose_joint", tmp_path / "pose")
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["merge-weights", "tiny/rgbposec3d_joint", "--rgb", str(rgb), "--pose", str(pose),
                     "--out", str(tmp_path / "init.pth")]) == 0
    assert "0 did not land" in out.getvalue()
    assert f"next: miga train tiny/rgbposec3d_joint --load-from {tmp_path / 'init.pth'}" in out.getvalue()
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*training from random weights")
        fused = train("tiny/rgbposec3d_joint", tmp_path / "fused", "--load-from", str(tmp_path / "init.pth"))
    with redirect_stdout(io.StringIO()):
        assert main(["predict", "tiny/rgbposec3d_joint", str(fused), "--split", "val", "--data-root", str(data),
                     "--out", str(tmp_path / "predictions" / "rgbpose")]) == 0
    probs = load_probabilities(tmp_path / "predictions" / "rgbpose" / "val.npz", num_classes=32, track=1)
    assert len(probs.ids) == 8 and np.allclose(probs.probs.sum(1), 1, atol=1e-5)
    # the fine-tune started from the merge: its first checkpoint's classifier differs from random init only
    # by the fine-tune's steps, and the merged RGB classifier is where it started
    merged = torch.load(tmp_path / "init.pth", map_location="cpu", weights_only=True)["meta"]
    assert merged["merged_from"] == {"rgb": str(rgb), "pose": str(pose)}
