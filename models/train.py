"""Train an mmaction2 config through mmengine's Runner.

Single process: `miga train CONFIG`. Several GPUs on one machine (mmengine's launcher through torchrun):
    torchrun --nproc_per_node=4 -m competition.cli train CONFIG --launcher pytorch
Several machines: add `--nnodes=N --node_rank=R --master_addr=HOST --master_port=29500` to torchrun on
each machine. The batch size in the config is per GPU.
"""
from pathlib import Path

from competition.errors import DataError

DEFAULT_WORK_ROOT = Path("work_dirs")


def add_arguments(parser):
    parser.add_argument("config", help="config file, or a name under models/configs (e.g. tiny/posec3d_joint)")
    parser.add_argument("--work-dir", help="where checkpoints and logs go (default: work_dirs/<config name>)")
    parser.add_argument("--data-root", help="the prepared dataset (default: $MIGA_DATA, else data/prepared)")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the last checkpoint in the work dir (after an interruption)")
    parser.add_argument("--load-from", metavar="CKPT",
                        help="start from these weights (e.g. trained on another dataset); layers whose shape "
                             "differs, such as the classifier for another class count, are re-initialised")
    parser.add_argument("--amp", choices=("auto", "on", "off"), default="auto",
                        help="mixed precision: auto = on when training on a GPU")
    from models.distributed import LAUNCHERS
    parser.add_argument("--launcher", choices=LAUNCHERS, default="none",
                        help="job launcher for distributed training (pytorch = under torchrun)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: mmengine's)")
    from models.config import DictAction
    parser.add_argument("--cfg-options", nargs="+", action=DictAction, default={}, metavar="KEY=VALUE",
                        help="override config entries, e.g. train_cfg.max_epochs=5 data_root=/data/prep")


def work_dir_for(config_path):
    path = Path(config_path)
    name = f"{path.parent.name}_{path.stem}" if path.parent.name == "tiny" else path.stem
    return DEFAULT_WORK_ROOT / name


def prepare_config(config, *, work_dir=None, data_root=None, resume=False, load_from=None, amp="auto",
                   launcher="none", seed=None, cfg_options=None):
    """The mmengine Config for a training run (see `add_arguments` for the meaning of each option)."""
    import torch

    from models.config import config_path, load_config
    from models.distributed import configure_launcher

    path = config_path(config)
    cfg = load_config(path, cfg_options=cfg_options, data_root=data_root)
    cfg.work_dir = str(work_dir or cfg.get("work_dir") or work_dir_for(path))
    configure_launcher(cfg, launcher)
    cfg.resume = bool(resume)
    if seed is not None:
        cfg.randomness = dict(seed=seed)
    if amp == "on" or (amp == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise DataError(path, "--amp on needs a GPU; none is visible")
        cfg.optim_wrapper.type = "AmpOptimWrapper"
        cfg.optim_wrapper.setdefault("loss_scale", "dynamic")
    if load_from is not None:
        if resume:
            raise DataError(load_from, "--load-from starts a new training; --resume continues one. Give one.")
        from models.transfer import transfer_checkpoint
        cfg.load_from = str(transfer_checkpoint(load_from, cfg, Path(cfg.work_dir)))
    return cfg


def train(cfg):
    """Run the training described by `cfg`; returns the Runner (its work_dir holds the checkpoints)."""
    from mmengine.runner import Runner

    from models.distributed import init_process_group

    _check_data(cfg)
    init_process_group(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def _check_data(cfg):
    from models.config import leaf_dataset

    dataset = leaf_dataset(cfg.train_dataloader)
    ann = Path(dataset.get("data_root", "")) / dataset.ann_file
    if not ann.exists():
        raise DataError(ann, "the training annotations are missing: is the prepared dataset there? Set it with "
                             "--data-root, MIGA_DATA or --cfg-options data_root=... (docs/prepared-dataset.md); "
                             "Taylor/flow/depth videos come from `miga modality`")


def run(args):
    cfg = prepare_config(args.config, work_dir=args.work_dir, data_root=args.data_root, resume=args.resume,
                         load_from=args.load_from, amp=args.amp, launcher=args.launcher, seed=args.seed,
                         cfg_options=args.cfg_options)
    runner = train(cfg)
    from models.distributed import is_main_process
    if is_main_process():
        last = Path(cfg.work_dir) / "last_checkpoint"
        if last.exists():
            print(f"checkpoint: {last.read_text().strip()}")
    del runner
    return 0
