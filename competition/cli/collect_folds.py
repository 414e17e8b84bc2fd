"""miga collect-folds: the out-of-fold files of a model's finished folds (OUT/oof.npz, OUT/test.npz).

`miga train CONFIG --folds K --out OUT` collects by itself when its last fold finishes; run this after folds
trained on several machines (`--fold k`) were gathered under OUT/folds/. It refuses, naming them, folds that
are missing or were trained with other settings.
"""
from pathlib import Path


def add_arguments(parser):
    parser.add_argument("out", type=Path, metavar="OUT", help="the prediction folder given to `miga train --folds` "
                                                              "(its folds/fold<k>/ hold each fold's predictions)")
    parser.add_argument("--fold-file", type=Path, help="the prepared dataset's fold file, when it is not where the "
                                                       "folds recorded it (PREPARED/folds/…)")


def run(args):
    from models.runner.fold_collect import collect_folds

    for path in collect_folds(args.out, fold_file=args.fold_file):
        print(f"wrote {path}")
    return 0
