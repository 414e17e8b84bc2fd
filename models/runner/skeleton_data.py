"""A pose config fitted to its data: the skeleton layout, the class count and the input channels.

A config that sets `skeleton_layout` at its top level (`_base_/skeleton_data.py`: 'imigue36') reads
`pose/<skeleton_layout>.npz` of the prepared dataset. When that file exists, its own description decides
(competition.data.annotations.pose_file_info): the layout stored in it (so a layout that lives only in an
imported dataset works), its class count and its coordinates per joint. Without the file (no data yet) the
registered layout of that name and the config's `num_classes` are used. Then every `layout` of the model
and the pipelines is set to it, the classification head gets the class count, and the first layer the
input channels: joints or limbs of the heatmaps (PoseConv3D), coordinates + score (ST-GCN++).
"""
from dataclasses import dataclass
from pathlib import Path

from competition.core.errors import DataError
from competition.data.annotations import pose_file_info
from competition.data.skeletons import LAYOUTS, load_layout
from models.components.pipelines import POSE_DATASET, pose_file
from models.components.skeleton import refuse_base_placeholder

HEATMAP_STEPS = ("GeneratePoseHeatmaps", "GeneratePoseTarget")


@dataclass(frozen=True)
class SkeletonData:
    layout: object
    num_classes: int
    coordinates: int
    source: str  # the pose file, or "registry" when there is no data yet


def _set_layouts(node, value):
    """Set every `layout` key of the dicts inside `node` (model, pipelines) to `value`."""
    if isinstance(node, dict):
        for key, item in node.items():
            if key == "layout" and isinstance(item, (str, dict)):
                node[key] = value
            else:
                _set_layouts(item, value)
    elif isinstance(node, (list, tuple)):
        for item in node:
            _set_layouts(item, value)


def _heatmap_channels(step, layout):
    num_limbs = len(layout.limbs) if step.get("layout") is not None else len(step.get("skeletons") or ())
    return (layout.num_joints if step.get("with_kp", True) else 0) + (num_limbs if step.get("with_limb") else 0)


def apply_skeleton_data(cfg, loaders):
    """Fit `cfg` (an mmengine Config; its datasets already carry `data_root`) to `pose/<skeleton_layout>.npz`.

    Returns the SkeletonData used, or None for a config without `skeleton_layout`.
    """
    name = cfg.get("skeleton_layout")
    if name is None:
        return None
    refuse_base_placeholder(name, "skeleton_layout")
    ann_file = pose_file(name)
    datasets = [d for d in loaders if d.get("type") == POSE_DATASET]
    for dataset in datasets:
        dataset.ann_file = ann_file
    path = Path(str(cfg.get("data_root", ""))) / ann_file
    if path.is_file():
        info = pose_file_info(path)
        if info.layout is None:
            raise DataError(path, f"the file does not say its skeleton layout (written before layouts were stored) and "
                                  f"{info.layout_name!r} is not a registered one; re-import it")
        data = SkeletonData(info.layout, info.num_classes or cfg.get("num_classes"), info.dims, str(path))
    else:
        data = SkeletonData(load_layout(name), cfg.get("num_classes"), 2, "registry")
    value = data.layout.name if LAYOUTS.get(data.layout.name) == data.layout else data.layout.to_dict()
    _set_layouts(cfg.model, value)
    for dataset in datasets:
        _set_layouts(dataset.get("pipeline", []), value)
    head = cfg.model.get("cls_head")
    if head is not None and data.num_classes:
        head.num_classes = int(data.num_classes)
    _set_input_channels(cfg, datasets, data)
    return data


def _set_input_channels(cfg, datasets, data):
    backbone = cfg.model.get("backbone")
    if backbone is None:
        return
    if cfg.model.get("type") == "RecognizerGCN":
        backbone.in_channels = data.coordinates + 1  # coordinates and the score
        return
    steps = [step for dataset in datasets[:1] for step in dataset.get("pipeline", [])
             if step.get("type") in HEATMAP_STEPS]
    if steps:
        channels = _heatmap_channels(steps[0], data.layout)
        target = backbone.get("pose_pathway") if "pose_pathway" in backbone else backbone
        if "in_channels" in target:
            target.in_channels = channels
