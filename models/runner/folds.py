"""Out-of-fold training: K fold models of one config on the prepared dataset's fold file (docs/models.md).

Fold k trains on every labelled clip (train and val splits) of the other folds, validates on its own held-out
clips (logged only: no checkpoint is chosen by them, the last one predicts), then predicts its held-out clips
and the test split. Each fold is its own run, resumable and runnable alone, on any machine that sees the
prepared dataset, under torchrun like any training:

    WORK/fold<k>/                       fold k's run folder: checkpoints, logs, clip lists, fold_run.json
    OUT/folds/fold<k>/oof.npz, test.npz fold k's predictions: its held-out clips, the test split (and the logs)
    OUT/oof.npz, OUT/test.npz           written by `collect_folds` (models.runner.fold_collect)

A fold whose predictions exist with the same settings is kept; a run folder started with other settings
(config, its options, seed, initial weights, fold file) is refused rather than resumed with the new ones.
"""
import hashlib
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from competition.core.atomic import write_text
from competition.core.constants import OOF
from competition.core.errors import DataError
from competition.core.ids import id_from_name
from competition.core.probabilities import load_probabilities
from competition.core.provenance import sha256_file

RUN_RECORD = "fold_run.json"
LIST_DATASETS = ("PreparedPoseDataset",)  # datasets that take a `clip_list`; the others read a list file
LABELLED_LISTS = ("train", "val")


@dataclass(frozen=True)
class FoldJob:
    """One config's out-of-fold training: what every fold shares (the options of `miga train --folds`)."""
    config: Path
    folds: int
    out: Path
    work_dir: Path
    data_root: str | None = None
    seed: int | None = None
    fold_seed: int = 0
    amp: str = "auto"
    launcher: str = "none"
    load_from: str | None = None
    cfg_options: dict = field(default_factory=dict)
    track: int = 1
    verbose: bool = False  # mmengine's INFO lines on the console too

    def settings(self, fold_file):
        """What decides a fold model's predictions; a run or a prediction made with other settings is not reused.
        Contents, not paths: folds trained on machines that mount the files elsewhere still belong together."""
        return {"config": self.config.name, "config_sha256": sha256_file(self.config),
                "cfg_options": json.loads(json.dumps(self.cfg_options, sort_keys=True, default=str)),
                "seed": self.seed,
                "load_from_sha256": None if self.load_from is None else _checkpoint_sha256(self.load_from),
                "fold_file_sha256": fold_file.sha256, "folds": fold_file.folds}


def _checkpoint_sha256(path):
    if not Path(path).is_file():
        raise DataError(path, "--load-from: no such checkpoint")
    return sha256_file(path)


def settings_digest(settings) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]


def fold_dir(out, fold) -> Path:
    """Where fold `fold` writes its predictions."""
    return Path(out) / "folds" / f"fold{int(fold)}"


def run_dir(work_dir, fold) -> Path:
    """Fold `fold`'s run folder."""
    return Path(work_dir) / f"fold{int(fold)}"


def restrict_to_clips(dataset_cfg, ids, list_path):
    """Point a leaf dataset config at exactly the clips `ids` of the labelled splits, through a list file.

    Pose datasets (PreparedPoseDataset) get a `clip_list` of ids; list-file datasets (VideoDataset and its
    kin) a list of the lines of `<folder>/train.txt` and `val.txt` for those clips.
    """
    list_path = Path(list_path).resolve()
    ids = [str(i) for i in ids]
    if dataset_cfg.get("type") in LIST_DATASETS:
        write_text(list_path, "".join(f"{i}\n" for i in ids))
        dataset_cfg["clip_list"] = str(list_path)
        return list_path
    ann_file = str(dataset_cfg.get("ann_file", ""))
    if not ann_file.endswith(".txt"):
        raise DataError(ann_file or str(dataset_cfg.get("type")),
                        f"a {dataset_cfg.get('type')} dataset reads no clip list, so out-of-fold training cannot "
                        f"give it one fold's clips; folds need {', '.join(LIST_DATASETS)} or a list-file dataset")
    folder = (Path(dataset_cfg.get("data_root") or "") / ann_file).parent
    lines = {}
    for split in LABELLED_LISTS:
        path = folder / f"{split}.txt"
        if path.is_file():
            for line in path.read_text().splitlines():
                if line.strip():
                    lines[id_from_name(line.split()[0])] = line
    missing = [i for i in ids if i not in lines]
    if missing:
        raise DataError(folder, f"train.txt and val.txt lack {len(missing)} clip(s) of the fold, e.g. {missing[:5]}; "
                                "is this list made from the dataset the fold file was made from?")
    write_text(list_path, "".join(lines[i] + "\n" for i in ids))
    dataset_cfg["ann_file"] = str(list_path)
    dataset_cfg.pop("extra_ann_files", None)
    return list_path


def fold_train_config(job, fold_file, fold, resume):
    """The Config of fold `fold`'s training: the config's own, on the fold's clips, in the fold's run folder."""
    from models.runner.config import leaf_dataset
    from models.runner.train import prepare_config

    run = run_dir(job.work_dir, fold)
    cfg = prepare_config(job.config, work_dir=run, data_root=job.data_root, resume=resume,
                         load_from=None if resume else job.load_from, amp=job.amp, launcher=job.launcher,
                         seed=job.seed, cfg_options=job.cfg_options)
    restrict_to_clips(leaf_dataset(cfg.train_dataloader), fold_file.training(fold), run / "clips" / "train.txt")
    if cfg.get("val_dataloader"):
        restrict_to_clips(leaf_dataset(cfg.val_dataloader), fold_file.held_out(fold), run / "clips" / "heldout.txt")
    checkpoint_hook = (cfg.get("default_hooks") or {}).get("checkpoint")
    if checkpoint_hook is not None:
        checkpoint_hook["save_best"] = None  # the held-out clips choose nothing: the last checkpoint predicts
    return cfg


def fold_finished(job, fold, digest) -> bool:
    """True when fold `fold`'s held-out and test predictions exist and were made with these settings."""
    folder = fold_dir(job.out, fold)
    for name in (f"{OOF}.npz", "test.npz"):
        path = folder / name
        if not path.is_file() or load_probabilities(path).meta.get("fold_settings") != digest:
            return False
    return True


def check_run_record(job, fold, settings):
    """Refuse a run folder started with other settings; record the settings in a new one (rank 0 writes)."""
    from models.runner.distributed import is_main_process

    path = run_dir(job.work_dir, fold) / RUN_RECORD
    if path.is_file():
        try:
            recorded = json.loads(path.read_text())
        except ValueError:
            recorded = None
        if recorded != settings:
            changed = sorted(k for k in settings if not isinstance(recorded, dict) or recorded.get(k) != settings[k])
            raise DataError(path, f"fold {fold} was started with other settings ({', '.join(changed)} differ); "
                                  "remove its run folder to start it again, or give another --work-dir")
    elif is_main_process():
        write_text(path, json.dumps(settings, indent=2) + "\n")


def last_checkpoint(run) -> Path | None:
    record = Path(run) / "last_checkpoint"
    if not record.is_file():
        return None
    path = Path(record.read_text().strip())
    return path if path.is_file() else None


def run_fold(job, fold_file, fold, report=print):
    """Train fold `fold` (or resume it) and write its predictions; returns 'kept' or 'trained'."""
    from models.runner.distributed import is_main_process
    from models.runner.train import train

    settings = job.settings(fold_file)
    digest = settings_digest(settings)
    if fold_finished(job, fold, digest):
        if is_main_process():
            report(f"fold {fold}: finished earlier with these settings, kept ({fold_dir(job.out, fold)})")
        return "kept"
    check_run_record(job, fold, settings)
    run = run_dir(job.work_dir, fold)
    resume = last_checkpoint(run) is not None
    if is_main_process():
        report(f"fold {fold}: {'resuming' if resume else 'training'} on {len(fold_file.training(fold))} clips, "
               f"{len(fold_file.held_out(fold))} held out; run folder {run}")
    train(fold_train_config(job, fold_file, fold, resume), verbose=job.verbose)
    checkpoint = last_checkpoint(run)
    if checkpoint is None:
        raise DataError(run, f"fold {fold}'s training left no checkpoint")
    written = predict_fold(job, fold_file, fold, checkpoint, digest)
    if is_main_process():
        report(f"fold {fold}: wrote " + ", ".join(str(p) for p in written))
    return "trained"


def predict_fold(job, fold_file, fold, checkpoint, digest):
    """Fold `fold`'s model on its held-out clips (OUT/folds/fold<k>/oof.npz) and the test split (test.npz)."""
    import models.components.metrics  # noqa: F401  (registers CollectClipScores)
    from models.runner.config import leaf_dataset
    from models.runner.predict import collect_scores, describe_tta, predict_config, write_probability_files

    meta = {"fold": int(fold), "folds": fold_file.folds, "fold_file": str(fold_file.path.resolve()),
            "fold_file_sha256": fold_file.sha256, "fold_by": fold_file.by, "fold_seed": fold_file.seed,
            "fold_settings": digest}
    written = []
    for rows_name in (OOF, "test"):
        with tempfile.TemporaryDirectory(prefix="miga-fold-") as work_dir:
            cfg = predict_config(job.config, checkpoint, "test", data_root=job.data_root,
                                 cfg_options=job.cfg_options, work_dir=work_dir, launcher=job.launcher)
            dataset = leaf_dataset(cfg.test_dataloader)
            if rows_name == OOF:
                restrict_to_clips(dataset, fold_file.held_out(fold), Path(work_dir) / "heldout.txt")
            rows = collect_scores(cfg, job.verbose, keep_log=fold_dir(job.out, fold) / f"{rows_name}.log")
        if rows is None:  # not rank 0 of a distributed run
            continue
        if not rows:
            raise DataError(dataset.get("ann_file"), f"fold {fold}: no clips to predict for {rows_name}")
        written += write_probability_files(
            fold_dir(job.out, fold), rows_name, rows, track=job.track, config=job.config, checkpoint=checkpoint,
            fold=fold if rows_name == OOF else None,
            extra_meta=dict(meta, test_time_augmentation=describe_tta(dataset.pipeline),
                            data_root=str(cfg.get("data_root"))))
    return written


def train_folds(job, only=None, report=print):
    """Run every fold of `job` (or the folds in `only`), then collect OUT/oof.npz and OUT/test.npz once all K
    folds are finished; returns the collected paths ([] while folds remain, and on ranks other than 0)."""
    from competition.data.fold_files import ensure_fold_file
    from models.runner.config import load_config
    from models.runner.distributed import is_main_process
    from models.runner.fold_collect import collect_folds, fold_status

    data_root = load_config(job.config, cfg_options=job.cfg_options, data_root=job.data_root).get("data_root")
    fold_file = ensure_fold_file(data_root, job.folds, job.fold_seed)
    if is_main_process():
        report(f"folds: {fold_file.describe()}")
    wanted = list(range(fold_file.folds)) if only is None else sorted(set(only))
    bad = [k for k in wanted if not 0 <= k < fold_file.folds]
    if bad:
        raise DataError("--fold", f"folds are numbered 0..{fold_file.folds - 1}, got {bad}")
    for fold in wanted:
        run_fold(job, fold_file, fold, report)
    if not is_main_process():
        return []
    _, problems = fold_status(job.out)
    if problems:
        report(f"folds still to run: {sorted(problems)}; when they are done, `miga collect-folds {job.out}` (or the "
               "last fold's run) writes oof.npz and test.npz")
        return []
    return collect_folds(job.out)
