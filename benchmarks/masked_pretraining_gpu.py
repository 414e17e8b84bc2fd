"""Masked video pretraining on a GPU: clips/s and peak memory of ViT-B at batch 32 with 90% tube masking (and
75%, VideoMAE's small-data ratio, side by side), and the GPU-hours of 800 epochs over the corpus.

    .venv/bin/python benchmarks/masked_pretraining_gpu.py --device cuda
    .venv/bin/python benchmarks/masked_pretraining_gpu.py --device cpu --config pretrain/tiny/videomae_vit_b \
        --batch 4 --iterations 2 --warmup 1                                             # a smoke run on the CPU

Model side only: random clips already on the device, forward + backward + AdamW step of the config's model,
under AMP on a GPU (fp16 autocast with dynamic loss scaling: the AmpOptimWrapper `miga pretrain` uses there).
The data loader is measured apart (benchmarks/masked_pretraining.py, part `loader`); a real run goes at the
slower of the two. GPU-hours = epochs × samples an epoch / clips/s / 3600, for one GPU; the default sample
count is the corpus a full prepare gives (about 135,000: benchmarks/masked_pretraining.py, part `corpus`).
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import models  # noqa: E402,F401  (applies the OpenMMLab repairs before mmaction2 is imported)

CORPUS_SAMPLES = 135_000


def build(args, mask_ratio, device):
    import importlib
    import logging

    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    from mmengine.logging import MMLogger
    from mmengine.optim import build_optim_wrapper

    from models.runner.config import load_config

    register_all_modules(init_default_scope=True)
    MMLogger.get_current_instance().setLevel(logging.WARNING)  # no per-tensor initialisation report
    cfg = load_config(args.config, data_root="unused")
    for module in cfg.custom_imports["imports"]:
        importlib.import_module(module)
    cfg.model.mask_ratio = mask_ratio
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.to(device).train()
    optim = dict(cfg.optim_wrapper)
    if device.type == "cuda":
        optim.update(type="AmpOptimWrapper", loss_scale="dynamic")
    return cfg, model, build_optim_wrapper(model, optim)


def measure(args, mask_ratio):
    import torch

    device = torch.device(args.device)
    cfg, model, wrapper = build(args, mask_ratio, device)
    backbone = cfg.model.backbone
    clips = torch.randn(args.batch, 1, 3, backbone.num_frames, backbone.img_size, backbone.img_size, device=device)

    def step():
        with wrapper.optim_context(model):
            loss = model(clips, mode="loss")["loss"]
        wrapper.update_params(loss)

    for _ in range(args.warmup):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(args.iterations):
        started = time.perf_counter()
        step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - started)
    peak = torch.cuda.max_memory_allocated() / 2**30 if device.type == "cuda" else float("nan")
    return args.batch / statistics.median(times), peak


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="pretrain/videomae_vit_b")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--batch", type=int, default=32, help="clips per GPU")
    parser.add_argument("--mask-ratios", type=float, nargs="+", default=[0.9, 0.75])
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=800)
    parser.add_argument("--samples", type=int, default=CORPUS_SAMPLES, help="corpus samples an epoch")
    args = parser.parse_args()

    import torch

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        parser.error("no GPU visible; use --device cpu with a tiny config for a smoke run")
    name = torch.cuda.get_device_name() if args.device.startswith("cuda") else "cpu"
    print(f"{args.config} on {name}, batch {args.batch}, {args.epochs} epochs of {args.samples:,} samples")
    print("mask ratio | clips/s | peak memory (GiB) | GPU-hours for the epochs | ratio of clips/s")
    first = None
    for ratio in args.mask_ratios:
        rate, peak = measure(args, ratio)
        first = first or rate
        hours = args.epochs * args.samples / rate / 3600
        print(f"{ratio} | {rate:.1f} | {peak:.1f} | {hours:,.0f} | {rate / first:.2f}x")


if __name__ == "__main__":
    main()
