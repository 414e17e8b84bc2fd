"""The two-stage initialisation of RGBPoseConv3D (MM-Gesture's recipe, after PYSKL): weights of an RGB-only
and a pose-only model merged into the two-stream model before its short fine-tune.

Each stage's `backbone.*` tensors go to the two-stream backbone's pathway (`backbone.rgb_path.*`,
`backbone.pose_path.*`) and its classifier (`cls_head.fc_cls.*`) to the stream's classifier
(`cls_head.fc_rgb.*`, `cls_head.fc_pose.*`). The first convolutions of the stages that also receive the other
pathway's lateral features have more input channels in the two-stream model: the stage's weights fill the
first channels and the lateral ones are zero, so that before fine-tuning each stream computes exactly what
its single-stream model computed. The lateral connections themselves keep their fresh initialisation.

Every tensor of both checkpoints must land; the merge names those that do not (no such tensor, or a shape
that differs other than by the lateral channels) and every two-stream tensor other than the lateral
connections that neither stage filled, and refuses to write a partial result unless asked to.
"""
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from mmaction.registry import HOOKS
from mmengine.hooks import Hook

from competition.core.errors import DataError
from models.runner.transfer import read_state_dict

STREAMS = {"rgb": ("backbone.rgb_path.", "cls_head.fc_rgb."), "pose": ("backbone.pose_path.", "cls_head.fc_pose.")}
STAGE_NAMES = {"rgb": "RGB-only", "pose": "pose-only"}
LATERAL = "_lateral."
DEFAULT_OUT_NAME = "two_stage_init.pth"


@dataclass
class MergeReport:
    """What happened to each tensor: landed (by stream), zero-padded for the lateral channels, not landed
    (stream, key, reason), and the two-stream tensors left at their initialisation."""
    landed: dict = field(default_factory=lambda: {"rgb": [], "pose": []})
    padded: list = field(default_factory=list)
    not_landed: list = field(default_factory=list)
    fresh: list = field(default_factory=list)

    @property
    def unexpected_fresh(self):
        """Two-stream tensors left fresh that are not lateral connections (a stage lacked them)."""
        return [key for key in self.fresh if LATERAL not in key]

    @property
    def complete(self):
        return not self.not_landed and not self.unexpected_fresh

    def problems(self):
        lines = [f"{STAGE_NAMES[stream]} {key}: {reason}" for stream, key, reason in self.not_landed]
        lines += [f"two-stream {key}: filled by neither stage" for key in self.unexpected_fresh]
        return lines

    def summary(self):
        return (f"RGB-only: {len(self.landed['rgb'])} tensors landed; pose-only: {len(self.landed['pose'])} "
                f"landed; {len(self.padded)} zero-padded for the lateral channels; {len(self.fresh)} two-stream "
                f"tensors left at their initialisation ({len(self.fresh) - len(self.unexpected_fresh)} of them "
                f"lateral connections); {len(self.not_landed)} did not land")


def stream_key(key, stream):
    """Where a single-stream model's tensor goes in the two-stream model, or None (not backbone/classifier)."""
    backbone, classifier = STREAMS[stream]
    if key.startswith("backbone."):
        return backbone + key[len("backbone."):]
    if key.startswith("cls_head.fc_cls."):
        return classifier + key[len("cls_head.fc_cls."):]
    return None


def _pads_lateral_channels(value, target):
    """True when `value` is `target` without its trailing input channels (dim 1): the lateral features."""
    return (value.ndim == target.ndim >= 2 and value.shape[0] == target.shape[0]
            and tuple(value.shape[2:]) == tuple(target.shape[2:]) and value.shape[1] < target.shape[1])


def merge_stream_weights(model_state, stage_states):
    """(merged state dict, MergeReport) from the two-stream model's state and {'rgb': state, 'pose': state}."""
    merged = dict(model_state)
    report, filled = MergeReport(), set()
    for stream, state in stage_states.items():
        for key, value in state.items():
            target = stream_key(key, stream)
            if target is None:
                report.not_landed.append((stream, key, "neither a backbone nor a classifier tensor"))
            elif target in filled:
                report.not_landed.append((stream, key, f"{target} already filled by the other stage"))
            elif target not in model_state:
                report.not_landed.append((stream, key, f"the two-stream model has no {target}"))
            elif tuple(value.shape) == tuple(model_state[target].shape):
                merged[target] = value.to(model_state[target].dtype)
                report.landed[stream].append(key)
                filled.add(target)
            elif _pads_lateral_channels(value, model_state[target]):
                padded = model_state[target].new_zeros(model_state[target].shape)
                padded[:, :value.shape[1]] = value
                merged[target] = padded
                report.landed[stream].append(key)
                report.padded.append(target)
                filled.add(target)
            else:
                report.not_landed.append((stream, key, f"shape {tuple(value.shape)} does not fit {target} "
                                                       f"{tuple(model_state[target].shape)}"))
    report.fresh = sorted(key for key in model_state if key not in filled)
    return merged, report


def build_two_stream_model(cfg, seed=0):
    """The model of a loaded RGBPoseConv3D config, initialised as training would (lateral connections)."""
    import torch
    from mmaction.registry import MODELS
    from mmengine.registry import init_default_scope
    from mmengine.utils import import_modules_from_strings

    if cfg.get("custom_imports"):
        import_modules_from_strings(**cfg.custom_imports)
    init_default_scope(cfg.get("default_scope", "mmaction"))
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    if not hasattr(model.backbone, "rgb_path") or not hasattr(model.backbone, "pose_path"):
        raise DataError(cfg.filename, "not a two-stream RGBPoseConv3D config (no rgb_path/pose_path backbone)")
    return model


def merge_stage_checkpoints(cfg, rgb_checkpoint, pose_checkpoint, out, *, allow_partial=False, seed=0):
    """Write the two-stream initialisation of `cfg`'s model from the two stage checkpoints; return the report.

    Raises DataError naming the tensors that did not land (or were filled by neither stage) unless
    `allow_partial`, in which case they keep the two-stream model's initialisation.
    """
    import torch

    from competition.core.atomic import atomic_path

    model_state = build_two_stream_model(cfg, seed).state_dict()
    merged, report = merge_stream_weights(model_state, {"rgb": read_state_dict(rgb_checkpoint),
                                                        "pose": read_state_dict(pose_checkpoint)})
    if not report.complete and not allow_partial:
        problems = report.problems()
        raise DataError(rgb_checkpoint if any(s == "rgb" for s, _, _ in report.not_landed) else pose_checkpoint,
                        f"{len(problems)} tensors did not land in {Path(cfg.filename).name}'s model: "
                        + "; ".join(problems[:8]) + (" …" if len(problems) > 8 else "")
                        + ". Are these the stage configs of this model (its `two_stage` entry)? "
                          "--allow-partial keeps the model's initialisation for them")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        torch.save({"state_dict": merged,
                    "meta": {"merged_from": {"rgb": str(rgb_checkpoint), "pose": str(pose_checkpoint)},
                             "zero_padded": report.padded, "fresh": report.fresh,
                             "not_landed": [f"{s}:{k}" for s, k, _ in report.not_landed]}}, tmp)
    return report


def default_merge_path(work_dir):
    return Path(work_dir) / DEFAULT_OUT_NAME


def config_name(filename):
    """How `miga` names a config: its path under models/configs without `.py` (e.g. tiny/rgbposec3d_joint)."""
    from models.runner.config import CONFIG_DIR

    path = Path(filename or "CONFIG").resolve()
    return str(path.relative_to(CONFIG_DIR).with_suffix("")) if path.is_relative_to(CONFIG_DIR) else str(path)


def merge_weights(config, rgb_checkpoint, pose_checkpoint, out=None, *, cfg_options=None, allow_partial=False):
    """`miga merge-weights`: load the two-stream config and merge; returns (output path, MergeReport).

    The output defaults to the fine-tune's work dir (work_dirs/<config>/two_stage_init.pth).
    """
    from models.runner.config import config_path, load_config
    from models.runner.train import work_dir_for

    path = config_path(config)
    cfg = load_config(path, cfg_options=cfg_options)
    out = Path(out) if out else default_merge_path(cfg.get("work_dir") or work_dir_for(path))
    return out, merge_stage_checkpoints(cfg, rgb_checkpoint, pose_checkpoint, out, allow_partial=allow_partial)


@HOOKS.register_module()
class TwoStageInitHook(Hook):
    """Warns when a two-stream RGBPoseConv3D config starts training from random weights.

    The config's `two_stage = dict(rgb=..., pose=...)` names the single-stream configs whose weights the
    recipe merges in first; a run that neither loads weights nor resumes says how to make them.
    """

    def before_train(self, runner):
        cfg = runner.cfg
        if cfg.get("load_from") or cfg.get("resume"):
            return
        stages = cfg.get("two_stage") or {}
        config = config_name(cfg.filename)
        message = (f"{config} is training from random weights. MM-Gesture's RGBPoseConv3D fine-tunes the merged "
                   f"weights of an RGB-only and a pose-only model: miga train {stages.get('rgb', 'RGB_CONFIG')}; "
                   f"miga train {stages.get('pose', 'POSE_CONFIG')}; miga merge-weights {config} --rgb CKPT "
                   f"--pose CKPT; then miga train {config} --load-from "
                   f"{default_merge_path(runner.work_dir)} (docs/seed-papers.md)")
        runner.logger.warning(message)
        warnings.warn(message, stacklevel=2)
