"""Full-size configs on a GPU: peak memory and training clips/s of each model, on synthetic input tensors.

Each config's model is built from the registry and trained for `--iters` iterations (after `--warmup`) with
its own optimizer settings, AMP on, at the config's batch size and input shape (clip length, crop size,
channels of its train pipeline). Data loading is left out (pose heatmaps on the CPU are issue 8's concern),
so the figures are what the GPU can do. Also measures test-time inference clips/s (one view per clip).

    .venv/bin/python benchmarks/full_configs_gpu.py --device cuda --iters 200
    .venv/bin/python benchmarks/full_configs_gpu.py --device cuda --configs posec3d_joint swin_b_rgb --batch-size 8
    .venv/bin/python benchmarks/full_configs_gpu.py --device cuda --configs seed_papers/gaie_vit_b \
        seed_papers/clip_mg seed_papers/token_fusion seed_papers/agcn_joint

Prints a Markdown table for docs/benchmarks.md.
"""
import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import models  # noqa: E402,F401  (applies the OpenMMLab repairs before mmaction2 is imported)


def _step(pipeline, name):
    return [s for s in pipeline if s["type"] == name]


def input_shape(cfg):
    """The per-clip input the train pipeline produces: a shape, or {key: shape} for several inputs."""
    from models.components.skeleton import GRAPH_LAYOUTS, NUM_JOINTS_36
    from models.runner.config import leaf_dataset

    pipeline = leaf_dataset(cfg.train_dataloader).pipeline
    crop = _step(pipeline, "Resize")[-1]["scale"][0] if _step(pipeline, "Resize") else None
    if _step(pipeline, "RandomCrop"):
        crop = _step(pipeline, "RandomCrop")[0]["size"]
    backbone = cfg.model.backbone
    if _step(pipeline, "MMUniformSampleFrames"):  # RGB + pose (RGBPoseConv3D, CLIP-MG, token fusion), or RGB alone
        lengths = _step(pipeline, "MMUniformSampleFrames")[0]["clip_len"]
        rgb = (1, 3, lengths["RGB"], crop, crop)
        if "Pose" not in lengths:
            return rgb
        keys = _step(pipeline, "PackActionInputs")[-1].get("collect_keys") or ("imgs", "heatmap_imgs")
        shape = {"imgs": rgb}
        heatmaps = [s for s in pipeline if "sigma" in s]
        if "heatmap_imgs" in keys and heatmaps:
            channels = backbone.pose_pathway.in_channels if "pose_pathway" in backbone else backbone.num_joints
            size = int(crop * heatmaps[0].get("scaling", 1.0))
            shape["heatmap_imgs"] = (1, channels, lengths["Pose"], size, size)
        if "keypoint" in keys:
            shape["keypoint"] = ((1, 1, lengths["Pose"], NUM_JOINTS_36, 3) if _step(pipeline, "FormatGCNInput")
                                 else (1, lengths["Pose"], NUM_JOINTS_36, 2))
        if "keypoint_score" in keys:
            shape["keypoint_score"] = (1, lengths["Pose"], NUM_JOINTS_36)
        return shape
    if _step(pipeline, "FormatGCNInput"):
        clip_len = _step(pipeline, "UniformSampleFrames")[0]["clip_len"]
        layout = backbone.graph_cfg.layout
        return (1, 1, clip_len, (GRAPH_LAYOUTS.get(layout) or layout)["num_node"], 3)
    if _step(pipeline, "UniformSampleFrames"):  # pose heatmaps
        clip_len = _step(pipeline, "UniformSampleFrames")[0]["clip_len"]
        return (1, backbone.in_channels, clip_len, crop, crop)
    sample = (_step(pipeline, "SampleFrames") or _step(pipeline, "UniformSample"))[0]
    return (1, 3, sample["clip_len"], crop, crop)


def synthetic_batch(shape, batch_size, num_classes, device):
    import torch
    from mmaction.structures import ActionDataSample

    def tensor(s):
        return torch.rand(s, device=device) * 255 if s[1] == 3 else torch.rand(s, device=device)

    inputs = ({k: [tensor(s) for _ in range(batch_size)] for k, s in shape.items()} if isinstance(shape, dict)
              else [tensor(shape) for _ in range(batch_size)])
    samples = [ActionDataSample().set_gt_label(int(torch.randint(num_classes, ()))) for _ in range(batch_size)]
    return dict(inputs=inputs, data_samples=samples)


def measure(name, args):
    import torch
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    from mmengine.optim import build_optim_wrapper
    from mmengine.utils import import_modules_from_strings

    from models.runner.config import load_config

    cfg = load_config(name)
    register_all_modules(init_default_scope=True)
    if cfg.get("custom_imports"):
        import_modules_from_strings(**cfg.custom_imports)
    batch_size = args.batch_size or cfg.train_dataloader.batch_size
    shape = input_shape(cfg)
    model = MODELS.build(cfg.model).to(args.device)
    model.init_weights()
    optim_cfg = cfg.optim_wrapper.copy()
    if args.device.startswith("cuda") and not args.no_amp:
        optim_cfg.type = "AmpOptimWrapper"
        optim_cfg.setdefault("loss_scale", "dynamic")
    optim_wrapper = build_optim_wrapper(model, optim_cfg)
    data = synthetic_batch(shape, batch_size, cfg.model.cls_head.num_classes, args.device)
    sync = torch.cuda.synchronize if args.device.startswith("cuda") else (lambda: None)
    if args.device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    model.train()
    for i in range(args.warmup + args.iters):
        if i == args.warmup:
            sync()
            start = time.perf_counter()
        model.train_step(data, optim_wrapper)
    sync()
    train_rate = args.iters * batch_size / (time.perf_counter() - start)
    peak = torch.cuda.max_memory_allocated() / 2**30 if args.device.startswith("cuda") else float("nan")
    model.eval()
    with torch.no_grad(), torch.autocast(args.device.split(":")[0], enabled=args.device.startswith("cuda")
                                         and not args.no_amp):
        for i in range(args.warmup + args.iters // 4):
            if i == args.warmup:
                sync()
                start = time.perf_counter()
            model.test_step(data)
        sync()
    test_rate = (args.iters // 4) * batch_size / (time.perf_counter() - start)
    del model, optim_wrapper
    if args.device.startswith("cuda"):
        torch.cuda.empty_cache()
    return batch_size, shape, peak, train_rate, test_rate


def main(argv=None):
    from models.runner.config import all_configs

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--configs", nargs="+", default=[p.stem for p in all_configs()])
    parser.add_argument("--iters", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--batch-size", type=int, help="per-step batch (default: each config's own)")
    parser.add_argument("--no-amp", action="store_true")
    args = parser.parse_args(argv)
    import torch
    if args.device.startswith("cuda"):
        print(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}, AMP {not args.no_amp}")
    print("| config | batch | input per clip | peak memory (GiB) | train clips/s | test clips/s |")
    print("|---|---|---|---|---|---|")
    for name in args.configs:
        try:
            batch, shape, peak, train_rate, test_rate = measure(name, args)
        except torch.cuda.OutOfMemoryError:
            print(f"| {name} | {args.batch_size or '-'} | - | out of memory | - | - |", flush=True)
            torch.cuda.empty_cache()
            continue
        shape_text = (" + ".join(f"{k} {tuple(v)}" for k, v in shape.items()) if isinstance(shape, dict)
                      else str(tuple(shape)))
        print(f"| {name} | {batch} | {shape_text} | {peak:.2f} | {train_rate:.1f} | {test_rate:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
