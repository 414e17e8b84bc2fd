"""Loading our mmaction2 configs: the repair layer first, options merged, the data root set everywhere.

Configs live in `models/configs/` (tiny variants in `models/configs/tiny/`). Each dataset dict carries the
prepared dataset's root; `load_config` copies the config's top-level `data_root` (from `MIGA_DATA`, the
config, `--cfg-options data_root=...` or the `data_root` argument) into all of them, so that the root is
set in one place. The pretraining configs' datasets also read the raw download's long videos: their
`raw_root` is set the same way (`MIGA_RAW`, `raw_root=...`, the `raw_root` argument).
"""
from pathlib import Path

from mmengine.config import Config, DictAction  # noqa: F401  (DictAction re-exported for the CLI)

from models.runner.skeleton_data import apply_skeleton_data

CONFIG_DIR = Path(__file__).resolve().parents[1] / "configs"
LOADERS = ("train_dataloader", "val_dataloader", "test_dataloader")
ROOTS = ("data_root", "raw_root")
# The arguments of a heatmap step that decide what it draws.
HEATMAP_DRAWING_ARGS = ("sigma", "with_kp", "with_limb", "skeletons", "scaling", "layout")


def config_path(name_or_path):
    """A config file from a path, or from a name in models/configs (`posec3d_joint`, `tiny/posec3d_joint`)."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    named = CONFIG_DIR / (str(name_or_path) if str(name_or_path).endswith(".py") else f"{name_or_path}.py")
    if named.is_file():
        return named
    from competition.core.errors import DataError
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


def load_config(path, cfg_options=None, data_root=None, raw_root=None):
    """Read a config, merge `cfg_options`, set the data and raw roots in every dataset and, for a pose config with
    `skeleton_layout`, fit it to its pose file (models.runner.skeleton_data)."""
    cfg = Config.fromfile(str(config_path(path)))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    for key, value in (("data_root", data_root), ("raw_root", raw_root)):
        if value is not None:
            cfg[key] = str(value)
    for key in ROOTS:
        if key in cfg:
            for loader in LOADERS:
                for dataset in datasets_of(cfg.get(loader)):
                    if key in dataset:
                        dataset[key] = cfg[key]
    apply_skeleton_data(cfg, [d for loader in LOADERS for d in datasets_of(cfg.get(loader))])
    return cfg


def set_split(dataset_cfg, split):
    """Point a leaf dataset at another split: `split` for pose datasets, the list file for video datasets."""
    if "split" in dataset_cfg:
        dataset_cfg.split = split
    else:
        ann = Path(dataset_cfg.ann_file)
        dataset_cfg.ann_file = str(ann.with_name(f"{split}{ann.suffix}"))
    return dataset_cfg


def split_of(dataset_cfg):
    """The split a leaf dataset reads: its `split` (pose datasets), else its list file's stem (video datasets)."""
    return dataset_cfg.get("split") or Path(dataset_cfg.ann_file).stem


def listed_clips(dataset_cfg):
    """How many clips a leaf dataset of the prepared dataset lists, from its annotation file alone (a pose
    file's split list, a video list's lines); None for a dataset of another kind. DataError when the file is
    missing."""
    import numpy as np

    from competition.core.errors import DataError

    root = Path(dataset_cfg.get("data_root") or "")
    ann = root / dataset_cfg.ann_file
    if not ann.is_file():
        raise DataError(ann, "the annotations are missing: is the prepared dataset there? Set it with --data-root, "
                             "MIGA_DATA or --cfg-options data_root=... (docs/prepared-dataset.md); Taylor/flow/depth "
                             "videos come from `miga modality`")
    if ann.suffix == ".npz" and "split" in dataset_cfg:
        try:
            with np.load(ann, allow_pickle=False) as data:
                key = f"split_{dataset_cfg.split}"
                return len(data[key]) if key in data.files else 0
        except (OSError, ValueError) as error:
            raise DataError(ann, f"not a readable pose annotation file ({error})") from None
    if ann.suffix == ".txt":
        return sum(1 for line in ann.read_text().splitlines() if line.strip())
    return None


def require_clips(dataset_cfg):
    """DataError naming the split and the dataset when a leaf dataset lists no clip (mmengine fails obscurely)."""
    from competition.core.errors import DataError

    if listed_clips(dataset_cfg) == 0:
        root = dataset_cfg.get("data_root") or Path(dataset_cfg.ann_file).parent
        raise DataError(Path(dataset_cfg.get("data_root") or "", dataset_cfg.ann_file),
                        f"no clips in split {split_of(dataset_cfg)} of {root}")


def set_heatmap_rendering(cfg, on_device):
    """Switch a loaded config between drawing heatmaps in the data workers and on the model's device.

    The same switch as `heatmaps_on_device` in models/configs/_base_/pose_heatmaps.py, for one loaded config:
    sets `on_device` on every heatmap step (GeneratePoseTarget becomes GeneratePoseHeatmaps) of the train,
    val and test pipelines and makes the model's data preprocessor a PoseHeatmapPreprocessor given that step.
    Pipelines with RGB besides heatmaps (RGBPoseConv3D) keep drawing in the workers. Returns the number of
    steps switched.
    """
    steps = []
    for loader in LOADERS:
        if cfg.get(loader):
            pipeline = leaf_dataset(cfg[loader]).get("pipeline", [])
            if not any(step.get("type") == "PackActionInputs" and step.get("collect_keys") for step in pipeline):
                steps += [step for step in pipeline if step.get("type") in ("GeneratePoseTarget",
                                                                             "GeneratePoseHeatmaps")]
    if not steps:
        return 0
    preprocessor = cfg.model.get("data_preprocessor") or {}
    if preprocessor.get("type") not in (None, "ActionDataPreprocessor", "PoseHeatmapPreprocessor"):
        raise ValueError(f"heatmaps on the device need PoseHeatmapPreprocessor; this model uses "
                         f"{preprocessor.get('type')}")
    drawing = {repr({k: v for k, v in step.items() if k in HEATMAP_DRAWING_ARGS}) for step in steps}
    if len(drawing) > 1:
        raise ValueError("the heatmap steps of the pipelines draw differently (sigma, with_kp, with_limb, "
                         "skeletons or scaling differ); one PoseHeatmapPreprocessor cannot draw for all of them")
    for step in steps:
        step["type"] = "GeneratePoseHeatmaps"
        step["on_device"] = bool(on_device)
    # A step with `double` names the left/right pairs the preprocessor mirrors with.
    mirroring = [step for step in steps if step.get("double")]
    heatmap = dict((mirroring or steps)[0], double=False)
    cfg.model.data_preprocessor = dict(preprocessor, type="PoseHeatmapPreprocessor", heatmap=heatmap)
    return len(steps)
