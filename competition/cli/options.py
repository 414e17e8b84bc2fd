"""Options that several commands share, defined once."""
from competition.core.constants import TRACKS


def add_track(parser):
    parser.add_argument("--track", type=int, choices=TRACKS, required=True)


def add_format_source(parser, required=False):
    """--data / --ids / --sample: where a submission's columns and exact id set come from."""
    source = parser.add_mutually_exclusive_group(required=required)
    source.add_argument("--data", metavar="PREPARED",
                        help="prepared dataset: its sample_submission_track<T>.csv (columns, id form, row order), "
                             "else its test clips (Track 1) / videos (Track 3)")
    source.add_argument("--ids", metavar="LIST", help="test ids: iMiGUE_test_clips_list.txt (`<id>.mp4 <label>`), "
                                                       "one id per line, or a JSON list")
    source.add_argument("--sample", metavar="CSV", help="the competition's sample_submission.csv")


def add_verbose(parser):
    parser.add_argument("--verbose", action="store_true",
                        help="show mmengine's INFO lines (config, environment, every logged iteration) on the "
                             "console too; they always go to the run's log file")


def at_least(minimum):
    """An argparse type: an integer no smaller than `minimum` (argparse reports anything else, exit 2)."""
    import argparse

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


def add_training_options(parser, load_from_help, example="tiny/posec3d_joint"):
    """The options of a training run through mmengine's Runner (`miga train`, `miga pretrain`)."""
    parser.add_argument("config", help=f"config file, or a name under models/configs (e.g. {example})")
    parser.add_argument("--work-dir", help="where checkpoints and logs go (default: work_dirs/<config name>)")
    parser.add_argument("--data-root", help="the prepared dataset (default: $MIGA_DATA, else data/prepared)")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the last checkpoint in the work dir (after an interruption)")
    parser.add_argument("--load-from", metavar="CKPT", help=load_from_help)
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


def training_config_options(args):
    """The keyword arguments of models.runner.train.prepare_config from those options."""
    return dict(work_dir=args.work_dir, data_root=args.data_root, resume=args.resume, load_from=args.load_from,
                amp=args.amp, launcher=args.launcher, seed=args.seed, cfg_options=args.cfg_options)


def print_last_checkpoint(work_dir):
    """Print the checkpoint a run left (on the main process only); returns its path or None."""
    from pathlib import Path

    from models.runner.distributed import is_main_process

    last = Path(work_dir) / "last_checkpoint"
    if not (is_main_process() and last.exists()):
        return None
    checkpoint = last.read_text().strip()
    print(f"checkpoint: {checkpoint}")
    return checkpoint


def print_run_log(runner, work_dir):
    """Print where a run's full log and its TensorBoard scalars are (on the main process only)."""
    from models.runner.distributed import is_main_process

    if is_main_process():
        print(f"log: {runner.log_file}  (scalars: tensorboard --logdir {work_dir})")
