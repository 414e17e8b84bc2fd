"""Run the whole workflow on synthetic data, step by step, through the same commands a user types.

synthesize → prepare → train tiny joint, limb, GCN and RGB models → predict → ensemble (the ranked method
table) → Track 1 CSV → Track 3 video models → Track 3 CSV → validate → report → submit --dry-run.
"""
import shlex
import sys
import time
from pathlib import Path

TRACK1_MODELS = ("posec3d_joint", "posec3d_limb", "stgcnpp_joint", "swin_t_rgb")
TRACK3_MODELS = ("skeleton-dynamics", "gesture-profile")


def steps(out, videos, seed, epochs, trials):
    raw, prepared, work = out / "raw", out / "prepared", out / "work_dirs"
    predictions, ensembles, submissions = out / "predictions", out / "ensembles", out / "submissions"
    data = ["--data-root", str(prepared)]
    plan = [
        ("synthesize a small download", ["synth", raw, "--videos", videos, "--seed", seed, "--class-power", "0.3",
                                         "--jobs", "2"]),
        ("prepare it", ["prepare", raw, prepared, "--jobs", "2"]),
    ]
    for model in TRACK1_MODELS:
        checkpoint = work / model / f"epoch_{epochs}.pth"
        plan.append((f"train tiny {model}", ["train", f"tiny/{model}", "--work-dir", work / model, *data,
                                             "--seed", seed, "--cfg-options", f"train_cfg.max_epochs={epochs}"]))
        for split in ("train", "val", "test"):
            plan.append((f"predict {split} with {model}", ["predict", f"tiny/{model}", checkpoint, "--split", split,
                                                           "--out", predictions / model, *data]))
    track1 = ensembles / "track1.json"
    plan += [
        ("ensemble Track 1 (every method, ranked by cross-validated accuracy)",
         ["ensemble", "--track", "1", *[predictions / m for m in TRACK1_MODELS], "--out", track1,
          "--trials", trials, "--data", prepared, "--seed", seed, "--work-dir", work / "ensembles", "--quiet"]),
        ("write the Track 1 submission", ["submission", "--track", "1", track1, "--data", prepared,
                                          "--out", submissions, "--name", "track1"]),
        ("validate it", ["validate", "--track", "1", submissions / "track1.csv", "--data", prepared]),
    ]
    video_predictions = out / "predictions_track3"
    plan += [
        ("Track 3: skeleton dynamics, grouped 5-fold out-of-fold",
         ["train-video", "skeleton-dynamics", "--data", prepared, "--folds", "5", "--seed", seed,
          "--out", video_predictions / "skeleton-dynamics"]),
        ("Track 3: gesture profile from the Track 1 clip probabilities",
         ["train-video", "gesture-profile", "--data", prepared, "--folds", "5", "--seed", seed,
          "--clip-predictions", *[predictions / m for m in TRACK1_MODELS],
          "--out", video_predictions / "gesture-profile"]),
    ]
    track3 = ensembles / "track3.json"
    plan += [
        ("ensemble Track 3", ["ensemble", "--track", "3", *[video_predictions / m for m in TRACK3_MODELS],
                              "--out", track3, "--trials", trials, "--data", prepared, "--seed", seed,
                              "--work-dir", work / "ensembles", "--quiet"]),
        ("write the Track 3 submission", ["submission", "--track", "3", track3, "--data", prepared,
                                          "--out", submissions, "--name", "track3"]),
        ("validate it", ["validate", "--track", "3", submissions / "track3.csv", "--data", prepared]),
        ("report Track 1", ["report", "--track", "1", "--ensemble", track1, "--data", prepared,
                            "--out", out / "reports" / "track1"]),
        ("report Track 3", ["report", "--track", "3", "--ensemble", track3, "--data", prepared,
                            "--out", out / "reports" / "track3"]),
        ("what `miga submit` would send (dry run)",
         ["submit", submissions / "track1.zip", "--track", "1", "-m", "miga demo ensemble", "--data", prepared,
          "--dry-run"]),
    ]
    return [(title, [str(a) for a in argv]) for title, argv in plan]


def artefacts(out):
    return [
        ("synthetic download", out / "raw"),
        ("prepared dataset", out / "prepared"),
        ("checkpoints and logs", out / "work_dirs"),
        ("Track 1 probability files", out / "predictions"),
        ("Track 3 out-of-fold files", out / "predictions_track3"),
        ("ensemble specs", out / "ensembles"),
        ("Track 1 submission", out / "submissions" / "track1.csv"),
        ("Track 3 submission", out / "submissions" / "track3.csv"),
        ("reports", out / "reports"),
    ]


def add_arguments(parser):
    parser.add_argument("--out", default="demo", help="folder for everything the demo writes")
    parser.add_argument("--videos", type=int, default=30, help="synthetic videos")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=10, help="training epochs of each tiny model")
    parser.add_argument("--trials", type=int, default=200, help="Optuna trials per ensemble study")


def run(args):
    from competition.cli import main

    out = Path(args.out)
    started = time.perf_counter()
    for number, (title, argv) in enumerate(steps(out, args.videos, args.seed, args.epochs, args.trials), start=1):
        print(f"\n== step {number}: {title}\n$ miga {shlex.join(argv)}", flush=True)
        step_start = time.perf_counter()
        status = main(argv)
        if status:
            print(f"demo: step {number} failed (exit {status})", file=sys.stderr)
            return status
        print(f"   ({time.perf_counter() - step_start:.1f} s)", flush=True)
    print(f"\ndemo finished in {time.perf_counter() - started:.0f} s. Artefacts:")
    for name, path in artefacts(out):
        print(f"  {name:<28}{path}")
    print("Notebooks: jupyter execute notebooks/track1_error_analysis.ipynb (reads the demo's files)")
    return 0
