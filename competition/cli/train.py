"""miga train: train an mmaction2 config (models/configs) through mmengine's Runner.

Single process: `miga train CONFIG`. Several GPUs on one machine (mmengine's launcher through torchrun):
    torchrun --nproc_per_node=4 -m competition.cli train CONFIG --launcher pytorch
Several machines: add `--nnodes=N --node_rank=R --master_addr=HOST --master_port=29500` to torchrun on
each machine. The batch size in the config is per GPU.

The console shows a progress bar per epoch and one line per validation; the full log (config, environment,
mmengine's INFO lines) is in WORK_DIR/<timestamp>/, TensorBoard scalars in WORK_DIR/<timestamp>/vis_data.
"""
from competition.cli.options import add_training_options, print_last_checkpoint, print_run_log, training_config_options


def add_arguments(parser):
    add_training_options(parser, load_from_help="start from these weights (e.g. trained on another dataset, or "
                                                "a `miga pretrain` checkpoint); layers whose shape differs, such "
                                                "as the classifier for another class count, are re-initialised")


def run(args):
    from models.runner.train import prepare_config, train

    cfg = prepare_config(args.config, **training_config_options(args))
    runner = train(cfg, verbose=args.verbose)
    print_last_checkpoint(cfg.work_dir)
    print_run_log(runner, cfg.work_dir)
    return 0
