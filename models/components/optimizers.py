"""Layer-wise learning-rate decay for ViT backbones: the fine-tuning recipe of masked-autoencoder weights.

mmaction2's `LearningRateDecayOptimizerConstructor` does the same for classes named VisionTransformer or
MViT only; this one takes any model whose backbone keeps its blocks in `backbone.blocks` (the toolkit's
GAIEViT, mmaction2's VisionTransformer). Layer ids follow VideoMAE's fine-tuning: 0 for the tubelet
embedding (and position, cls or mask tokens), i + 1 for block i, depth + 1 for everything after the blocks
(the final norm and the head). A parameter of layer l gets lr × decay_rate^(depth + 1 − l); 1-D tensors
(norms, biases, VideoMAE's q/v biases) get no weight decay.
"""
from mmaction.registry import OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.optim import DefaultOptimWrapperConstructor

EMBEDDING_TENSORS = ("backbone.pos_embed", "backbone.cls_token", "backbone.mask_token")


def vit_layer_id(name, depth):
    if name.startswith("backbone.patch_embed") or name in EMBEDDING_TENSORS:
        return 0
    if name.startswith("backbone.blocks."):
        return int(name.split(".")[2]) + 1
    return depth + 1


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class ViTLayerDecayOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """`paramwise_cfg=dict(decay_rate=0.75)`; the depth is the number of the model's `backbone.blocks`."""

    def add_params(self, params, module, prefix="", is_dcn_module=None):
        blocks = getattr(getattr(module, "backbone", None), "blocks", None)
        if blocks is None:
            raise TypeError(f"layer-wise lr decay needs a backbone with `blocks`; {type(module).__name__} has none")
        depth, rate = len(blocks), float(self.paramwise_cfg.get("decay_rate", 1.0))
        groups = {}
        for name, param in module.named_parameters():
            if not param.requires_grad:
                continue
            layer = vit_layer_id(name, depth)
            no_decay = param.ndim == 1 or name.endswith(".bias")
            if (layer, no_decay) not in groups:
                scale = rate ** (depth + 1 - layer)
                groups[layer, no_decay] = dict(params=[], lr=self.base_lr * scale, lr_scale=scale,
                                               weight_decay=0.0 if no_decay else self.base_wd)
            groups[layer, no_decay]["params"].append(param)
        params.extend(groups[key] for key in sorted(groups))
