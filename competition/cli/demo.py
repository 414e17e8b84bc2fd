"""Run the whole workflow on synthetic data, step by step, through the same commands a user types.

synthesize → prepare → train tiny PoseConv3D (joint heatmaps), ST-GCN++ and Video Swin (RGB) models → predict →
train the tiny ST-GCN++ out of fold (2 folds) → ensemble (the ranked method table) → Track 1 CSV → Track 3
video models (the gesture profile on the out-of-fold clip probabilities) → Track 3 CSV → validate → report →
submit --dry-run.

The console gets one line per step with its time; each step's whole output goes to OUT/logs/NN-step.log, and
a failed step shows the end of its log. After each ensemble, one line compares its cross-validated accuracy
with the best single model and with always predicting the commonest class.

A second run on the same folder resumes: the steps that finished (OUT/demo.json records them) are kept and
the others run. If the demo's settings changed, the demo's own folders are removed first and it starts clean.
"""
import json
import re
import shutil
import sys
import time
from pathlib import Path

TRACK1_MODELS = ("posec3d_joint", "stgcnpp_joint", "swin_t_rgb")
TRACK3_MODELS = ("skeleton-dynamics", "gesture-profile")
# Out of fold: every labelled clip predicted by a model that did not see its video, which the gesture profile
# needs for its training videos; 2 folds of the fastest tiny model keep the demo short.
OOF_MODEL, OOF_FOLDS = "stgcnpp_joint", 2
STATE = "demo.json"
FOLDERS = ("raw", "prepared", "work_dirs", "predictions", "predictions_track3", "ensembles", "submissions",
           "reports", "logs")
TAIL_LINES = 25


def steps(out, videos, seed, epochs, trials, class_power):
    raw, prepared, work = out / "raw", out / "prepared", out / "work_dirs"
    predictions, ensembles, submissions = out / "predictions", out / "ensembles", out / "submissions"
    data = ["--data-root", str(prepared)]
    plan = [
        ("synthesize a small download", ["synth", raw, "--videos", videos, "--seed", seed,
                                         "--class-power", class_power, "--jobs", "2"]),
        ("prepare it", ["prepare", raw, prepared, "--jobs", "2"]),
    ]
    for model in TRACK1_MODELS:
        checkpoint = work / model / f"epoch_{epochs}.pth"
        plan.append((f"train tiny {model}", ["train", f"tiny/{model}", "--work-dir", work / model, *data,
                                             "--seed", seed, "--resume",
                                             "--cfg-options", f"train_cfg.max_epochs={epochs}"]))
        for split in ("train", "val", "test"):
            plan.append((f"predict {split} with {model}", ["predict", f"tiny/{model}", checkpoint, "--split", split,
                                                           "--out", predictions / model, *data]))
    oof = predictions / f"{OOF_MODEL}_oof"
    plan.append((f"train tiny {OOF_MODEL} out of fold ({OOF_FOLDS} folds: oof.npz, fold-mean test.npz)",
                 ["train", f"tiny/{OOF_MODEL}", "--folds", OOF_FOLDS, "--out", oof, "--work-dir",
                  work / f"{OOF_MODEL}_oof", *data, "--seed", seed, "--cfg-options", f"train_cfg.max_epochs={epochs}",
                  f"train_cfg.val_interval={epochs}"]))  # held-out clips scored once, at the end: time
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
        ("Track 3: gesture profile from the out-of-fold Track 1 clip probabilities",
         ["train-video", "gesture-profile", "--data", prepared, "--folds", "5", "--seed", seed,
          "--clip-predictions", oof, "--out", video_predictions / "gesture-profile"]),
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
        ("step logs", out / "logs"),
        ("synthetic download", out / "raw"),
        ("prepared dataset", out / "prepared"),
        ("checkpoints and training logs", out / "work_dirs"),
        ("Track 1 probability files", out / "predictions"),
        ("Track 3 out-of-fold files", out / "predictions_track3"),
        ("ensemble specs", out / "ensembles"),
        ("Track 1 submission", out / "submissions" / "track1.csv"),
        ("Track 3 submission", out / "submissions" / "track3.csv"),
        ("reports", out / "reports"),
    ]


def log_name(number, title):
    words = re.sub(r"[^a-z0-9_]+", "-", title.lower().split("(")[0]).strip("-")
    return f"{number:02d}-{words}.log"


def learning_line(spec_path, what):
    """One line: the ensemble's out-of-fold top-1 and macro-F1 beside the best single model and the majority class
    (macro-F1 is what tells learning from the majority class on Track 3's imbalanced win/lose)."""
    import numpy as np
    from sklearn.metrics import f1_score

    from competition.core.probabilities import load_probabilities

    spec = json.loads(Path(spec_path).read_text())
    cv = spec["scores"]["cv"]
    low, high = cv["interval"]["top1"]
    files = [load_probabilities(entry.get("rows_file") or entry["val"]) for entry in spec["inputs"]]
    labels = files[0].labels
    single = {f.model: float(np.mean(f.probs.argmax(axis=1) == f.labels)) for f in files}
    best = max(single, key=single.get)
    commonest = np.full_like(labels, np.bincount(labels).argmax())
    majority_f1 = f1_score(labels, commonest, average="macro", zero_division=0)
    return (f"{spec['method']} ensemble top-1 {cv['top1']:.3f} [{low:.3f}–{high:.3f}], macro-F1 {cv['macro_f1']:.3f} "
            f"out-of-fold on {len(labels)} {what} · best single model top-1 {single[best]:.3f} ({best}) · always "
            f"the commonest class top-1 {np.mean(commonest == labels):.3f}, macro-F1 {majority_f1:.3f}")


SUMMARIES = {"ensemble Track 1": ("track1.json", "validation clips"), "ensemble Track 3": ("track3.json", "videos")}


def add_arguments(parser):
    parser.add_argument("--out", default="demo", help="folder for everything the demo writes")
    parser.add_argument("--videos", type=int, default=60, help="synthetic videos")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--class-power", type=float, default=0.3,
                        help="synthetic class frequencies ∝ real count ** power (1 = the real long tail)")
    parser.add_argument("--epochs", type=int, default=10, help="training epochs of each tiny model")
    parser.add_argument("--trials", type=int, default=200, help="Optuna trials per ensemble study")


def _settings(args):
    return {"videos": args.videos, "seed": args.seed, "class_power": args.class_power, "epochs": args.epochs,
            "trials": args.trials, "track1_models": list(TRACK1_MODELS), "track3_models": list(TRACK3_MODELS),
            "out_of_fold": [OOF_MODEL, OOF_FOLDS]}


def _previous_state(out, settings):
    """The steps a previous run with these settings finished; a run with other settings is cleared away."""
    path = out / STATE
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        state = None
    if isinstance(state, dict) and state.get("settings") == settings:
        return list(state.get("finished", []))
    if state is not None or any((out / name).exists() for name in FOLDERS):
        print(f"{out} holds a demo run with other settings (or an unreadable {STATE}): removing its folders "
              "and starting clean", flush=True)
        for name in FOLDERS:
            shutil.rmtree(out / name, ignore_errors=True)
    return []


def _save_state(out, settings, finished):
    from competition.core.atomic import write_text

    write_text(out / STATE, json.dumps({"settings": settings, "finished": finished}, indent=1) + "\n")


def run(args):
    from competition.cli import main
    from competition.cli.step_logs import run_logged, tail
    from competition.core.atomic import make_folder
    from competition.core.errors import DataError

    out = Path(args.out)
    make_folder(out, "--out names a folder")
    settings = _settings(args)
    finished = _previous_state(out, settings)
    plan = steps(out, args.videos, args.seed, args.epochs, args.trials, args.class_power)
    keys = [log_name(number, title)[:-len(".log")] for number, (title, _) in enumerate(plan, start=1)]
    kept = sum(key in finished for key in keys)
    print(f"miga demo: {len(plan)} steps on synthetic data in {out}/"
          + (f", {kept} kept from the last run" if kept else "")
          + f"; each step's whole output goes to {out / 'logs'}/", flush=True)
    started = time.perf_counter()
    width = max(len(title) for title, _ in plan)
    for number, ((title, argv), key) in enumerate(zip(plan, keys), start=1):
        print(f"[{number:2d}/{len(plan)}] {title:<{width}} ", end="", flush=True)
        if key in finished:
            print("kept", flush=True)
        else:
            log = out / "logs" / log_name(number, title)
            step_start = time.perf_counter()
            status = run_logged(main, argv, log)
            seconds = time.perf_counter() - step_start
            if status:
                print(f"failed (exit {status}) after {seconds:.1f} s", flush=True)
                print(f"\nlast lines of {log}:", file=sys.stderr)
                for line in tail(log, TAIL_LINES):
                    print(f"  {line}", file=sys.stderr)
                print(f"\nmiga demo: step {number} ({title}) failed; its whole output is in {log}. Fix the cause "
                      f"and rerun: the {len(finished)} finished steps are kept.", file=sys.stderr)
                return status
            print(f"{seconds:6.1f} s", flush=True)
            finished.append(key)
            _save_state(out, settings, finished)
        summary = next((value for key, value in SUMMARIES.items() if title.startswith(key)), None)
        if summary:
            try:
                print(f"         {learning_line(out / 'ensembles' / summary[0], summary[1])}", flush=True)
            except (OSError, ValueError, KeyError, DataError) as error:
                print(f"         (no summary: {error})", flush=True)
    print(f"\ndemo finished in {time.perf_counter() - started:.0f} s. Artefacts:")
    for name, path in artefacts(out):
        print(f"  {name:<30}{path}")
    print("Notebooks: jupyter execute notebooks/track1_error_analysis.ipynb (reads the demo's files); "
          f"training curves: tensorboard --logdir {out / 'work_dirs'}")
    return 0
