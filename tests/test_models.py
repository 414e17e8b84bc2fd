"""Per-modality models: configs build, tiny configs train and predict, probability files, resume, transfer."""
import io
import pickle
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import pytest

import models  # noqa: F401  (applies the OpenMMLab repairs before mmaction2 is imported)
from competition.cli import main
from competition.core.probabilities import load_probabilities

sys.path.insert(0, str(Path(__file__).parent))
from model_fixtures import make_prepared, one_torch_thread  # noqa: E402, F401

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """8 classes: 8 train, 8 val, 8 test clips of 12 frames, with Taylor, flow and depth videos."""
    from competition.data.modalities import make_modality

    root = make_prepared(tmp_path_factory.mktemp("small"), clips_per_class=(1, 1, 1), num_classes=8, frames=12)
    make_modality(root, "taylor", progress=False)
    make_modality(root, "flow", progress=False)
    make_modality(root, "depth", source=root / "rgb" / "clips", progress=False)  # stand-in depth videos
    return root


def _quiet(cfg):
    cfg.log_level = "WARNING"
    cfg.default_hooks.logger.interval = 50
    return cfg


def _train(config, root, work_dir, checkpoint_every_epoch=False, **options):
    """Train without validation passes and with one checkpoint at the end (the tests' time is short)."""
    from models.runner.train import prepare_config, train

    cfg_options = options.pop("cfg_options", {})
    cfg = _quiet(prepare_config(config, work_dir=work_dir, data_root=root, cfg_options=cfg_options, seed=0,
                                **options))
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint.interval = 1 if checkpoint_every_epoch else cfg.train_cfg.max_epochs
    train(cfg)
    return Path(work_dir)


def _predict(config, checkpoint, root, split):
    from models.runner.predict import collect_scores, predict_config

    return collect_scores(_quiet(predict_config(config, checkpoint, split, data_root=root)))


def _split_ids(root, split):
    lines = (root / "rgb" / f"{split}.txt").read_text().split("\n")
    return [(line.split()[0][:-4], int(line.split()[1])) for line in lines if line]


def test_every_full_config_builds_its_model():
    from mmaction.registry import MODELS
    from mmengine.registry import init_default_scope

    import models.components.datasets  # noqa: F401
    import models.components.transforms  # noqa: F401
    from models.runner.config import all_configs, load_config
    init_default_scope("mmaction")
    configs = all_configs()
    assert {p.stem for p in configs} >= {"posec3d_joint", "posec3d_limb", "rgbposec3d_joint", "rgbposec3d_limb",
                                         "stgcnpp_joint", "stgcnpp_bone", "swin_t_rgb", "swin_s_rgb",
                                         "swin_b_rgb", "mvit_s_rgb", "swin_t_taylor", "swin_t_flow",
                                         "swin_t_depth"}
    for path in configs:
        cfg = load_config(path)
        model = MODELS.build(cfg.model)
        assert sum(p.numel() for p in model.parameters()) > 1e6, path.name
        head = cfg.model.cls_head
        assert head.num_classes == 32, path.name
        del model


def test_every_config_has_a_tiny_variant_with_the_same_pipeline_and_head():
    from models.runner.config import all_configs, load_config

    full = {p.stem: p for p in all_configs()}
    tiny = {p.stem: p for p in all_configs(tiny=True)}
    assert set(tiny) == set(full)
    for name in full:
        big, small = load_config(full[name]), load_config(tiny[name])
        assert small.model.cls_head.type == big.model.cls_head.type
        for loader in ("train_dataloader", "test_dataloader"):
            steps = [[s["type"] for s in cfg[loader].dataset.get("dataset", cfg[loader].dataset).pipeline]
                     for cfg in (big, small)]
            assert steps[0] == steps[1], (name, loader)


def test_data_root_is_set_in_one_place(monkeypatch):
    from models.runner.config import datasets_of, load_config

    cfg = load_config("posec3d_joint", cfg_options={"data_root": "/elsewhere"})
    roots = {d.data_root for loader in ("train_dataloader", "val_dataloader", "test_dataloader")
             for d in datasets_of(cfg[loader]) if "data_root" in d}
    assert roots == {"/elsewhere"}
    monkeypatch.setenv("MIGA_DATA", "/from/env")
    cfg = load_config("swin_t_rgb")
    assert cfg.test_dataloader.dataset.data_root == "/from/env"


TINY = ["posec3d_joint", "posec3d_limb", "rgbposec3d_joint", "rgbposec3d_limb", "stgcnpp_joint", "stgcnpp_bone",
        "swin_t_rgb", "swin_s_rgb", "swin_b_rgb", "mvit_s_rgb", "swin_t_taylor", "swin_t_flow", "swin_t_depth",
        "vit_b_rgb"]


@pytest.mark.parametrize("name", TINY)
def test_tiny_config_trains_an_epoch_and_predicts(name, small, tmp_path):
    import torch

    work = _train(f"tiny/{name}", small, tmp_path / "work")
    checkpoint = work / "epoch_1.pth"
    # the toolkit's checkpoints load with torch's weights-only loading and no allow-listed globals
    assert "state_dict" in torch.load(checkpoint, map_location="cpu", weights_only=True)
    out = tmp_path / "predictions" / name
    with redirect_stdout(io.StringIO()):
        assert main(["predict", f"tiny/{name}", str(checkpoint), "--split", "val", "--out", str(out),
                     "--data-root", str(small)]) == 0
    expected = dict(_split_ids(small, "val"))
    folders = [out] + ([out.with_name(f"{name}-rgb"), out.with_name(f"{name}-pose")] if "rgbpose" in name else [])
    for folder in folders:
        probs = load_probabilities(folder / "val.npz", num_classes=32, track=1, split="val")
        assert sorted(probs.ids.tolist()) == sorted(expected)
        assert [expected[i] for i in probs.ids] == probs.labels.tolist()
        assert probs.meta["checkpoint"] == str(checkpoint)
        assert probs.meta["config"].endswith(f"tiny/{name}.py") and probs.meta["config_sha256"]
        assert probs.meta["test_time_augmentation"]
    if "rgbpose" in name:  # the model's file is the mean of its two streams
        both = [load_probabilities(f / "val.npz") for f in folders]
        order = [np.argsort(p.ids) for p in both]
        np.testing.assert_allclose(both[0].probs[order[0]], (both[1].probs[order[1]] + both[2].probs[order[2]]) / 2,
                                   atol=1e-5)


def test_predict_test_split_has_unknown_labels(small, tmp_path):
    work = _train("tiny/stgcnpp_joint", small, tmp_path / "work")
    rows = _predict("tiny/stgcnpp_joint", work / "epoch_1.pth", small, "test")
    assert [r[0] for r in rows] == [i for i, _ in _split_ids(small, "test")]  # ids in dataset order
    assert {r[1] for r in rows} == {-1}


@pytest.fixture(scope="module")
def learnable(tmp_path_factory):
    """8 classes, 6 training clips each, whose keypoint motion and RGB blob tell the class."""
    return make_prepared(tmp_path_factory.mktemp("learnable"), clips_per_class=(6, 2, 1), num_classes=8,
                         frames=16, seed=1)


@pytest.mark.parametrize("name, options", [
    # PYSKL's augmentation (random scale and rotation) slows the tiny graph network: 10 epochs reach 0.19
    ("stgcnpp_joint", {"train_cfg.max_epochs": 20, "param_scheduler.0.T_max": 20}),
    ("swin_t_rgb", {"train_cfg.max_epochs": 15, "optim_wrapper.optimizer.lr": 0.002}),
])
def test_tiny_models_beat_twice_chance(name, options, learnable, tmp_path):
    work = _train(f"tiny/{name}", learnable, tmp_path / "work", cfg_options=options)
    rows = _predict(f"tiny/{name}", work / f"epoch_{options['train_cfg.max_epochs']}.pth", learnable, "val")
    labels = np.array([r[1] for r in rows])
    accuracy = np.mean(np.argmax(np.stack([r[2] for r in rows]), 1) == labels)
    chance = 1 / len(set(labels))
    assert accuracy >= 2 * chance, f"{name}: top-1 {accuracy:.2f}, chance {chance:.2f}"


def test_interrupted_training_resumes(small, tmp_path):
    from mmengine.hooks import Hook
    from mmengine.registry import HOOKS

    @HOOKS.register_module(force=True)
    class InterruptInEpochTwo(Hook):
        def before_train_iter(self, runner, batch_idx, data_batch=None):
            if runner.epoch == 1 and batch_idx == 1:
                raise KeyboardInterrupt

    work = tmp_path / "work"
    options = {"train_cfg.max_epochs": 2, "custom_hooks": [dict(type="InterruptInEpochTwo")],
               "train_dataloader.batch_size": 4}  # two iterations an epoch
    with pytest.raises(KeyboardInterrupt):
        _train("tiny/stgcnpp_joint", small, work, checkpoint_every_epoch=True, cfg_options=options)
    assert (work / "epoch_1.pth").exists() and not (work / "epoch_2.pth").exists()

    from models.runner.train import prepare_config, train
    cfg = _quiet(prepare_config("tiny/stgcnpp_joint", work_dir=work, data_root=small, resume=True, seed=0,
                                cfg_options={"train_cfg.max_epochs": 2, "train_dataloader.batch_size": 4}))
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    runner = train(cfg)
    iters_per_epoch = len(runner.train_dataloader)
    assert runner.epoch == 2 and runner.iter == 2 * iters_per_epoch  # epoch 1 was not trained again
    assert (work / "epoch_2.pth").exists()


def test_transfer_reinitialises_the_classifier_of_another_class_count(small, tmp_path):
    import torch
    from mmaction.registry import MODELS
    from mmengine.registry import init_default_scope

    from models.runner.config import load_config

    init_default_scope("mmaction")
    cfg = load_config("tiny/stgcnpp_joint")
    cfg.model.cls_head.num_classes = 5  # "another dataset" with 5 classes
    other = MODELS.build(cfg.model).state_dict()
    checkpoint = tmp_path / "other_dataset.pth"
    torch.save({"state_dict": other, "meta": {"dataset": "other"}}, checkpoint)

    work = tmp_path / "work"
    with redirect_stdout(io.StringIO()) as printed:
        _train("tiny/stgcnpp_joint", small, work, load_from=checkpoint)
    report = next(line for line in printed.getvalue().splitlines() if line.startswith("transfer from"))
    assert "2 initialised afresh (cls_head.fc.bias, cls_head.fc.weight)" in report, report
    start = torch.load(work / "transfer_init.pth", weights_only=True)["state_dict"]
    assert "cls_head.fc.weight" not in start
    assert torch.equal(start["backbone.data_bn.weight"], other["backbone.data_bn.weight"])
    trained = torch.load(work / "epoch_1.pth", weights_only=True)["state_dict"]
    assert trained["cls_head.fc.weight"].shape[0] == 32


def test_transfer_refuses_a_checkpoint_that_needs_code(tmp_path, small):
    import argparse

    import torch

    path = tmp_path / "needs_code.pth"
    torch.save({"state_dict": {}, "obj": argparse.Namespace(anything=1)}, path)  # a global not allow-listed
    err = io.StringIO()
    with redirect_stderr(err):
        assert main(["train", "tiny/stgcnpp_joint", "--data-root", str(small), "--work-dir", str(tmp_path / "w"),
                     "--load-from", str(path)]) == 2
    assert "weights-only" in err.getvalue() and str(path) in err.getvalue()
    assert not (tmp_path / "w" / "transfer_init.pth").exists()


def _fake_dump(path, n, num_classes=32, streams=None, logits=False):
    import torch

    rng = np.random.default_rng(0)

    def score():
        x = torch.tensor(rng.normal(size=num_classes), dtype=torch.float32)
        return x if logits else torch.softmax(x, 0)

    rows = [dict(pred_score={s: score() for s in streams} if streams else score(),
                 pred_label=torch.tensor([0]), gt_label=torch.tensor([0])) for _ in range(n)]
    with open(path, "wb") as handle:
        pickle.dump(rows, handle)
    return rows


def test_import_mmaction_dump(small, tmp_path):
    ids = _split_ids(small, "val")
    dump = tmp_path / "results.pkl"
    rows = _fake_dump(dump, len(ids))
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        assert main(["import-mmaction", str(dump), "--ann", str(small / "rgb" / "val.txt"), "--split", "val",
                     "--out", str(tmp_path / "pred" / "imported")]) == 0
    assert "pickle" in err.getvalue() and "arbitrary code" in err.getvalue()
    probs = load_probabilities(tmp_path / "pred" / "imported" / "val.npz", num_classes=32)
    assert probs.ids.tolist() == [i for i, _ in ids] and probs.labels.tolist() == [label for _, label in ids]
    np.testing.assert_allclose(probs.probs[3], rows[3]["pred_score"].numpy(), atol=1e-6)


def test_import_mmaction_two_stream_dump_against_pose_annotations(small, tmp_path):
    from competition.data.annotations import load_pose_annotations

    ann = small / "pose" / "imigue36.npz"
    ids = [a["frame_dir"] for a in load_pose_annotations(ann, split="test")["annotations"]]
    dump = tmp_path / "results.pkl"
    _fake_dump(dump, len(ids), streams=("rgb", "pose"), logits=True)
    out = tmp_path / "pred" / "rgbpose"
    with redirect_stderr(io.StringIO()), redirect_stdout(io.StringIO()):
        assert main(["import-mmaction", str(dump), "--ann", str(ann), "--ann-split", "test", "--split", "test",
                     "--out", str(out), "--softmax"]) == 0
    for folder in (out, out.with_name("rgbpose-rgb"), out.with_name("rgbpose-pose")):
        assert load_probabilities(folder / "test.npz").ids.tolist() == ids


def test_import_mmaction_rejects_mismatched_or_unnormalised_dumps(small, tmp_path):
    ann = str(small / "rgb" / "val.txt")
    short = tmp_path / "short.pkl"
    _fake_dump(short, 3)
    logits = tmp_path / "logits.pkl"
    _fake_dump(logits, len(_split_ids(small, "val")), logits=True)
    for dump, message in ((short, "the dump has 3 rows"), (logits, "average_clips='prob'")):
        err = io.StringIO()
        with redirect_stderr(err):
            assert main(["import-mmaction", str(dump), "--ann", ann, "--split", "val",
                         "--out", str(tmp_path / "x")]) == 2
        assert message in err.getvalue()
    assert not (tmp_path / "x" / "val.npz").exists()
