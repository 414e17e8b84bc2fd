"""miga import-mmaction: convert an mmaction2 --dump pickle into probability files.

The dump is a pickle: loading it can run any code its author put in it. Import only dumps you made yourself.
"""
from competition.core.constants import SPLITS, TRACKS


def add_arguments(parser):
    parser.add_argument("dump", help="the .pkl file written by mmaction2's tools/test.py --dump")
    parser.add_argument("--ann", required=True, help="the annotation list the dump was made on (.txt list or "
                                                     "prepared pose .npz)")
    parser.add_argument("--ann-split", help="with a pose .npz: the split the dump was made on")
    parser.add_argument("--out", required=True, help="model folder, e.g. predictions/swin_b_rgb")
    parser.add_argument("--split", choices=SPLITS, required=True, help="which split it is")
    parser.add_argument("--track", type=int, choices=TRACKS, default=1)
    parser.add_argument("--softmax", action="store_true",
                        help="the scores are logits (average_clips='score'): turn them into probabilities")


def run(args):
    from models.runner.import_mmaction import import_dump

    written = import_dump(args.dump, args.ann, args.out, args.split, ann_split=args.ann_split, track=args.track,
                          softmax=args.softmax)
    for file in written:
        print(f"wrote {file}")
    return 0
