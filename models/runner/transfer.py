"""Transfer learning: start a model from weights trained elsewhere (e.g. Video Swin on MA-52), or from the
encoder of a masked video pretraining (`miga pretrain`).

Tensors whose shape matches the new model are kept; the others (the classifier when the class count
differs) are left out, so the new model keeps its fresh initialisation for them. The checkpoint is read with
torch's weights-only loading: a file that needs other Python objects is refused.

A pretraining checkpoint names its encoder in its meta (`ENCODER_META_KEY`: the prefix of the encoder's
tensors, `backbone.`). From such a file every model tensor under that prefix must load — a backbone that
does not match the pretrained encoder is refused with the tensors that differ, instead of training a
half-initialised model; its decoder is left behind.
"""
from collections import Counter
from pathlib import Path

from competition.core.errors import DataError
from models.openmmlab import load_checkpoint_file
from models.runner.checkpoints import named_load_errors

ENCODER_META_KEY = "pretrained_encoder"


def read_state_dict(path):
    return read_checkpoint(path)[0]


def read_checkpoint(path):
    """(state dict with any `module.` prefix removed, meta dict) of a weights-only checkpoint file."""
    path = Path(path)
    with named_load_errors(path):
        checkpoint = load_checkpoint_file(path)
    state = checkpoint.get("state_dict", checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict) or not state:
        raise DataError(path, "holds no state_dict of tensors")
    meta = checkpoint.get("meta") if isinstance(checkpoint.get("meta"), dict) else {}
    return {key.removeprefix("module."): value for key, value in state.items()}, meta


def matching_weights(state, model_state):
    """(kept, reinitialised, unused): tensors that fit the model, model tensors left fresh, tensors ignored."""
    kept = {k: v for k, v in state.items() if k in model_state and tuple(v.shape) == tuple(model_state[k].shape)}
    reinitialised = sorted(k for k in model_state if k not in kept)
    unused = sorted(k for k in state if k not in kept)
    return kept, reinitialised, unused


def by_module(names):
    """'backbone 150, cls_head 2': counts of tensor names by their first component."""
    return ", ".join(f"{module} {count}" for module, count in Counter(n.split(".")[0] for n in names).items())


def check_encoder_loaded(path, encoder, state, model_state, kept):
    """Refuse a pretraining checkpoint whose encoder does not fill every model tensor under its prefix."""
    prefix = encoder.get("prefix", "backbone.")
    wanted = [k for k in model_state if k.startswith(prefix)]
    missing = [k for k in wanted if k not in kept]
    if not wanted or missing:
        details = "; ".join(f"{k}: checkpoint {tuple(state[k].shape) if k in state else 'none'} vs model "
                            f"{tuple(model_state[k].shape)}" for k in missing[:4])
        raise DataError(path, f"this pretrained encoder ({encoder.get('backbone', '?')}) does not fit the config's "
                              f"backbone: {len(missing)} of its {len(wanted)} {prefix}* tensors differ"
                              + (f" ({details}{' …' if len(missing) > 4 else ''})" if details else "")
                              + "; fine-tune with the config whose backbone matches the pretraining config "
                                "(docs/models.md, masked video pretraining)")
    return len(wanted)


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
    state, meta = read_checkpoint(path)
    kept, reinitialised, unused = matching_weights(state, model_state)
    encoder = meta.get(ENCODER_META_KEY)
    encoder_note = ""
    if isinstance(encoder, dict):
        loaded = check_encoder_loaded(path, encoder, state, model_state, kept)
        encoder_note = f"; pretrained encoder: all {loaded} {encoder.get('prefix', 'backbone.')}* tensors loaded"
    if not kept:
        raise DataError(path, "no tensor of this checkpoint fits the model of the config: is it the same "
                              "architecture?")
    print(f"transfer from {path}: {len(kept)} tensors loaded ({by_module(kept)}), "
          f"{len(reinitialised)} initialised afresh"
          + (f" ({', '.join(reinitialised[:6])}{' …' if len(reinitialised) > 6 else ''})" if reinitialised else "")
          + (f", {len(unused)} unused ({by_module(unused)})" if unused else "") + encoder_note)
    out = Path(work_dir) / "transfer_init.pth"
    out.parent.mkdir(parents=True, exist_ok=True)
    from competition.core.atomic import atomic_path
    with atomic_path(out) as tmp:
        torch.save({"state_dict": kept, "meta": {"transferred_from": str(path),
                                                 "reinitialised": reinitialised}}, tmp)
    return out
