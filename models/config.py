"""Loading our mmaction2 configs: the repair layer first, options merged, the data root set everywhere.

Configs live in `models/configs/` (tiny variants in `models/configs/tiny/`). Each dataset dict carries the
prepared dataset's root; `load_config` copies the config's top-level `data_root` (from `MIGA_DATA`, the
config, `--cfg-options data_root=...` or the `data_root` argument) into all of them, so that the root is
set in one place.
"""
from pathlib import Path

import competition.compat  # noqa: F401  (before mmengine/mmaction2)
from mmengine.config import Config, DictAction  # noqa: F401  (DictAction re-exported for the CLI)

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
LOADERS = ("train_dataloader", "val_dataloader", "test_dataloader")


def config_path(name_or_path):
    """A config file from a path, or from a name in models/configs (`posec3d_joint`, `tiny/posec3d_joint`)."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    named = CONFIG_DIR / (str(name_or_path) if str(name_or_path).endswith(".py") else f"{name_or_path}.py")
    if named.is_file():
        return named
    from competition.errors import DataError
    raise DataError(name_or_path, f"no such config file; give a path or a name under {CONFIG_DIR} "
                                  f"(e.g. posec3d_joint, tiny/posec3d_joint)")


def all_configs(tiny=False):
    """Every full config (or every tiny one) shipped in models/configs."""
    folder = CONFIG_DIR / "tiny" if tiny else CONFIG_DIR
    return sorted(folder.glob("*.py"))


def datasets_of(loader_cfg):
    """The dataset dicts inside a dataloader config, through wrappers such as RepeatDataset."""
    dataset = loader_cfg.get("dataset") if loader_cfg else None
    while dataset is not None:
        yield dataset
        dataset = dataset.get("dataset")


def leaf_dataset(loader_cfg):
    return list(datasets_of(loader_cfg))[-1]


def load_config(path, cfg_options=None, data_root=None):
    cfg = Config.fromfile(str(config_path(path)))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if data_root is not None:
        cfg.data_root = str(data_root)
    if "data_root" in cfg:
        for loader in LOADERS:
            for dataset in datasets_of(cfg.get(loader)):
                if "data_root" in dataset:
                    dataset.data_root = cfg.data_root
    return cfg


def set_split(dataset_cfg, split):
    """Point a leaf dataset at another split: `split` for pose datasets, the list file for video datasets."""
    if "split" in dataset_cfg:
        dataset_cfg.split = split
    else:
        ann = Path(dataset_cfg.ann_file)
        dataset_cfg.ann_file = str(ann.with_name(f"{split}{ann.suffix}"))
    return dataset_cfg
