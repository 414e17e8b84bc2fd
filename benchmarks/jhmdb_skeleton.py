"""Skeleton models on real motion: JHMDB's ground-truth 2D joints (../shared/real/jhmdb), 14 classes, 3 splits.

Everything goes through the `miga` commands a user types, on each of JHMDB's three splits:

    miga import-skeleton ../shared/real/jhmdb WORK/jhmdb --layout jhmdb15     (val: 10% of train, per split)
    miga train CPU_CONFIG --data-root WORK/jhmdb/splitS --cfg-options skeleton_layout=jhmdb15   (each model)
    miga predict CPU_CONFIG CHECKPOINT --split val|test ...
    miga ensemble --track 1 PRED_DIRS ...                    (fitted on val)

for the four ST-GCN++ streams (joint, bone, joint motion, bone motion) and PoseConv3D joint and limb, at
the CPU sizes below (`CPU_CONFIGS`: each inherits our full config, with fewer frames, a narrower trunk and
fewer epochs); plus a handcrafted-features logistic regression on the same training clips. Prints test
top-1 per model and split, the ensemble's (the spec `miga ensemble` chose, applied to the test files) and
the 1:1 mean of the streams' probabilities, the wall and CPU seconds of each model, and the mean of the
three splits. Models train `--jobs` at a time, each with OMP_NUM_THREADS=`--threads`. Run from the
repository root:

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/jhmdb_skeleton.py --splits 1 2 3 --jobs 2
"""
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from jhmdb_common import (  # noqa: E402
    LAYOUT,
    REPO,
    ensemble_top1,
    import_jhmdb,
    load_line,
    miga,
    parser,
    top1,
    train_and_predict,
    work_folder,
)

GCN_STREAMS = ("joint", "bone", "joint_motion", "bone_motion")

# CPU sizes, chosen so that the six models of one split train in under 30 minutes on 2 cores (measured
# per-sample costs on one core, data pipeline included: ST-GCN++ about 16 ms at 16 frames, PoseConv3D about
# 70 ms per training clip).
# ST-GCN++: 6 graph stages of 32 channels (full: 10 of 64), 16 frames (JHMDB clips have 15-40, median 40),
# 5 clips at test, horizontal flips besides PYSKL's scale and rotation, 30 epochs of the training clips repeated
# 3 times (90 passes; PYSKL repeats its datasets 5 times), batch 16 at PYSKL's lr 0.1. On split 1 the schedule
# mattered most (docs/benchmarks.md): 30 passes at 24 frames gave 0.744, 90 passes at 16 frames 0.841.
# PoseConv3D: base width 8, blocks 1/2/1 (full: 32, 4/6/3), 16 frames, 32 px crops from 40 px, tested at 40 px
# with 5 clips x flip, 12 epochs at the full configs' lr.
GCN_CPU = """_base_ = ['{base}']
from models.components.pipelines import gcn_dataloaders

train_dataloader, val_dataloader, test_dataloader = gcn_dataloaders(
    {{{{_base_.data_root}}}}, '{stream}', clip_len=16, test_clips=5, batch_size=16, test_batch_size=16, workers=0,
    repeat=3, flip_ratio=0.5)
model = dict(backbone=dict(base_channels=32, num_stages=6, inflate_stages=[4], down_stages=[4]),
             cls_head=dict(in_channels=64))
train_cfg = dict(max_epochs={epochs})
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max={epochs}, by_epoch=True, convert_to_iter_based=True)]
"""
POSEC3D_CPU = """_base_ = ['{base}']
from models.components.pipelines import pose_heatmap_dataloaders

train_dataloader, val_dataloader, test_dataloader = pose_heatmap_dataloaders(
    {{{{_base_.data_root}}}}, {{{{_base_.{stream}_heatmap}}}}, {{{{_base_.{stream}_heatmap_test}}}}, clip_len=16,
    resize=40, crop=32, test_size=40, test_clips=5, batch_size=16, test_batch_size=16, workers=0, repeat=1)
model = dict(backbone=dict(base_channels=8, stage_blocks=(1, 2, 1)), cls_head=dict(in_channels=128))
train_cfg = dict(max_epochs={epochs})
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max={epochs}, by_epoch=True, convert_to_iter_based=True)]
"""


def cpu_configs(folder, gcn_epochs, heatmap_epochs):
    """name -> path of the CPU-size config files, written into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for stream in GCN_STREAMS:
        name = f"stgcnpp_{stream}"
        paths[name] = folder / f"{name}.py"
        paths[name].write_text(GCN_CPU.format(base=REPO / "models" / "configs" / f"{name}.py", stream=stream,
                                              epochs=gcn_epochs))
    for stream in ("joint", "limb"):
        name = f"posec3d_{stream}"
        paths[name] = folder / f"{name}.py"
        paths[name].write_text(POSEC3D_CPU.format(base=REPO / "models" / "configs" / f"{name}.py", stream=stream,
                                                  epochs=heatmap_epochs))
    return paths


# --- the handcrafted baseline -------------------------------------------------------------------------------

def handcrafted_features(clip):
    """Body-centred, size-normalised joints: per-joint mean/std/min/max of position and speed, mean |speed|."""
    centred = clip - clip[:, :1]
    size = np.linalg.norm(clip[:, 0] - clip[:, 1], axis=-1).mean() + 1e-6
    pos = centred / size
    vel = np.diff(pos, axis=0) if len(pos) > 1 else np.zeros_like(pos)
    feats = []
    for x in (pos, vel):
        flat = x.reshape(len(x), -1)
        feats += [flat.mean(0), flat.std(0), flat.min(0), flat.max(0)]
    feats.append(np.abs(vel).reshape(len(vel), -1).mean(0))
    return np.concatenate(feats)


def baseline_top1(data, splits=("train",)):
    """Logistic regression on handcrafted features of the `splits` clips, scored on test."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from competition.data.annotations import load_pose_annotations

    def features(split):
        annotations = load_pose_annotations(data / "pose" / f"{LAYOUT}.npz", split=split)["annotations"]
        return (np.stack([handcrafted_features(a["keypoint"][0]) for a in annotations]),
                np.array([a["label"] for a in annotations]))

    parts = [features(split) for split in splits]
    x_train, y_train = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    x_test, y_test = features("test")
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
    model.fit(x_train, y_train)
    return float(np.mean(model.predict(x_test) == y_test))


def run_split(split, root, configs, args, results):
    data = root / "jhmdb" / f"split{split}"
    work = root / f"work{split}"
    work.mkdir(parents=True, exist_ok=True)
    start = time.time()
    base = baseline_top1(data)
    results.append((split, "handcrafted logistic regression (train)", base, 0.0, 0.0))
    print(f"split {split}  {'handcrafted logistic regression':<32} top-1 {base:.3f}", flush=True)
    base_all = baseline_top1(data, ("train", "val"))
    results.append((split, "handcrafted logistic regression (train+val)", base_all, 0.0, 0.0))

    def one(name):
        folder, wall, cpu = train_and_predict(name, configs[name], data, work, args.threads)
        accuracy = top1(folder / "test.npz")
        print(f"split {split}  {name:<32} top-1 {accuracy:.3f}  ({wall:.0f} s wall, {cpu:.0f} s CPU)", flush=True)
        return name, folder, accuracy, wall, cpu

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        done = list(pool.map(one, args.models))
    for name, _, accuracy, wall, cpu in done:
        results.append((split, name, accuracy, wall, cpu))
    folders = [folder for _, folder, *_ in done]
    if len(folders) > 1:
        spec = work / "ensemble.json"
        wall, cpu = miga("ensemble", "--track", 1, *folders, "--out", spec, "--trials",
                         args.trials, "--quiet", "--work-dir", work / "ensembles", threads=args.threads,
                         log=work / "ensemble.log")
        method, chosen, mean = ensemble_top1(spec, folders)
        results.append((split, f"ensemble: miga ensemble ({method}, fitted on val)", chosen, wall, cpu))
        results.append((split, "ensemble: 1:1 mean of the streams", mean, 0.0, 0.0))
        print(f"split {split}  {'miga ensemble (' + method + ')':<32} top-1 {chosen:.3f}; 1:1 mean {mean:.3f}",
              flush=True)
    print(f"split {split}: {time.time() - start:.0f} s for everything", flush=True)
    return time.time() - start


def main(argv=None):
    arguments = parser(__doc__, models=[f"stgcnpp_{s}" for s in GCN_STREAMS] + ["posec3d_joint", "posec3d_limb"],
                       epochs=30, trials=200)
    arguments.add_argument("--heatmap-epochs", type=int, default=12, help="PoseConv3D epochs")
    args = arguments.parse_args(argv)
    results, seconds = [], {}
    with work_folder(args, "jhmdb-") as root:
        import_jhmdb(root)
        configs = cpu_configs(root / "configs", args.epochs, args.heatmap_epochs)
        for split in args.splits:
            seconds[split] = run_split(split, root, configs, args, results)
    print(f"\n{load_line(args)}")
    print("\n| split | model | test top-1 | wall s | CPU s |\n|---|---|---|---|---|")
    for split, name, accuracy, wall, cpu in results:
        print(f"| {split} | {name} | {accuracy:.3f} | {wall:.0f} | {cpu:.0f} |")
    names = list(dict.fromkeys(name for _, name, *_ in results))
    print("\n| model | " + " | ".join(f"split {s}" for s in args.splits) + " | mean |\n|---|"
          + "---|" * (len(args.splits) + 1))
    for name in names:
        values = [next(r[2] for r in results if r[0] == s and r[1] == name) for s in args.splits]
        print(f"| {name} | " + " | ".join(f"{v:.3f}" for v in values) + f" | {np.mean(values):.3f} |")
    print("\nwall seconds per split (everything): " + ", ".join(f"split {s} {t:.0f}" for s, t in seconds.items()))
    print(json.dumps({"results": results, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
