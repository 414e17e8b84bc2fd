"""Masked video pretraining on the CPU, five parts side by side in one run (run from the repository root):

    .venv/bin/python benchmarks/masked_pretraining.py                       # every part
    .venv/bin/python benchmarks/masked_pretraining.py --parts corpus flops loader

1. corpus: the corpus a full prepare of the real download would give — clip counts from the real clip lists
   (../shared/real/imigue; they carry no frame counts) and the windows of the long videos from the
   download's known total (≈ 3.77 M frames in 359 videos), with the bounds the unknown per-video lengths leave.
2. flops: multiply-accumulates of one clip's forward pass, ViT-B pretraining (90% and 75% masked) against the
   fine-tuning forward of the same ViT-B (all 1568 tokens), counted on the meta device (no GPU needed).
3. loader: samples/s of one corpus data worker on a 720×1280 H.264 long video (libx264 defaults, GOP 250),
   decoding at full size then resizing against scaling inside the decoder (`VideoFileInit(short_side=256)`).
4. pretrain: the tiny pretraining's reconstruction loss over steps on `miga synth` clips, against the loss of
   predicting zeros (each normalised tubelet's mean) on the same batches, logged by the model.
5. fine-tune: the tiny RGB ViT fine-tuned on a small labelled share of the synthetic training clips, from
   that pretrained encoder against from scratch — same steps, same seed, several seeds — scored on every
   other labelled clip (the remaining training clips and the validation clips).
"""
import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import models  # noqa: E402,F401  (applies the OpenMMLab repairs before mmaction2 is imported)

REAL_LISTS = REPO.parent / "shared" / "real" / "imigue"
# The download's long videos (GUIDE §1-2, from the competition's data description): total frames, videos.
REAL_FRAMES, REAL_VIDEOS, FRAMES_ROUNDING = 3_770_000, 359, 5_000
FULL_CONFIGS = ("pretrain/videomae_vit_b", "pretrain/videomae_vit_s")
TINY = "pretrain/tiny/videomae_vit_b"
FINE_TUNE = "tiny/vit_b_rgb"


def _quiet(cfg):
    cfg.log_level = "WARNING"
    cfg.default_hooks.logger.interval = 10_000
    return cfg


# ---------------------------------------------------------------- 1. corpus size


def window_bounds(total_frames, videos, window_len, stride):
    """(low, high) of Σ_v ⌊(F_v − L)/S⌋ + 1 over `videos` videos of `total_frames` frames (each ≥ L)."""
    high = (total_frames - videos * window_len) / stride + videos
    return high - videos * (stride - 1) / stride, high


def corpus_part(args):
    from competition.core.constants import SPLITS
    from models.runner.config import leaf_dataset, load_config

    print("\n## 1. corpus of a full prepare (real clip lists + the download's long videos)")
    if not REAL_LISTS.is_dir():
        print(f"skipped: {REAL_LISTS} not present")
        return
    names = {"train": "iMiGUE_train_clips_list.txt", "val": "iMiGUE_val_clips_list.txt",
             "test": "iMiGUE_test_clips_list.txt"}
    clips, videos = {}, {}
    for split in SPLITS:
        ids = [line.split()[0].removesuffix(".mp4") for line in (REAL_LISTS / names[split]).read_text().splitlines()
               if line.strip()]
        clips[split], videos[split] = len(ids), len({i.rsplit("_", 1)[0] for i in ids})
    total_clips = sum(clips.values())
    print("split | clips | videos with clips")
    for split in SPLITS:
        print(f"{split} | {clips[split]:,} | {videos[split]}")
    print(f"all | {total_clips:,} | {sum(videos.values())} (the download has {REAL_VIDEOS} long videos)")
    print("The lists carry no frame counts: each cut clip is one sample; long-video windows come from the "
          f"download's {REAL_FRAMES:,} frames (± {FRAMES_ROUNDING:,} rounding) in {REAL_VIDEOS} videos.")
    print("config | window / stride | long-video windows | + clips = samples an epoch")
    for config in FULL_CONFIGS:
        dataset = leaf_dataset(load_config(config, data_root="unused").train_dataloader)
        length, stride = dataset.window_len, dataset.window_stride
        low = window_bounds(REAL_FRAMES - FRAMES_ROUNDING, REAL_VIDEOS, length, stride)[0]
        high = window_bounds(REAL_FRAMES + FRAMES_ROUNDING, REAL_VIDEOS, length, stride)[1]
        print(f"{config} | {length} / {stride} | {math.floor(low):,}–{math.ceil(high):,} | "
              f"{math.floor(low) + total_clips:,}–{math.ceil(high) + total_clips:,}")


# ---------------------------------------------------------------- 2. multiply-accumulates


def forward_gmacs(config, mask_ratio=None):
    """GMACs of one clip's forward pass of a config's model (math attention, counted on the meta device)."""
    import importlib

    import torch
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.utils.flop_counter import FlopCounterMode

    from models.runner.config import load_config

    register_all_modules(init_default_scope=True)
    cfg = load_config(config, data_root="unused")
    for module in cfg.custom_imports["imports"]:
        importlib.import_module(module)
    cfg.model.data_preprocessor.pop("blending", None)
    if mask_ratio is not None:
        cfg.model.mask_ratio = mask_ratio
    backbone = cfg.model.backbone
    with torch.device("meta"):
        model = MODELS.build(cfg.model)
        clip = torch.empty(1, 3, backbone.num_frames, backbone.img_size, backbone.img_size)
    with sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter, torch.no_grad():
        if mask_ratio is None:
            model.cls_head(model.backbone(clip))
        else:
            model(clip, mode="loss")
    return counter.get_total_flops() / 2 / 1e9


def flops_part(args):
    print("\n## 2. forward multiply-accumulates of one 16 x 224 x 224 clip (meta device)")
    rows = [("fine-tuning vit_b_rgb (1568 tokens)", forward_gmacs("vit_b_rgb"))]
    for ratio in (0.9, 0.75):
        rows.append((f"pretraining videomae_vit_b, mask {ratio}", forward_gmacs("pretrain/videomae_vit_b", ratio)))
    print("forward pass | GMACs | ratio to fine-tuning")
    for label, gmacs in rows:
        print(f"{label} | {gmacs:.1f} | {gmacs / rows[0][1]:.2f}")


# ---------------------------------------------------------------- 3. loader throughput


def write_long_video(path, frames, height=720, width=1280, fps=25):
    """A moving-gradient 720p video, written frame by frame (libx264 ultrafast, crf 20, GOP 250)."""
    from competition.data.video import VideoWriter

    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    with VideoWriter(path, fps, height, width) as writer:
        for t in range(frames):
            r = (np.sin((x + 7 * t) / 40) * 100 + 120).astype(np.uint8)
            g = (np.cos((y - 5 * t) / 55) * 100 + 120).astype(np.uint8)
            b = ((x + y + 9 * t) % 255).astype(np.uint8)
            writer.write(np.dstack([r, g, b]))


def loader_part(args, work):
    from mmaction.registry import TRANSFORMS
    from mmaction.utils import register_all_modules

    import models.pretrain.corpus  # noqa: F401
    from competition.data.corpus import window_starts
    from competition.data.video import video_info
    from models.pretrain.pipelines import corpus_pipeline

    print("\n## 3. corpus loader, one worker, 720x1280 H.264 long video, 16 frames every 4th per sample")
    register_all_modules(init_default_scope=True)
    video = work / "long_720p.mp4"
    if not video.exists():
        started = time.perf_counter()
        write_long_video(video, args.loader_frames)
        print(f"(wrote {args.loader_frames} frames of 720p in {time.perf_counter() - started:.0f} s)")
    info = video_info(video)
    starts = list(window_starts(info.frames, 96, 32))
    rng = np.random.default_rng(0)
    picks = [int(s) for s in rng.choice(starts, size=min(args.loader_samples, len(starts)), replace=False)]
    rows = []
    for label, short_side in (("decode 720p, then resize", None), ("scale inside the decoder", 256)):
        steps = corpus_pipeline()
        steps[1] = dict(type="VideoFileInit", short_side=short_side)
        pipeline = [TRANSFORMS.build(s) for s in steps]
        started = time.perf_counter()
        for start in picks:
            sample = dict(filename=str(video), start_index=start, total_frames=96, height=info.height,
                          width=info.width)
            for step in pipeline:
                sample = step(sample)
        rate = len(picks) / (time.perf_counter() - started)
        rows.append((label, rate))
        assert tuple(sample["inputs"].shape) == (1, 3, 16, 224, 224)
    print("decoding | samples/s per worker | ratio")
    for label, rate in rows:
        print(f"{label} | {rate:.2f} | {rate / rows[0][1]:.2f}x")


# ---------------------------------------------------------------- 4. pretraining loss; 5. fine-tuning


def synthetic_dataset(args, work):
    from competition.data.corpus import build_corpus
    from competition.data.prepare import prepare
    from competition.data.synth import SynthConfig, synthesize

    raw, prepared = work / "raw", work / "prepared"
    if not (prepared / "clips.csv").exists():
        synthesize(raw, SynthConfig(videos=args.videos, seed=args.data_seed, class_power=args.class_power),
                   progress=False)
        prepare(raw, prepared, jobs=2, progress=False)
    build_corpus(raw, prepared, progress=False)
    return raw, prepared


def pretrain_part(args, raw, prepared, work):
    from competition.data.corpus import corpus_samples
    from models.runner.config import leaf_dataset
    from models.runner.pretrain import check_corpus, prepare_pretrain_config, pretrain

    print(f"\n## 4. tiny pretraining ({TINY}) on miga synth clips: reconstruction loss over steps")
    cfg = _quiet(prepare_pretrain_config(TINY, work_dir=work / "pretrain", data_root=prepared, raw_root=raw,
                                         seed=args.seed))
    dataset = leaf_dataset(cfg.train_dataloader)
    windows, clips, _ = corpus_samples(check_corpus(cfg), dataset.window_len, dataset.window_stride)
    samples = windows + clips
    per_epoch = samples // cfg.train_dataloader.batch_size
    cfg.train_cfg.max_epochs = max(1, math.ceil(args.pretrain_steps / per_epoch))
    cfg.default_hooks.checkpoint.interval = cfg.train_cfg.max_epochs
    started = time.perf_counter()
    runner = pretrain(cfg)
    seconds = time.perf_counter() - started
    losses = np.asarray(runner.message_hub.get_scalar("train/loss").data[0], dtype=np.float64)
    zeros = np.asarray(runner.message_hub.get_scalar("train/zero_baseline").data[0], dtype=np.float64)
    checkpoint = Path(cfg.work_dir) / f"epoch_{cfg.train_cfg.max_epochs}.pth"
    print(f"{samples} samples an epoch, batch {cfg.train_dataloader.batch_size}, {len(losses)} steps in "
          f"{seconds:.0f} s")
    print("steps | mean loss | predicting zeros on the same batches | ratio")
    edges = np.linspace(0, len(losses), min(args.loss_rows, len(losses)) + 1).astype(int)
    for lo, hi in zip(edges[:-1], edges[1:]):
        loss, zero = losses[lo:hi].mean(), zeros[lo:hi].mean()
        print(f"{lo + 1}–{hi} | {loss:.3f} | {zero:.3f} | {loss / zero:.3f}")
    return checkpoint


def split_labelled_share(prepared, share, seed):
    """Write rgb/share.txt (a random `share` of the training clips) and rgb/heldout.txt (every other
    labelled clip); returns (share, held-out, majority-class accuracy on the held-out clips)."""
    from competition.core.atomic import write_text

    train = (prepared / "rgb" / "train.txt").read_text().splitlines()
    val = (prepared / "rgb" / "val.txt").read_text().splitlines()
    order = np.random.default_rng(seed).permutation(len(train))
    count = max(1, round(share * len(train)))
    chosen = [train[i] for i in sorted(order[:count])]
    heldout = [train[i] for i in sorted(order[count:])] + val
    write_text(prepared / "rgb" / "share.txt", "".join(f"{line}\n" for line in chosen))
    write_text(prepared / "rgb" / "heldout.txt", "".join(f"{line}\n" for line in heldout))
    labels = [int(line.split()[1]) for line in heldout]
    train_labels = [int(line.split()[1]) for line in chosen]
    majority = max(set(train_labels), key=train_labels.count)
    return len(chosen), len(heldout), float(np.mean(np.asarray(labels) == majority))


def fine_tune_and_score(prepared, checkpoint, seed, epochs, work, overrides=None):
    import contextlib
    import io

    from models.runner.predict import collect_scores, predict_config
    from models.runner.train import prepare_config, train

    options = {"train_dataloader.dataset.dataset.ann_file": "rgb/share.txt", "train_cfg.max_epochs": epochs,
               **(overrides or {})}
    with contextlib.redirect_stdout(io.StringIO()):
        cfg = _quiet(prepare_config(FINE_TUNE, work_dir=work, data_root=prepared, seed=seed, load_from=checkpoint,
                                    cfg_options=options))
        cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
        cfg.default_hooks.checkpoint.interval = epochs
        runner = train(cfg)
        steps = runner.iter
        rows = collect_scores(_quiet(predict_config(FINE_TUNE, Path(work) / f"epoch_{epochs}.pth", "heldout",
                                                    data_root=prepared)))
    correct = [int(np.argmax(scores)) == label for _, label, scores in rows]
    return float(np.mean(correct)), steps


def fine_tune_part(args, prepared, checkpoint, work):
    print(f"\n## 5. fine-tuning {FINE_TUNE} on {args.share:.0%} of the synthetic training clips: "
          "pretrained encoder against from scratch")
    chosen, heldout, majority = split_labelled_share(prepared, args.share, args.data_seed)
    print(f"{chosen} labelled clips, scored on {heldout} held-out clips (majority class of the share: "
          f"{majority:.3f}); {args.fine_tune_epochs} epochs each"
          + (f"; config changed by {dict(args.fine_tune_options)}" if args.fine_tune_options else ""))
    print("seed | from scratch | from the pretrained encoder | difference")
    differences, results = [], {"scratch": [], "pretrained": []}
    for seed in args.seeds:
        scratch, steps = fine_tune_and_score(prepared, None, seed, args.fine_tune_epochs, work / f"scratch{seed}",
                                             args.fine_tune_options)
        pretrained, same = fine_tune_and_score(prepared, checkpoint, seed, args.fine_tune_epochs,
                                               work / f"pretrained{seed}", args.fine_tune_options)
        assert steps == same
        results["scratch"].append(scratch)
        results["pretrained"].append(pretrained)
        differences.append(pretrained - scratch)
        print(f"{seed} | {scratch:.3f} | {pretrained:.3f} | {pretrained - scratch:+.3f}  ({steps} steps)")
    spread = statistics.stdev(differences) if len(differences) > 1 else float("nan")
    print(f"mean | {statistics.fmean(results['scratch']):.3f} | {statistics.fmean(results['pretrained']):.3f} | "
          f"{statistics.fmean(differences):+.3f} (sd of the difference {spread:.3f})")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", nargs="+", default=["corpus", "flops", "loader", "pretrain", "fine-tune"],
                        choices=["corpus", "flops", "loader", "pretrain", "fine-tune"])
    parser.add_argument("--work", help="working folder (kept; default: a temporary one)")
    parser.add_argument("--videos", type=int, default=24, help="synthetic long videos")
    parser.add_argument("--class-power", type=float, default=0.0,
                        help="synthetic class frequencies ∝ real count ** power (0 = uniform)")
    parser.add_argument("--data-seed", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0, help="seed of the pretraining run")
    parser.add_argument("--pretrain-steps", type=int, default=1000)
    parser.add_argument("--loss-rows", type=int, default=12)
    parser.add_argument("--checkpoint", help="fine-tune from this pretraining checkpoint instead of pretraining "
                                             "(with --work of the run that made it)")
    parser.add_argument("--share", type=float, default=0.5, help="labelled share of the training clips")
    parser.add_argument("--fine-tune-epochs", type=int, default=40)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    from models.runner.config import DictAction
    parser.add_argument("--fine-tune-options", nargs="+", action=DictAction, default={}, metavar="KEY=VALUE",
                        help="config changes of both fine-tuning arms, e.g. model.data_preprocessor.blending=None")
    parser.add_argument("--loader-frames", type=int, default=600)
    parser.add_argument("--loader-samples", type=int, default=12)
    args = parser.parse_args()

    import torch
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory(prefix="miga-mae-") as scratch:
        work = Path(args.work or scratch)
        work.mkdir(parents=True, exist_ok=True)
        if "corpus" in args.parts:
            corpus_part(args)
        if "flops" in args.parts:
            flops_part(args)
        if "loader" in args.parts:
            loader_part(args, work)
        if {"pretrain", "fine-tune"} & set(args.parts):
            raw, prepared = synthetic_dataset(args, work)
            checkpoint = args.checkpoint or pretrain_part(args, raw, prepared, work)
            if "fine-tune" in args.parts:
                fine_tune_part(args, prepared, checkpoint, work)


if __name__ == "__main__":
    main()
