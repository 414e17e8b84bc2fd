"""RGBPoseConv3D two-stage (MM-Gesture's recipe) against one-stage, on a synthetic prepared dataset.

One-stage: the two-stream config trained from random weights. Two-stage: the RGB-only and pose-only stage
configs trained first, their weights merged (`miga merge-weights`), then the same two-stream training from
the merge. Both fine-tunes run the same epochs; the table reports validation top-1 of the fused score and
of each stream, the epochs of every stage and the wall time, whichever way the comparison falls. Synthetic
clips prove the plumbing and the relative behaviour of the two starts, not accuracy on iMiGUE.

Everything runs through the `miga` commands a user types. On a GPU, full-size configs with short schedules:

    .venv/bin/python benchmarks/rgbpose_two_stage.py --videos 40 --stage-epochs 6 --epochs 6

On a CPU, the tiny configs (a smoke run, a few minutes): `--tiny --videos 12 --stage-epochs 2 --epochs 2`.
"""
import argparse
import io
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from competition.cli import main as miga  # noqa: E402
from competition.core.probabilities import load_probabilities  # noqa: E402


def run(argv):
    out = io.StringIO()
    with redirect_stdout(out):
        status = miga([str(a) for a in argv])
    if status:
        raise SystemExit(f"miga {' '.join(map(str, argv))} failed ({status}):\n{out.getvalue()}")
    return out.getvalue()


def train(config, data, work, epochs, *extra):
    options = ["--cfg-options", f"train_cfg.max_epochs={epochs}", "log_level=WARNING",
               "default_hooks.logger.interval=50"]
    start = time.perf_counter()
    run(["train", config, "--data-root", data, "--work-dir", work, "--seed", 0, *extra, *options])
    return Path((Path(work) / "last_checkpoint").read_text().strip()), time.perf_counter() - start


def top1(config, checkpoint, data, out):
    run(["predict", config, checkpoint, "--split", "val", "--data-root", data, "--out", out])
    scores = {}
    for suffix in ("", "-rgb", "-pose"):
        probs = load_probabilities(Path(f"{out}{suffix}") / "val.npz")
        scores[suffix or "fused"] = float(np.mean(probs.probs.argmax(1) == probs.labels))
    return scores


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=int, default=40, help="synthetic long videos (miga synth)")
    parser.add_argument("--stage-epochs", type=int, default=6, help="epochs of each single-stream stage")
    parser.add_argument("--epochs", type=int, default=6, help="epochs of the two-stream training, both ways")
    parser.add_argument("--stream", choices=("joint", "limb"), default="joint")
    parser.add_argument("--tiny", action="store_true", help="the tiny configs (CPU smoke run)")
    parser.add_argument("--work", help="folder for data and runs (default: a temporary one)")
    args = parser.parse_args(argv)

    prefix = "tiny/" if args.tiny else ""
    fused, rgb, pose = (f"{prefix}rgbposec3d_{name}" for name in (args.stream, "rgb", f"pose_{args.stream}"))
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(args.work or scratch)
        raw, data = work / "raw", work / "prepared"
        if not (data / "clips.csv").exists():
            run(["synth", raw, "--videos", args.videos, "--seed", 0, "--class-power", 0.3, "--jobs", 2])
            run(["prepare", raw, data, "--jobs", 2])
        one, one_time = train(fused, data, work / "one_stage", args.epochs)
        rgb_ckpt, rgb_time = train(rgb, data, work / "rgb_stage", args.stage_epochs)
        pose_ckpt, pose_time = train(pose, data, work / "pose_stage", args.stage_epochs)
        merged = work / "two_stage_init.pth"
        run(["merge-weights", fused, "--rgb", rgb_ckpt, "--pose", pose_ckpt, "--out", merged])
        two, two_time = train(fused, data, work / "two_stage", args.epochs, "--load-from", merged)
        scores = {"one-stage": top1(fused, one, data, work / "predictions" / "one"),
                  "two-stage": top1(fused, two, data, work / "predictions" / "two")}
    print(f"{fused}, {args.videos} synthetic videos; val top-1 (fused / RGB stream / pose stream)")
    print("| start | epochs | val top-1 fused | RGB | pose | wall time (s) |")
    print("|---|---|---|---|---|---|")
    print(f"| random (one-stage) | {args.epochs} | {scores['one-stage']['fused']:.3f} | "
          f"{scores['one-stage']['-rgb']:.3f} | {scores['one-stage']['-pose']:.3f} | {one_time:.0f} |")
    print(f"| merged RGB-only + pose-only (two-stage) | {args.stage_epochs} + {args.stage_epochs} + {args.epochs} | "
          f"{scores['two-stage']['fused']:.3f} | {scores['two-stage']['-rgb']:.3f} | "
          f"{scores['two-stage']['-pose']:.3f} | {rgb_time:.0f} + {pose_time:.0f} + {two_time:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
