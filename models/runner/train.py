"""Train an mmaction2 config through the toolkit's Runner: one process, or one per GPU under torchrun
(models.runner.distributed). The batch size in the config is per GPU.
"""
from pathlib import Path

from competition.core.atomic import check_folder
from competition.core.errors import DataError

DEFAULT_WORK_ROOT = Path("work_dirs")


def work_dir_for(config_path):
    path = Path(config_path)
    name = f"{path.parent.name}_{path.stem}" if path.parent.name == "tiny" else path.stem
    return DEFAULT_WORK_ROOT / name


def prepare_config(config, *, work_dir=None, data_root=None, resume=False, load_from=None, amp="auto",
                   launcher="none", seed=None, cfg_options=None, raw_root=None):
    """The mmengine Config for a training run (see `add_arguments` for the meaning of each option)."""
    import torch

    from models.runner.config import config_path, load_config
    from models.runner.distributed import configure_launcher

    path = config_path(config)
    cfg = load_config(path, cfg_options=cfg_options, data_root=data_root, raw_root=raw_root)
    cfg.work_dir = str(work_dir or cfg.get("work_dir") or work_dir_for(path))
    check_folder(cfg.work_dir, "--work-dir names a folder")
    configure_launcher(cfg, launcher)
    cfg.resume = bool(resume)
    if seed is not None:
        cfg.randomness = dict(cfg.get("randomness") or {}, seed=seed)
    if amp == "on" or (amp == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise DataError(path, "--amp on needs a GPU; none is visible")
        cfg.optim_wrapper.type = "AmpOptimWrapper"
        cfg.optim_wrapper.setdefault("loss_scale", "dynamic")
    if load_from is not None:
        if resume:
            raise DataError(load_from, "--load-from starts a new training; --resume continues one. Give one.")
        from models.runner.transfer import transfer_checkpoint
        cfg.load_from = str(transfer_checkpoint(load_from, cfg, Path(cfg.work_dir)))
    return cfg


def train(cfg, verbose=False):
    """Run the training described by `cfg`; returns the Runner (its work_dir holds the checkpoints, its
    `log_file` the full log). `verbose`: mmengine's INFO lines on the console too."""
    from models.runner.distributed import init_process_group
    from models.runner.runner import build_runner

    _check_data(cfg)
    init_process_group(cfg)
    runner = build_runner(cfg, verbose)
    try:
        runner.train()
    finally:
        runner.close_log()
    return runner


def _check_data(cfg):
    from models.runner.config import leaf_dataset, require_clips

    for loader in ("train_dataloader", "val_dataloader"):
        if cfg.get(loader):
            require_clips(leaf_dataset(cfg[loader]))
