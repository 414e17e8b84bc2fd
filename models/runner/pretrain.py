"""Masked video pretraining runs (`miga pretrain`): a training run of a pretraining config, checked first.

The run itself is `models.runner.train.train` — the toolkit's Runner with AMP, resume, torchrun and the
logs of every other training. Before it starts, the config must be a pretraining config and its corpus
must be there: the index written by `miga corpus` and the raw download its long videos are read from.
"""
from pathlib import Path

from competition.core.errors import DataError

PRETRAINER = "MaskedVideoPretrainer"


def prepare_pretrain_config(config, *, raw_root=None, **options):
    """The Config of a pretraining run (options as models.runner.train.prepare_config; `raw_root`: the
    download holding the long videos)."""
    from models.runner.config import load_config
    from models.runner.train import prepare_config

    model = load_config(config).model.get("type")  # checked before --load-from writes anything
    if model != PRETRAINER:
        raise DataError(config, f"not a pretraining config (its model is {model}, not {PRETRAINER}); the "
                                "pretraining configs are under models/configs/pretrain/; `miga train` fine-tunes")
    return prepare_config(config, raw_root=raw_root, **options)


def check_corpus(cfg):
    """The corpus entries of the run's dataset; DataError when the index or the long videos are missing."""
    from competition.data.corpus import read_corpus
    from models.runner.config import leaf_dataset

    dataset = leaf_dataset(cfg.train_dataloader)
    index = Path(dataset.get("data_root", "")) / dataset.ann_file
    entries = read_corpus(index)
    raw_root = Path(dataset.get("raw_root", ""))
    first = next((e for e in entries if e.source == "video"), None)
    if first is not None and not (raw_root / first.path).is_file():
        raise DataError(raw_root / first.path, "the long videos of the corpus are not there: point --raw-root (or "
                                               "MIGA_RAW) at the download `miga corpus` was given")
    if not entries:
        raise DataError(index, "the corpus index lists no video")
    return entries


def pretrain(cfg, verbose=False):
    """Run the pretraining described by `cfg`; returns the Runner (its work_dir holds the checkpoints).
    `verbose`: mmengine's INFO lines on the console too."""
    from models.runner.train import train

    check_corpus(cfg)
    return train(cfg, verbose)
