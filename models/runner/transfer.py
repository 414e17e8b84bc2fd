"""Transfer learning: start a model from weights trained elsewhere (e.g. Video Swin on MA-52).

Tensors whose shape matches the new model are kept; the others (the classifier when the class count
differs) are left out, so the new model keeps its fresh initialisation for them. The checkpoint is read with
torch's weights-only loading: a file that needs other Python objects is refused.
"""
from pathlib import Path

from competition.core.errors import DataError
from models.openmmlab import load_checkpoint_file
from models.runner.checkpoints import named_load_errors


def read_state_dict(path):
    path = Path(path)
    with named_load_errors(path):
        checkpoint = load_checkpoint_file(path)
    state = checkpoint.get("state_dict", checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict) or not state:
        raise DataError(path, "holds no state_dict of tensors")
    return {key.removeprefix("module."): value for key, value in state.items()}


def matching_weights(state, model_state):
    """(kept, reinitialised, unused): tensors that fit the model, model tensors left fresh, tensors ignored."""
    kept = {k: v for k, v in state.items() if k in model_state and tuple(v.shape) == tuple(model_state[k].shape)}
    reinitialised = sorted(k for k in model_state if k not in kept)
    unused = sorted(k for k in state if k not in kept)
    return kept, reinitialised, unused


def transfer_checkpoint(path, cfg, work_dir):
    """Write the usable part of checkpoint `path` for the model of `cfg` into work_dir; return its path."""
    import torch
    from mmaction.registry import MODELS
    from mmengine.registry import init_default_scope
    from mmengine.utils import import_modules_from_strings

    if cfg.get("custom_imports"):
        import_modules_from_strings(**cfg.custom_imports)
    init_default_scope(cfg.get("default_scope", "mmaction"))
    model_state = MODELS.build(cfg.model).state_dict()
    kept, reinitialised, unused = matching_weights(read_state_dict(path), model_state)
    if not kept:
        raise DataError(path, "no tensor of this checkpoint fits the model of the config: is it the same "
                              "architecture?")
    print(f"transfer from {path}: {len(kept)} tensors loaded, {len(reinitialised)} initialised afresh"
          + (f" ({', '.join(reinitialised[:6])}{' …' if len(reinitialised) > 6 else ''})" if reinitialised else "")
          + (f", {len(unused)} unused" if unused else ""))
    out = Path(work_dir) / "transfer_init.pth"
    out.parent.mkdir(parents=True, exist_ok=True)
    from competition.core.atomic import atomic_path
    with atomic_path(out) as tmp:
        torch.save({"state_dict": kept, "meta": {"transferred_from": str(path),
                                                 "reinitialised": reinitialised}}, tmp)
    return out
