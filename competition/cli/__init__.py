"""The `miga` command: argument parsing only. Each subcommand is a module of this package (its name with
`-` as `_`), imported only when it runs; the work happens in the layers below.

A command module provides `add_arguments(parser)` and `run(args) -> int` (the exit status).
"""
import argparse
import importlib
import sys

from competition.core.errors import DataError

# name -> one-line help, in the order of the workflow. Help lines stand here so that `miga --help` imports
# nothing heavy.
COMMANDS = {
    "synth": "write a synthetic dataset in the exact raw layout of the competition download",
    "prepare": "convert the raw download into the prepared dataset mmaction2 trains on",
    "import-skeleton": "turn any skeleton dataset (arrays of joints per clip) into the prepared pose form",
    "modality": "make Taylor-video, optical-flow or depth clip videos for the video models",
    "corpus": "index the unlabeled corpus (long-video windows and cut clips) of masked video pretraining",
    "pretrain": "masked video pretraining (VideoMAE) of a ViT encoder on the unlabeled corpus",
    "train": "train an mmaction2 config (models/configs) through mmengine's Runner",
    "collect-folds": "write a model's out-of-fold oof.npz and fold-mean test.npz once all its folds are trained",
    "merge-weights": "merge trained RGB-only and pose-only weights into an RGBPoseConv3D model's initialisation",
    "predict": "predict a split with a trained model; write its probability file",
    "import-mmaction": "convert an mmaction2 --dump pickle into probability files",
    "features": "extract per-16-frame-chunk video embeddings with any mmaction2 backbone (Track 3)",
    "face-features": "embed face crops per 16-frame chunk with a timm image model (Track 3)",
    "train-video": "cross-validate a Track 3 video model by subject; write out-of-fold and test probabilities",
    "tune-video": "Optuna search of a Track 3 video model's hyperparameters on grouped CV folds",
    "ensemble": "fit ensemble weights on validation probabilities, with a cross-validated estimate",
    "submission": "apply an ensemble spec to the test probabilities; write the Kaggle CSV (+zip, manifest)",
    "validate": "check a submission CSV: header, exact id set, label range",
    "submit": "validate a submission and upload it to Kaggle with the official client",
    "submissions": "list your past Kaggle submissions of a track with their scores",
    "report": "error-analysis figures of the models and their ensemble: PNG files and one HTML page",
    "demo": "run the whole workflow on synthetic data",
}


def _top_parser():
    parser = argparse.ArgumentParser(
        prog="miga",
        description="MiGA challenge toolkit: raw download → prepared data → mmaction2 models → ensemble → "
                    "Kaggle submission.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="commands:\n" + "\n".join(f"  {name:<16}{text}" for name, text in COMMANDS.items())
               + "\n\nRun `miga COMMAND --help` for a command's options.")
    parser.add_argument("command", nargs="?", choices=sorted(COMMANDS), metavar="COMMAND")
    return parser


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        top = _top_parser()
        if not argv:
            top.print_help()
            return 2
        top.parse_args(argv[:1])  # prints help, or the error naming the unknown command
        return 2
    name, rest = argv[0], argv[1:]
    text = COMMANDS[name]
    module = importlib.import_module(f"competition.cli.{name.replace('-', '_')}")
    parser = argparse.ArgumentParser(prog=f"miga {name}", description=text,
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    module.add_arguments(parser)
    args = parser.parse_args(rest)
    try:
        return int(module.run(args) or 0)
    except DataError as error:
        print(f"miga {name}: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        if not _about_the_users_files(error):
            raise
        print(f"miga {name}: error: {error.filename}: {error.strerror}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"miga {name}: interrupted", file=sys.stderr)
        return 130



def _about_the_users_files(error):
    """An OS error about a path the user gave or owns (no permission, a file where a folder must be, a full
    disk): a message to act on, not a bug to trace."""
    import errno

    if error.filename is None:
        return False
    return (isinstance(error, (PermissionError, FileExistsError, NotADirectoryError, IsADirectoryError))
            or error.errno in (errno.ENOSPC, errno.EROFS, errno.EDQUOT))
