"""Each seed paper's config holds the published numbers (docs/seed-papers.md), read from the loaded config."""
import pytest
import torch

import models  # noqa: F401  (applies the OpenMMLab repairs before mmaction2 is imported)
from models.runner.config import leaf_dataset, load_config


def _cfg(name):
    return load_config(name, data_root="unused")


def _steps(cfg, loader, kind):
    return [step for step in leaf_dataset(cfg[loader]).pipeline if step["type"] == kind]


def _step(cfg, loader, kind):
    steps = _steps(cfg, loader, kind)
    assert len(steps) == 1, (loader, kind, steps)
    return steps[0]


def _build(cfg):
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    from mmengine.utils import import_modules_from_strings

    register_all_modules(init_default_scope=True)
    import_modules_from_strings(**cfg.custom_imports)
    return MODELS.build(cfg.model)


@pytest.mark.parametrize("name", ["rgbposec3d_joint", "rgbposec3d_limb"])
def test_rgbposec3d_fine_tune_is_mm_gestures(name):
    cfg = _cfg(name)
    assert cfg.optim_wrapper.optimizer == dict(type="SGD", lr=0.0075, momentum=0.9, weight_decay=0.0001)
    assert cfg.train_cfg.max_epochs == 20
    assert cfg.param_scheduler == [dict(type="MultiStepLR", begin=0, end=20, by_epoch=True, milestones=[12, 16],
                                        gamma=0.1)]
    assert cfg.train_dataloader.batch_size == 6
    assert _step(cfg, "train_dataloader", "MMUniformSampleFrames")["clip_len"] == dict(RGB=8, Pose=32)
    assert _step(cfg, "test_dataloader", "MMUniformSampleFrames")["num_clips"] == 10
    assert _steps(cfg, "train_dataloader", "Resize")[-1]["scale"] == (224, 224)
    assert _step(cfg, "train_dataloader", "RandomResizedCrop")["area_range"] == (0.56, 1.0)
    heatmap = _step(cfg, "train_dataloader", "GeneratePoseHeatmaps")
    assert heatmap["sigma"] == 0.7 and heatmap["scaling"] == 0.25
    assert cfg.two_stage == dict(rgb="rgbposec3d_rgb", pose=f"rgbposec3d_pose_{name.split('_')[1]}")
    assert dict(type="TwoStageInitHook") in cfg.custom_hooks
    rgb = cfg.model.data_preprocessor.preprocessors.imgs
    assert [round(v, 2) for v in rgb.mean] == [66.16, 59.39, 67.09]
    assert [round(v, 2) for v in rgb.std] == [62.47, 57.97, 58.18]


def test_rgb_only_stage_is_mm_gestures():
    cfg = _cfg("rgbposec3d_rgb")
    assert cfg.optim_wrapper.optimizer == dict(type="SGD", lr=0.15, momentum=0.9, weight_decay=0.0001)
    assert cfg.train_cfg.max_epochs == 18 and cfg.param_scheduler[0]["type"] == "CosineAnnealingLR"
    assert cfg.param_scheduler[0]["eta_min"] == 0 and cfg.param_scheduler[0]["T_max"] == 18
    assert cfg.train_dataloader.batch_size == 26 and cfg.train_dataloader.dataset.times == 10
    assert _step(cfg, "train_dataloader", "MMUniformSampleFrames")["clip_len"] == dict(RGB=8)
    assert not _steps(cfg, "train_dataloader", "GeneratePoseHeatmaps")
    assert _steps(cfg, "train_dataloader", "Resize")[0]["scale"] == (256, 256)
    assert _steps(cfg, "train_dataloader", "Resize")[-1]["scale"] == (224, 224)
    assert [s["scale"] for s in _steps(cfg, "test_dataloader", "Resize")] == [(224, 224)]
    assert _step(cfg, "test_dataloader", "MMUniformSampleFrames")["num_clips"] == 10
    assert cfg.model.backbone.type == "ResNet3dSlowOnly" and cfg.model.cls_head.in_channels == 2048


@pytest.mark.parametrize("name", ["rgbposec3d_pose_joint", "rgbposec3d_pose_limb"])
def test_pose_only_stage_is_mm_gestures(name):
    cfg = _cfg(name)
    assert cfg.optim_wrapper.optimizer.lr == 0.025 and cfg.optim_wrapper.optimizer.weight_decay == 0.0003
    assert cfg.train_cfg.max_epochs == 18 and cfg.param_scheduler[0]["T_max"] == 18
    assert cfg.train_dataloader.batch_size == 48 and cfg.train_dataloader.dataset.times == 10
    assert _step(cfg, "train_dataloader", "UniformSampleFrames")["clip_len"] == 32
    assert _steps(cfg, "train_dataloader", "Resize")[-1]["scale"] == (56, 56)
    assert _step(cfg, "test_dataloader", "UniformSampleFrames")["num_clips"] == 1
    assert cfg.model.backbone.temporal_strides == (1, 1, 1)  # the pose pathway's, so the merge reproduces it


@pytest.mark.parametrize("name, weight_decay, batch", [("swin_t_rgb", 0.02, 8), ("swin_s_rgb", 0.02, 5),
                                                       ("swin_b_rgb", 0.05, 4), ("swin_t_taylor", 0.02, 8)])
def test_video_swin_is_mm_gestures(name, weight_decay, batch):
    cfg = _cfg(name)
    assert cfg.optim_wrapper.optimizer == dict(type="AdamW", lr=1e-3, betas=(0.9, 0.999), weight_decay=weight_decay)
    assert cfg.optim_wrapper.constructor == "SwinOptimWrapperConstructor"
    assert cfg.optim_wrapper.paramwise_cfg == dict(absolute_pos_embed=dict(decay_mult=0.0),
                                                   relative_position_bias_table=dict(decay_mult=0.0),
                                                   norm=dict(decay_mult=0.0), backbone=dict(lr_mult=0.1))
    assert cfg.optim_wrapper.clip_grad is None
    assert cfg.train_cfg.max_epochs == 30 and cfg.train_dataloader.batch_size == batch
    sample = _step(cfg, "train_dataloader", "SampleFrames")
    assert (sample["clip_len"], sample["frame_interval"]) == (32, 2)


def test_video_swin_backbone_learns_at_a_tenth_of_the_heads_rate():
    from mmengine.optim import build_optim_wrapper

    model = _build(load_config("tiny/swin_t_rgb", data_root="unused"))  # a small Swin, the full recipe's optimiser
    groups = build_optim_wrapper(model, _cfg("swin_t_rgb").optim_wrapper).optimizer.param_groups
    names = {id(p): n for n, p in model.named_parameters()}
    lrs = {names[id(g["params"][0])]: (g["lr"], g["weight_decay"]) for g in groups}
    assert all(lr == pytest.approx(1e-4) for name, (lr, _) in lrs.items() if name.startswith("backbone."))
    assert all(lr == pytest.approx(1e-3) for name, (lr, _) in lrs.items() if name.startswith("cls_head."))
    assert all(wd == 0 for name, (_, wd) in lrs.items() if "norm" in name)
    assert lrs["cls_head.fc_cls.weight"][1] == pytest.approx(0.02)


def test_tiny_video_swins_train_their_random_backbones_at_the_heads_rate():
    assert _cfg("tiny/swin_b_rgb").optim_wrapper.paramwise_cfg.backbone.lr_mult == 1.0


def test_gaie_vit_is_the_papers():
    cfg = _cfg("seed_papers/gaie_vit_b")
    assert cfg.optim_wrapper.optimizer.type == "AdamW" and cfg.optim_wrapper.optimizer.lr == 2e-5
    assert cfg.param_scheduler[-1]["eta_min"] == 2e-6
    assert cfg.train_dataloader.batch_size == 4
    assert _step(cfg, "train_dataloader", "UniformSample") == dict(type="UniformSample", clip_len=16, num_clips=1,
                                                                   test_mode=False)
    assert _step(cfg, "test_dataloader", "UniformSample") == dict(type="UniformSample", clip_len=16, num_clips=1,
                                                                  test_mode=True)
    for loader in ("train_dataloader", "test_dataloader"):
        assert _step(cfg, loader, "Resize") == dict(type="Resize", scale=(256, 256), keep_ratio=False)
    assert _step(cfg, "train_dataloader", "RandomCrop")["size"] == 224
    assert _step(cfg, "test_dataloader", "CenterCrop")["crop_size"] == 224  # one view per clip
    assert not _steps(cfg, "test_dataloader", "ThreeCrop") and not _steps(cfg, "train_dataloader",
                                                                          "RandomResizedCrop")
    assert cfg.model.backbone.gaie_layers == (4, 7, 10) and cfg.model.backbone.keep_ratio == 0.7
    final = _cfg("seed_papers/gaie_vit_b_trainval")
    train = leaf_dataset(final.train_dataloader)
    assert train.type == "MultiListVideoDataset"
    assert (train.ann_file, train.extra_ann_files) == ("rgb/train.txt", ["rgb/val.txt"])
    assert final.val_dataloader is None and final.val_cfg is None
    assert final.optim_wrapper == cfg.optim_wrapper and final.model == cfg.model


def test_gaie_train_and_val_config_trains_on_every_labelled_clip(tmp_path):
    import sys
    from pathlib import Path

    from mmaction.registry import DATASETS
    from mmengine.utils import import_modules_from_strings

    sys.path.insert(0, str(Path(__file__).parent))
    from model_fixtures import make_prepared

    root = make_prepared(tmp_path, clips_per_class=(2, 1, 0), num_classes=4, frames=8)
    cfg = load_config("seed_papers/gaie_vit_b_trainval", data_root=str(root))
    import_modules_from_strings(**cfg.custom_imports)
    dataset = DATASETS.build(leaf_dataset(cfg.train_dataloader))
    assert len(dataset) == 8 + 4
    listed = [(root / "rgb" / f"{split}.txt").read_text().split()[::2] for split in ("train", "val")]
    assert sorted(Path(dataset.get_data_info(i)["filename"]).name for i in range(12)) == sorted(sum(listed, []))


def test_clip_mg_is_the_papers():
    cfg = _cfg("seed_papers/clip_mg")
    backbone = cfg.model.backbone
    assert backbone.arch == "vit_base_patch16_clip_224" and backbone.frozen_blocks == 10
    assert backbone.gate_scale == 1.0  # sigmoid(<p, x>) as published
    sample = _step(cfg, "train_dataloader", "MMUniformSampleFrames")["clip_len"]
    assert sample == dict(RGB=8, Pose=32)  # 8 frames, 8 windows of 4 pose frames


def test_token_fusion_is_the_papers():
    cfg = _cfg("seed_papers/token_fusion")
    assert cfg.optim_wrapper.optimizer.type == "AdamW"
    assert (cfg.optim_wrapper.optimizer.lr, cfg.optim_wrapper.optimizer.weight_decay) == (1e-4, 1e-4)
    assert [s["type"] for s in cfg.param_scheduler] == ["ReduceOnPlateauLR"]
    assert cfg.param_scheduler[0]["monitor"] == "acc/top1" and cfg.param_scheduler[0]["rule"] == "greater"
    assert cfg.train_dataloader.sampler == dict(type="ClassBalancedSampler")
    backbone, head = cfg.model.backbone, cfg.model.cls_head
    assert backbone.rgb_backbone.type == "MViT" and backbone.rgb_backbone.arch == "small"
    assert backbone.pose_backbone.type == "NamedGraphAAGCN" and backbone.bone_parents  # joint + bone
    assert backbone.frozen_encoders
    assert head.pose_weight == 0.6 > 1 - head.pose_weight  # w_pose > w_RGB
    assert (head.memory_size, head.momentum, head.num_neighbours) == (50, 0.9, 5)
    hook = [h for h in cfg.custom_hooks if h["type"] == "RefinementScheduleHook"][0]
    assert hook["ramp_epochs"] > 0  # alpha raised gradually
    assert _step(cfg, "train_dataloader", "MMUniformSampleFrames")["clip_len"] == dict(RGB=16, Pose=32)


@pytest.mark.parametrize("stage, encoder", [("mvit_s_rgb", "rgb_backbone"), ("seed_papers/agcn_joint", "pose_backbone"),
                                            ("seed_papers/agcn_bone", "pose_backbone")])
def test_token_fusion_encoders_load_from_their_own_configs(stage, encoder):
    import models.seed_papers.token_fusion  # noqa: F401

    with torch.device("meta"):
        fusion = _build(_cfg("seed_papers/token_fusion"))
        trained = _build(_cfg(stage))
    own = {k: tuple(v.shape) for k, v in getattr(fusion.backbone, encoder).state_dict().items()}
    assert own == {k[len("backbone."):]: tuple(v.shape) for k, v in trained.state_dict().items()
                   if k.startswith("backbone.")}


def test_interfusion_defaults_are_the_final_configuration():
    from models.track3.interfusion_classifier import InterFusionClassifier

    params = InterFusionClassifier().get_params()
    assert {k: params[k] for k in ("width", "depth", "dropout", "gamma", "epochs", "batch_size", "patience")} == \
        dict(width=512, depth=8, dropout=0.5, gamma=0.5, epochs=20, batch_size=8, patience=7)
