"""miga pretrain: masked video pretraining (VideoMAE-style) of a ViT encoder on the unlabeled corpus.

    miga corpus data/raw data/prepared                        # the corpus index, once
    miga pretrain pretrain/videomae_vit_b --raw-root data/raw # work_dirs/videomae_vit_b/
    torchrun --nproc_per_node 8 -m competition.cli pretrain pretrain/videomae_vit_b --launcher pytorch
    miga train vit_b_rgb --load-from work_dirs/videomae_vit_b/epoch_800.pth

Runs through the same Runner as `miga train` (AMP on a GPU, --resume, torchrun); the batch size in the
config is per GPU and the lr follows the total batch (VideoMAE's 1.5e-4 per 256 clips).
"""
from competition.cli.options import add_training_options, print_last_checkpoint, print_run_log, training_config_options


def add_arguments(parser):
    add_training_options(parser, load_from_help="start from the weights of another run of this model (tensors "
                                                "matched by name and shape); to continue VideoMAE's released "
                                                "encoder on this domain use --cfg-options "
                                                "model.backbone.pretrained=FILE instead",
                         example="pretrain/videomae_vit_b")
    parser.add_argument("--raw-root", help="the raw download whose long videos the corpus lists (default: "
                                           "$MIGA_RAW, else data/raw)")


def run(args):
    from models.runner.pretrain import prepare_pretrain_config, pretrain

    cfg = prepare_pretrain_config(args.config, raw_root=args.raw_root, **training_config_options(args))
    runner = pretrain(cfg, verbose=args.verbose)
    checkpoint = print_last_checkpoint(cfg.work_dir)
    print_run_log(runner, cfg.work_dir)
    if checkpoint:
        for config in cfg.get("fine_tune_configs", []):
            print(f"fine-tune: miga train {config} --load-from {checkpoint}")
    return 0
