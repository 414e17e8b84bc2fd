"""GPU-hours of out-of-fold training (`miga train CONFIG --folds K`) per full config, from measured throughputs.

Reads each config's schedule (epochs, dataset repeats, validation interval) and its validation and test views
per clip (clips × crops × flips), and combines them with the train and test clips/s measured on one H100 by
`benchmarks/full_configs_gpu.py` (docs/benchmarks.md, "Full-size configs on a GPU"; model only, no data
loading, so these are lower bounds where the loaders cannot keep up). A fold model trains on (K-1)/K of the
13,670 labelled clips, validates every `val_interval` epochs on its held-out fifth and predicts the held-out
clips and the 4,562 test clips with the config's test-time augmentation. The single model it replaces trains
on the 12,893 training clips, validates on the 777 validation clips and predicts val and test.

    python benchmarks/oof_cost.py [--folds 5] [--configs posec3d_joint swin_t_rgb ...]
"""
import argparse

TRAIN_CLIPS, VAL_CLIPS, TEST_CLIPS = 12_893, 777, 4_562
LABELLED = TRAIN_CLIPS + VAL_CLIPS
# config: (train clips/s, test clips/s), one H100 80GB, AMP (docs/benchmarks.md). Test clips/s is per view.
MEASURED = {
    "posec3d_joint": (100.9, 312.0), "posec3d_limb": (99.6, 302.4),
    "rgbposec3d_joint": (58.3, 280.0), "rgbposec3d_limb": (57.0, 281.0),
    "stgcnpp_joint": (194.3, 601.6), "stgcnpp_bone": (198.6, 826.4),
    "swin_t_rgb": (46.0, 130.0), "swin_s_rgb": (28.0, 82.3), "swin_b_rgb": (21.9, 62.0),
    "swin_t_taylor": (45.0, 131.5), "swin_t_flow": (44.7, 126.6), "swin_t_depth": (46.1, 129.7),
    "mvit_s_rgb": (33.6, 168.5),
}


def views(pipeline):
    """Views of one clip that a test pipeline runs the model on: clips × crops × flips."""
    count = 1
    for step in pipeline:
        count *= step.get("num_clips", 1) if "SampleFrames" in step["type"] else 1
        count *= {"ThreeCrop": 3, "TenCrop": 10}.get(step["type"], 1)
        count *= 2 if step.get("double") else 1
    return count


def schedule(name):
    import models  # noqa: F401  (the OpenMMLab repairs)
    from models.runner.config import config_path, leaf_dataset, load_config

    cfg = load_config(config_path(name))
    dataset = cfg.train_dataloader.dataset
    repeat = dataset.get("times", 1) if dataset.get("type") == "RepeatDataset" else 1
    val_interval = cfg.train_cfg.get("val_interval", 1)
    return (cfg.train_cfg.max_epochs, repeat, val_interval, views(leaf_dataset(cfg.val_dataloader).pipeline),
            views(leaf_dataset(cfg.test_dataloader).pipeline))


def hours(train_clips, validated, predicted, epochs, repeat, val_interval, val_views, test_views, rates):
    train_rate, test_rate = rates
    seconds = train_clips * repeat * epochs / train_rate
    seconds += (epochs // val_interval) * validated * val_views / test_rate
    seconds += predicted * test_views / test_rate
    return seconds / 3600


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--configs", nargs="+", default=list(MEASURED))
    args = parser.parse_args()
    k = args.folds
    held_out = LABELLED / k
    print(f"| config | epochs × repeat | test views | one model (train split) | one fold | {k} folds | ratio |")
    print("|---|---|---|---|---|---|---|")
    for name in args.configs:
        epochs, repeat, val_interval, val_views, test_views = schedule(name)
        single = hours(TRAIN_CLIPS, VAL_CLIPS, VAL_CLIPS + TEST_CLIPS, epochs, repeat, val_interval, val_views,
                       test_views, MEASURED[name])
        fold = hours(LABELLED - held_out, held_out, held_out + TEST_CLIPS, epochs, repeat, val_interval, val_views,
                     test_views, MEASURED[name])
        print(f"| {name} | {epochs} × {repeat} | {test_views} | {single:.1f} | {fold:.1f} | {k * fold:.1f} | "
              f"{k * fold / single:.1f}× |")


if __name__ == "__main__":
    main()
