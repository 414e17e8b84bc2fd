"""Skeleton models on real motion: JHMDB ground-truth 2D joints (../shared/real/jhmdb), 14 classes.

Converts each split into the prepared-dataset pose form (docs/prepared-dataset.md; coordinates rescaled from
JHMDB's normalised positions to pixels of a 320x240 frame, all scores 1), then trains our skeleton configs at
reduced size (the tiny configs' widths, with JHMDB's 15-joint skeleton in place of the 36 iMiGUE points) and
prints test top-1 per model and split, the mean of the models' probabilities, and a handcrafted-features
logistic regression for comparison. Run from the repository root:

    .venv/bin/python benchmarks/jhmdb_skeleton.py --splits 1 2 3 --epochs 30 --heatmap-epochs 10
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import models  # noqa: E402,F401  (applies the OpenMMLab repairs before mmaction2 is imported)
from competition.data.annotations import save_pose_annotations  # noqa: E402
from models.components.skeleton import bone_parents  # noqa: E402

JHMDB = REPO.parent / "shared" / "real" / "jhmdb"
WIDTH, HEIGHT = 320, 240
# JHMDB's 15 joints: neck, belly, face, R/L shoulder, R/L hip, R/L elbow, R/L knee, R/L wrist, R/L ankle.
EDGES = ((0, 2), (0, 1), (0, 3), (0, 4), (3, 7), (7, 11), (4, 8), (8, 12), (1, 5), (1, 6), (5, 9), (9, 13),
         (6, 10), (10, 14))
MIRROR = ((3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (13, 14))
CENTER = 0
PARENTS = bone_parents(15, EDGES, CENTER)


def _limb_mirror():
    mirror = dict(MIRROR) | {b: a for a, b in MIRROR}
    index = {frozenset(e): i for i, e in enumerate(EDGES)}
    pairs = [(i, index[frozenset((mirror.get(a, a), mirror.get(b, b)))]) for i, (a, b) in enumerate(EDGES)]
    return [i for i, j in pairs if i < j], [j for i, j in pairs if i < j]


LEFT_LIMB, RIGHT_LIMB = _limb_mirror()
LEFT_KP, RIGHT_KP = [a for a, _ in MIRROR], [b for _, b in MIRROR]


def read_split(split, part):
    data = np.load(JHMDB / f"split{split}_{part}.npz", allow_pickle=False)
    offsets = np.concatenate([[0], np.cumsum(data["lengths"])])
    clips = [data["joints"][offsets[i]:offsets[i + 1]] for i in range(len(data["lengths"]))]
    return clips, data["labels"].tolist()


def to_pixels(clips, lo, hi):
    """One affine map for the whole split (motion keeps its relative size), aspect kept, 5% margin."""
    scale = 0.9 * min(WIDTH / (hi[0] - lo[0]), HEIGHT / (hi[1] - lo[1]))
    offset = np.array([WIDTH, HEIGHT]) / 2 - scale * (lo + hi) / 2
    return [(clip * scale + offset).astype(np.float32) for clip in clips]


def prepare_split(split, root):
    """Write root/pose/jhmdb15.npz for one JHMDB split (its train and test clips, in pixels)."""
    train, train_labels = read_split(split, "train")
    test, test_labels = read_split(split, "test")
    classes = sorted(set(train_labels))
    stacked = np.concatenate(train)
    lo, hi = stacked.min(axis=(0, 1)), stacked.max(axis=(0, 1))
    clips = []
    for part, joints, labels in (("train", to_pixels(train, lo, hi), train_labels),
                                 ("test", to_pixels(test, lo, hi), test_labels)):
        for i, (keypoint, label) in enumerate(zip(joints, labels)):
            clips.append(dict(frame_dir=f"{part}_{i:04d}", label=classes.index(label), split=part,
                              img_shape=(HEIGHT, WIDTH), keypoint=keypoint,
                              keypoint_score=np.ones(keypoint.shape[:2], np.float32)))
    save_pose_annotations(root / "pose" / "jhmdb15.npz", clips, "jhmdb15")
    # mmengine validates on `val` during training; we never use it (val_interval is beyond the epochs)
    _add_val_split(root / "pose" / "jhmdb15.npz", [c["frame_dir"] for c in clips if c["split"] == "test"][:16])
    return classes, train, train_labels, test, test_labels


def _add_val_split(path, ids):
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["split_val"] = np.array(ids, dtype=str)
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


# --- models -------------------------------------------------------------------------------------------------

def model_configs(root, epochs, heatmap_epochs, gcn_size="tiny"):
    """name -> mmengine Config: our tiny skeleton configs adapted to 15 joints and 14 classes."""
    from models.components.pipelines import gcn_dataloaders, pose_heatmap_dataloaders
    from models.runner.config import load_config

    ann = "pose/jhmdb15.npz"
    heat = dict(type="GeneratePoseTarget", sigma=0.6, use_score=True)
    joint = dict(heat, with_kp=True, with_limb=False)
    limb = dict(heat, with_kp=False, with_limb=True, skeletons=[list(e) for e in EDGES])
    flips = dict(left_kp=LEFT_KP, right_kp=RIGHT_KP)
    configs = {}
    for name, train_step, test_step, channels in (
            ("posec3d_joint", joint, dict(joint, double=True, **flips), 15),
            ("posec3d_limb", limb, dict(limb, double=True, left_limb=LEFT_LIMB, right_limb=RIGHT_LIMB, **flips),
             len(EDGES))):
        cfg = load_config(f"tiny/{name}", data_root=root)
        loaders = pose_heatmap_dataloaders(str(root), train_step, test_step, clip_len=16, resize=32, crop=28,
                                           test_size=32, test_clips=5, batch_size=16, test_batch_size=16,
                                           workers=0, repeat=1, ann_file=ann, **flips)
        cfg.merge_from_dict(dict(zip(("train_dataloader", "val_dataloader", "test_dataloader"), loaders)))
        cfg.model.backbone.in_channels = channels
        cfg.model.cls_head.num_classes = 14
        cfg.train_cfg.max_epochs = heatmap_epochs
        cfg.param_scheduler = [dict(type="CosineAnnealingLR", eta_min=0, T_max=heatmap_epochs, by_epoch=True,
                                    convert_to_iter_based=True)]
        configs[name] = cfg
    layout = dict(num_node=15, center=CENTER, inward=[(v, p) for v, p in enumerate(PARENTS) if v != p])
    for name, feature in (("stgcnpp_joint", dict(type="SkeletonFeature", feature="joint")),
                          ("stgcnpp_bone", dict(type="SkeletonFeature", feature="bone", parents=PARENTS))):
        cfg = load_config(f"tiny/{name}", data_root=root)
        loaders = gcn_dataloaders(str(root), feature, clip_len=32, test_clips=5, batch_size=16,
                                  test_batch_size=16, workers=0, repeat=1, ann_file=ann)
        cfg.merge_from_dict(dict(zip(("train_dataloader", "val_dataloader", "test_dataloader"), loaders)))
        cfg.model.backbone.graph_cfg = dict(layout=layout, mode="spatial")
        if gcn_size == "reduced":  # between tiny (4 stages of 16) and full (10 stages of 64)
            cfg.model.backbone.update(base_channels=32, num_stages=6, inflate_stages=[4], down_stages=[4])
            cfg.model.cls_head.update(in_channels=64, dropout=0.3)
        cfg.model.cls_head.num_classes = 14
        cfg.train_cfg.max_epochs = epochs
        cfg.param_scheduler = [dict(type="CosineAnnealingLR", eta_min=0, T_max=epochs, by_epoch=True,
                                    convert_to_iter_based=True)]
        configs[name] = cfg
    for cfg in configs.values():
        cfg.train_cfg.val_interval = 1000  # no validation during training: test once at the end
        cfg.log_level = "WARNING"
        cfg.default_hooks.checkpoint = dict(type="CheckpointHook", interval=1000, save_last=True)
    return configs


def train_and_test(cfg, work_dir):
    import models.components.metrics  # noqa: F401
    from models.runner.predict import collect_scores, predict_config
    from models.runner.train import train
    cfg.work_dir = str(work_dir)
    cfg.randomness = dict(seed=0)
    train(cfg)
    last = (Path(work_dir) / "last_checkpoint").read_text().strip()
    pcfg = predict_config(cfg, last, "test", work_dir=Path(work_dir) / "test")
    pcfg.log_level = "WARNING"
    rows = collect_scores(pcfg)
    ids = [r[0] for r in rows]
    return ids, np.array([r[1] for r in rows]), np.stack([r[2] for r in rows])


# --- the handcrafted baseline -------------------------------------------------------------------------------

def handcrafted_features(clip):
    """Body-centred, size-normalised joints: per-joint mean/std/min/max of position and speed, limb lengths."""
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


def baseline_top1(train, train_labels, test, test_labels):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x_train = np.stack([handcrafted_features(c) for c in train])
    x_test = np.stack([handcrafted_features(c) for c in test])
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
    model.fit(x_train, train_labels)
    return float(np.mean(model.predict(x_test) == np.asarray(test_labels)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--splits", type=int, nargs="+", default=[1])
    parser.add_argument("--models", nargs="+", default=["stgcnpp_joint", "stgcnpp_bone", "posec3d_joint",
                                                         "posec3d_limb"])
    parser.add_argument("--epochs", type=int, default=30, help="ST-GCN++ epochs")
    parser.add_argument("--heatmap-epochs", type=int, default=10, help="PoseConv3D epochs")
    parser.add_argument("--gcn-size", choices=("tiny", "reduced"), default="tiny",
                        help="ST-GCN++ widths: the tiny config's, or 6 stages of 32")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    import torch
    torch.set_num_threads(args.threads)
    if not JHMDB.exists():
        print(f"JHMDB joints not found at {JHMDB}")
        return 1
    results = []
    for split in args.splits:
        with tempfile.TemporaryDirectory(prefix=f"jhmdb{split}-") as tmp:
            root = Path(tmp)
            classes, train, train_labels, test, test_labels = prepare_split(split, root)
            start = time.time()
            base = baseline_top1(train, train_labels, test, test_labels)
            results.append((split, "handcrafted logistic regression", base, time.time() - start))
            print(f"split {split}  {'handcrafted logistic regression':<34} top-1 {base:.3f}", flush=True)
            configs = model_configs(root, args.epochs, args.heatmap_epochs, args.gcn_size)
            probs = {}
            for name in args.models:
                start = time.time()
                ids, labels, p = train_and_test(configs[name], root / "work" / name)
                order = np.argsort(ids)
                probs[name], truth = p[order], labels[order]
                top1 = float(np.mean(probs[name].argmax(1) == truth))
                results.append((split, name, top1, time.time() - start))
                print(f"split {split}  {name:<34} top-1 {top1:.3f}  ({time.time() - start:.0f} s)", flush=True)
            if len(probs) > 1:
                mean = sum(probs.values()) / len(probs)
                top1 = float(np.mean(mean.argmax(1) == truth))
                results.append((split, "mean of " + " + ".join(probs), top1, 0.0))
                print(f"split {split}  {'mean of the models':<34} top-1 {top1:.3f}", flush=True)
    print("\n| split | model | test top-1 | train+test time (s) |\n|---|---|---|---|")
    for split, name, top1, seconds in results:
        print(f"| {split} | {name} | {top1:.3f} | {seconds:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
