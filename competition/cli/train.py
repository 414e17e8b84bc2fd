"""miga train: train an mmaction2 config (models/configs) through mmengine's Runner.

Single process: `miga train CONFIG`. Several GPUs on one machine (mmengine's launcher through torchrun):
    torchrun --nproc_per_node=4 -m competition.cli train CONFIG --launcher pytorch
Several machines: add `--nnodes=N --node_rank=R --master_addr=HOST --master_port=29500` to torchrun on
each machine. The batch size in the config is per GPU.

The console shows a progress bar per epoch and one line per validation; the full log (config, environment,
mmengine's INFO lines) is in WORK_DIR/<timestamp>/, TensorBoard scalars in WORK_DIR/<timestamp>/vis_data.
"""
from pathlib import Path

from competition.cli.options import add_verbose


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
    from models.runner.distributed import LAUNCHERS
    parser.add_argument("--launcher", choices=LAUNCHERS, default="none",
                        help="job launcher for distributed training (pytorch = under torchrun)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: mmengine's)")
    from models.runner.config import DictAction
    parser.add_argument("--cfg-options", nargs="+", action=DictAction, default={}, metavar="KEY=VALUE",
                        help="override config entries, e.g. train_cfg.max_epochs=5 data_root=/data/prep")
    add_verbose(parser)


def run(args):
    from models.runner.distributed import is_main_process
    from models.runner.train import prepare_config, train

    cfg = prepare_config(args.config, work_dir=args.work_dir, data_root=args.data_root, resume=args.resume,
                         load_from=args.load_from, amp=args.amp, launcher=args.launcher, seed=args.seed,
                         cfg_options=args.cfg_options)
    runner = train(cfg, verbose=args.verbose)
    if is_main_process():
        last = Path(cfg.work_dir) / "last_checkpoint"
        if last.exists():
            print(f"checkpoint: {last.read_text().strip()}")
        print(f"log: {runner.log_file}  (scalars: tensorboard --logdir {cfg.work_dir})")
    return 0
