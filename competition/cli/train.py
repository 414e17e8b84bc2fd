"""miga train: train an mmaction2 config (models/configs) through mmengine's Runner.

Single process: `miga train CONFIG`. Several GPUs on one machine (mmengine's launcher through torchrun):
    torchrun --nproc_per_node=4 -m competition.cli train CONFIG --launcher pytorch
Several machines: add `--nnodes=N --node_rank=R --master_addr=HOST --master_port=29500` to torchrun on
each machine. The batch size in the config is per GPU.

The console shows a progress bar per epoch and one line per validation; the full log (config, environment,
mmengine's INFO lines) is in WORK_DIR/<timestamp>/, TensorBoard scalars in WORK_DIR/<timestamp>/vis_data.

Out-of-fold training: `miga train CONFIG --folds K --out predictions/NAME` trains K fold models over every
labelled clip (train + val) on the prepared dataset's fold file, each in WORK_DIR/fold<k>, and writes
OUT/oof.npz and OUT/test.npz; `--fold k` runs one fold (on another GPU or machine), torchrun as above.
"""
from pathlib import Path

from competition.cli.options import (
    add_training_options,
    at_least,
    print_last_checkpoint,
    print_run_log,
    training_config_options,
)


def add_arguments(parser):
    add_training_options(parser, load_from_help="start from these weights (e.g. trained on another dataset, or "
                                                "a `miga pretrain` checkpoint); layers whose shape differs, such "
                                                "as the classifier for another class count, are re-initialised")
    folds = parser.add_argument_group(
        "out-of-fold training (docs/models.md#out-of-fold-training)",
        "K models, each trained on the labelled clips (train + val) of K-1 folds and predicting the fold it did "
        "not see; folds keep a video (a subject, when videos.csv names them) whole and come from one file in "
        "the prepared dataset, PREPARED/folds/, shared by every config. A fold's run folder is WORK_DIR/fold<k> "
        "(default WORK_DIR: work_dirs/<config>_oof) "
        "(resumed when interrupted; a finished fold is kept); OUT gets oof.npz and test.npz (the mean of the "
        "fold models) once every fold has finished")
    folds.add_argument("--folds", type=at_least(2), metavar="K", help="train K fold models")
    folds.add_argument("--fold", type=at_least(0), action="append", metavar="k",
                       help="only fold k (0..K-1; repeatable), e.g. one fold per GPU or machine")
    folds.add_argument("--out", type=Path, metavar="OUT",
                       help="prediction folder of the fold models, e.g. predictions/posec3d_joint_oof")
    folds.add_argument("--fold-seed", type=int, default=0,
                       help="seed of the fold assignment (another seed is another fold file)")


def run(args):
    if args.folds is None:
        if args.fold or args.out:
            from competition.core.errors import DataError
            raise DataError("--fold/--out", "belong to out-of-fold training: give --folds K too")
        from models.runner.train import prepare_config, train

        cfg = prepare_config(args.config, **training_config_options(args))
        runner = train(cfg, verbose=args.verbose)
        print_last_checkpoint(cfg.work_dir)
        print_run_log(runner, cfg.work_dir)
        return 0
    return _run_folds(args)


def _run_folds(args):
    from competition.core.errors import DataError
    from models.runner.config import config_path
    from models.runner.folds import FoldJob, train_folds
    from models.runner.train import work_dir_for

    if args.out is None:
        raise DataError("--folds", "needs --out, the prediction folder (e.g. predictions/NAME) for oof.npz and "
                                   "test.npz")
    if args.resume:
        print("note: out-of-fold runs always resume an interrupted fold; --resume is not needed")
    path = config_path(args.config)
    options = training_config_options(args)
    job = FoldJob(config=path, folds=args.folds, out=args.out,
                  work_dir=Path(options["work_dir"] or work_dir_for(path).with_name(f"{work_dir_for(path).name}_oof")),
                  data_root=options["data_root"], seed=options["seed"], fold_seed=args.fold_seed,
                  amp=options["amp"], launcher=options["launcher"], load_from=options["load_from"],
                  cfg_options=options["cfg_options"], verbose=args.verbose)
    written = train_folds(job, only=args.fold, report=lambda line: print(line, flush=True))
    for path in written:
        print(f"wrote {path}")
    return 0
