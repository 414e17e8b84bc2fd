"""miga predict: predict a split with a trained model; write its probability file and the run's log beside it."""
from pathlib import Path

from competition.cli.options import add_verbose
from competition.core.constants import SPLITS, TRACKS


def add_arguments(parser):
    parser.add_argument("config", help="config file, or a name under models/configs")
    parser.add_argument("checkpoint", help="trained weights (.pth)")
    parser.add_argument("--split", choices=SPLITS, required=True, help="which split of the prepared dataset")
    parser.add_argument("--out", required=True, help="model folder, e.g. predictions/posec3d_joint; the file "
                                                     "written is OUT/<split>.npz")
    parser.add_argument("--data-root", help="the prepared dataset (default: $MIGA_DATA, else data/prepared)")
    parser.add_argument("--track", type=int, choices=TRACKS, default=1, help="competition track of the labels")
    parser.add_argument("--batch-size", type=int, help="test batch size (default: the config's)")
    from models.runner.distributed import LAUNCHERS
    parser.add_argument("--launcher", choices=LAUNCHERS, default="none",
                        help="pytorch = under torchrun: every rank predicts a shard, rank 0 writes the one file")
    from models.runner.config import DictAction
    parser.add_argument("--cfg-options", nargs="+", action=DictAction, default={}, metavar="KEY=VALUE",
                        help="override config entries")
    add_verbose(parser)


def run(args):
    from models.runner.predict import predict_split

    written = predict_split(args.config, args.checkpoint, args.split, args.out, data_root=args.data_root,
                            batch_size=args.batch_size, cfg_options=args.cfg_options, launcher=args.launcher,
                            track=args.track, verbose=args.verbose)
    for file in written:
        print(f"wrote {file}")
    if written:
        print(f"log: {Path(args.out) / (args.split + '.log')}")
    return 0
