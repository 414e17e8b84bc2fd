"""Predict one split with a trained config and write probability files (docs/probability-files.md).

Runs the config's test dataloader (its test-time augmentation: several clips, flips or crops, averaged as
probabilities) on the chosen split through mmengine's Runner, and writes `OUT/<split>.npz` with the clip ids
from the dataset. Two-stream RGBPoseConv3D models also get `OUT-rgb/` and `OUT-pose/`, one per stream;
`OUT/` then holds their mean. The run's log (config, environment, every INFO line) is kept as
`OUT/<split>.log`; the Runner's work dir is a temporary folder.
"""
import json
import tempfile
from pathlib import Path

import numpy as np

from competition.core.errors import DataError


def _keep_ids(pipeline):
    for step in pipeline:
        if step.get("type") == "PackActionInputs":
            keys = list(step.get("meta_keys", ("img_shape", "img_key", "video_id", "timestamp")))
            step["meta_keys"] = tuple(keys + [k for k in ("frame_dir", "filename") if k not in keys])


def predict_config(config, checkpoint, split, *, data_root=None, batch_size=None, cfg_options=None,
                   work_dir=None, launcher="none"):
    """The Config of a test run on `split` (`config`: a path, a name, or an already loaded Config)."""
    from mmengine.config import Config

    from models.runner.config import config_path, leaf_dataset, load_config, set_split

    if isinstance(config, Config):
        cfg = config.copy()
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
    else:
        cfg = load_config(config_path(config), cfg_options=cfg_options, data_root=data_root)
    dataset = leaf_dataset(cfg.test_dataloader)
    set_split(dataset, split)
    _keep_ids(dataset.pipeline)
    if batch_size:
        cfg.test_dataloader.batch_size = batch_size
    # Gather the ranks' rows through the process group, not a temp folder that other machines cannot see.
    cfg.test_evaluator = dict(type="CollectClipScores", collect_device="gpu")
    # Every rank takes every world_size-th clip and the last ones are padded; `_in_dataset_order` relies on
    # this unshuffled order and checks it.
    cfg.test_dataloader.sampler = dict(type="DefaultSampler", shuffle=False)
    cfg.model.cls_head.average_clips = "prob"
    cfg.load_from = str(checkpoint)
    cfg.work_dir = str(work_dir or tempfile.mkdtemp(prefix="miga-predict-"))
    from models.runner.distributed import configure_launcher
    configure_launcher(cfg, launcher)
    cfg.pop("visualizer", None)
    return cfg


def collect_scores(cfg, verbose=False, keep_log=None):
    """Run the test loop; return [(clip id, label, scores)] in dataset order, each clip once.

    In a distributed run every rank runs its shard and rank 0 gets all rows; the other ranks get None.
    `keep_log`: a path that receives a copy of the run's log (rank 0), e.g. before its work dir is deleted.
    """
    from models.runner.config import leaf_dataset, require_clips
    from models.runner.distributed import init_process_group, is_main_process
    from models.runner.runner import build_runner

    require_clips(leaf_dataset(cfg.test_dataloader))
    init_process_group(cfg)
    runner = build_runner(cfg, verbose)
    try:
        runner.test()
    finally:
        runner.close_log()
        if keep_log and runner.log_file and Path(runner.log_file).is_file():
            from competition.core.atomic import write_bytes
            write_bytes(keep_log, Path(runner.log_file).read_bytes())
    if not is_main_process():
        return None
    dataset = runner.test_loop.dataloader.dataset
    return _in_dataset_order(runner.test_loop.evaluator.metrics[0].collected, dataset)


def _dataset_ids(dataset):
    from competition.core.ids import id_from_name
    from models.components.metrics import ID_KEYS

    ids = []
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        ids.append(id_from_name(next(info[k] for k in ID_KEYS if k in info)))
    return ids


def _in_dataset_order(rows, dataset):
    """The rows once per clip, in dataset order; a missing or foreign clip is an error, never a silent gap.

    A distributed sampler pads the last batch with repeats of the first clips; mmengine drops the padding
    by position, and a repeat that slipped through is dropped here by id.
    """
    expected = _dataset_ids(dataset)
    by_id = {}
    for row in rows:
        by_id.setdefault(row[0], row)
    missing = [clip for clip in expected if clip not in by_id]
    foreign = sorted(set(by_id) - set(expected))
    if missing or foreign or len(set(expected)) != len(expected):
        raise DataError(getattr(dataset, "ann_file", "test set"),
                        f"predictions do not cover the split once per clip: {len(expected)} clips, "
                        f"{len(by_id)} predicted ({len(missing)} missing, e.g. {missing[:3]}; "
                        f"{len(foreign)} unknown, e.g. {foreign[:3]}; clip ids must be unique)")
    return [by_id[clip] for clip in expected]


def streams(rows):
    """{stream name: (ids, labels, probs)}; '' is the model's own output (the mean of the streams)."""
    ids = np.array([r[0] for r in rows], dtype=str)
    labels = np.array([r[1] for r in rows], dtype=np.int64)
    scores = [r[2] for r in rows]
    if isinstance(scores[0], dict):
        names = sorted(scores[0])
        per_stream = {name: np.stack([s[name] for s in scores]) for name in names}
        out = {"": sum(per_stream.values()) / len(per_stream)}
        out.update({f"-{name}": value for name, value in per_stream.items()})
    else:
        out = {"": np.stack(scores)}
    return {suffix: (ids, labels, probs) for suffix, probs in out.items()}


def write_probability_files(out, split, rows, *, track, config=None, checkpoint=None, extra_meta=None,
                            source="", fold=None):
    """Write OUT/<split>.npz (and OUT-<stream>/<split>.npz for multi-stream models); return the paths.
    `fold`: the fold whose model predicted these held-out rows (split `oof`, models.runner.folds)."""
    from competition.core.probabilities import save_probabilities

    out = Path(out)
    written = []
    for suffix, (ids, labels, probs) in streams(rows).items():
        probs = np.asarray(probs, dtype=np.float64)
        if probs.ndim != 2 or (probs < 0).any() or not np.allclose(probs.sum(1), 1, atol=1e-3):
            raise DataError(source or out, "scores are not probabilities (rows must be non-negative and sum "
                                           "to 1); set the head's average_clips='prob'")
        probs = (probs / probs.sum(1, keepdims=True)).astype(np.float32)
        folder = out.with_name(out.name + suffix)
        meta = dict(extra_meta or {}, stream=suffix.lstrip("-") or "model")
        written.append(save_probabilities(folder / f"{split}.npz", ids, probs, labels, model=folder.name,
                                          track=track, split=split, config=config, checkpoint=checkpoint,
                                          extra_meta=meta,
                                          fold=None if fold is None else np.full(len(ids), fold, dtype=np.int64)))
    return written


def describe_tta(pipeline):
    """The test-time augmentation of a test pipeline, for the files' metadata."""
    keep = ("UniformSampleFrames", "MMUniformSampleFrames", "SampleFrames", "ThreeCrop", "TenCrop", "CenterCrop",
            "GeneratePoseTarget")
    steps = []
    for step in pipeline:
        if step.get("type") in keep:
            steps.append({k: v for k, v in step.items() if k in ("type", "clip_len", "num_clips", "crop_size",
                                                                 "double", "frame_interval")})
    return json.loads(json.dumps(steps, default=str))


def predict_split(config, checkpoint, split, out, *, data_root=None, batch_size=None, cfg_options=None,
                  launcher="none", track=1, verbose=False):
    """Predict `split` with a trained config and write OUT/<split>.npz (and per-stream files) with the run's
    log beside it (OUT/<split>.log); return the probability files' paths. In a distributed run only rank 0
    writes (the other ranks return [])."""
    import models.components.metrics  # noqa: F401  (registers CollectClipScores)
    from competition.core.atomic import check_folder
    from models.runner.checkpoints import checkpoint_problem
    from models.runner.config import config_path, leaf_dataset

    checkpoint, out = Path(checkpoint), Path(out)
    problem = checkpoint_problem(checkpoint)
    if problem:
        raise DataError(checkpoint, problem)
    check_folder(out, "--out names a folder")
    path = config_path(config)
    with tempfile.TemporaryDirectory(prefix="miga-predict-") as work_dir:
        cfg = predict_config(path, checkpoint, split, data_root=data_root, batch_size=batch_size,
                             cfg_options=cfg_options, work_dir=work_dir, launcher=launcher)
        dataset = leaf_dataset(cfg.test_dataloader)
        rows = collect_scores(cfg, verbose, keep_log=out / f"{split}.log")
    if rows is None:  # not rank 0 of a distributed run: rank 0 writes the files
        return []
    if not rows:
        raise DataError(dataset.ann_file, f"no clips in split {split} of {cfg.get('data_root')}")
    return write_probability_files(out, split, rows, track=track, config=path, checkpoint=checkpoint,
                                   extra_meta=dict(test_time_augmentation=describe_tta(dataset.pipeline),
                                                   data_root=str(cfg.get("data_root"))))
