"""`MaskedVideoPretrainer`: VideoMAE-style masked video modelling as an mmengine model of mmaction2.

A clip [B, 3, T, H, W] (normalised by the data preprocessor) is cut into tubelets; a tube mask hides
`mask_ratio` of the spatial positions in every temporal slot (models.pretrain.masking). The backbone — the
very class and settings a fine-tune config uses, built from the same dict — encodes the visible tokens only
(models.pretrain.encoders); the light decoder (models.pretrain.decoder) predicts the pixels of each masked
tubelet. The loss is the mean squared error against those pixels, each tubelet normalised per colour
channel by its own mean and standard deviation (VideoMAE's `normlize_target`), computed on the clip's
[0, 1] pixels (the preprocessor's normalisation undone first).

Parameter names: `backbone.*` (loaded by `miga train --load-from` into a fine-tune model's `backbone.*`)
and `decoder.*` (left behind). `PretrainedEncoderMeta`, a hook of the pretraining configs, records the
encoder's prefix in every checkpoint so that the transfer step insists on loading every encoder tensor.
"""
import torch
import torch.nn.functional as F
from mmaction.registry import HOOKS, MODELS
from mmengine.hooks import Hook
from mmengine.model import BaseModel, is_model_wrapper
from torch import nn

from models.pretrain.decoder import PixelDecoder
from models.pretrain.encoders import embed_width, encode_visible, token_grid, tubelet_conv
from models.pretrain.masking import gather_tokens, tube_mask
from models.runner.transfer import ENCODER_META_KEY

ENCODER_PREFIX = "backbone."


def patchify(video, tubelet):
    """video [B, C, T, H, W] -> [B, N, pixels per tubelet, C], tokens in the ViT's (t, h, w) order."""
    b, c, t, h, w = video.shape
    pt, ph, pw = tubelet
    x = video.reshape(b, c, t // pt, pt, h // ph, ph, w // pw, pw)
    x = x.permute(0, 2, 4, 6, 3, 5, 7, 1)
    return x.reshape(b, (t // pt) * (h // ph) * (w // pw), pt * ph * pw, c)


def pixel_targets(video, tubelet, normalize=True):
    """Regression targets [B, N, pixels·C] of each tubelet; with `normalize`, each tubelet's values per
    channel minus their mean, over their standard deviation (unbiased) + 1e-6."""
    patches = patchify(video.float(), tubelet)
    if normalize:
        mean = patches.mean(dim=-2, keepdim=True)
        std = patches.var(dim=-2, unbiased=True, keepdim=True).sqrt()
        patches = (patches - mean) / (std + 1e-6)
    return patches.flatten(2)


@MODELS.register_module()
class MaskedVideoPretrainer(BaseModel):
    """Args:
        backbone: the fine-tune config's ViT backbone dict (GAIEViT with gaie_layers=(), or mmaction2's
            VisionTransformer); its `pretrained` file, if set, is loaded first (continued pretraining).
        decoder: width (`embed_dims`), `depth`, `num_heads`, `mlp_ratio` of the decoder.
        mask_ratio: share of the spatial positions hidden in every temporal slot.
        normalize_target: regress per-tubelet normalised pixels (VideoMAE's default) rather than raw [0, 1].
    """

    def __init__(self, backbone, decoder=None, mask_ratio=0.9, normalize_target=True, data_preprocessor=None,
                 init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.tubelet = tuple(tubelet_conv(self.backbone).kernel_size)
        channels = tubelet_conv(self.backbone).in_channels
        self.decoder = PixelDecoder(embed_width(self.backbone), channels * self.tubelet[0] * self.tubelet[1]
                                    * self.tubelet[2], **(decoder or {}))
        self.mask_ratio = mask_ratio
        self.normalize_target = normalize_target

    def init_weights(self):
        """The backbone's own initialisation (and its `pretrained` file); without a file, VideoMAE's
        Xavier-uniform linear layers, as its pretraining used. The decoder as VideoMAE's."""
        super().init_weights()
        if not getattr(self.backbone, "pretrained", None):
            for module in self.backbone.modules():
                if isinstance(module, nn.Linear):
                    nn.init.xavier_uniform_(module.weight)
                    if module.bias is not None:
                        nn.init.zeros_(module.bias)
        self.decoder.reset_parameters()

    def pixels(self, inputs):
        """The clip's pixels in [0, 1] (the data preprocessor's mean and std undone)."""
        preprocessor = self.data_preprocessor
        if getattr(preprocessor, "_enable_normalize", False):
            inputs = inputs * preprocessor.std + preprocessor.mean
        return inputs / 255.0

    def reconstruct(self, video, generator=None):
        """Predictions at the masked tokens with their targets and the mask, for video [B, 3, T, H, W]."""
        grid = token_grid(self.backbone, video.shape)
        visible, masked = tube_mask(video.shape[0], grid, self.mask_ratio, video.device, generator)
        features = encode_visible(self.backbone, video, visible)
        predicted = self.decoder(features, visible, masked, grid)
        with torch.no_grad():
            target = gather_tokens(pixel_targets(self.pixels(video), self.tubelet, self.normalize_target), masked)
        return dict(predicted=predicted, target=target, visible=visible, masked=masked)

    def forward(self, inputs, data_samples=None, mode="tensor"):
        video = inputs.flatten(0, 1) if inputs.ndim == 6 else inputs  # [B, clips, C, T, H, W] -> [B·clips, ...]
        if mode == "loss":
            out = self.reconstruct(video)
            # Logged beside the loss, not trained on: what predicting zeros (each normalised tubelet's mean)
            # would score on this batch. A loss that stays at it has learned nothing beyond the mean.
            return dict(loss=F.mse_loss(out["predicted"].float(), out["target"]),
                        zero_baseline=out["target"].pow(2).mean())
        if mode == "tensor":
            return self.reconstruct(video)
        raise ValueError(f"MaskedVideoPretrainer predicts no classes (mode {mode!r}); fine-tune its encoder: "
                         "`miga train CONFIG --load-from PRETRAIN_CHECKPOINT`")

    def encoder_meta(self):
        """What a pretraining checkpoint records about its encoder (read by models.runner.transfer)."""
        names = [k for k in self.state_dict() if k.startswith(ENCODER_PREFIX)]
        return dict(prefix=ENCODER_PREFIX, backbone=type(self.backbone).__name__, tensors=len(names),
                    tubelet=list(self.tubelet), mask_ratio=self.mask_ratio)


@HOOKS.register_module()
class PretrainedEncoderMeta(Hook):
    """Writes `MaskedVideoPretrainer.encoder_meta()` into the meta of every checkpoint."""

    def before_save_checkpoint(self, runner, checkpoint):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        checkpoint.setdefault("meta", {})[ENCODER_META_KEY] = model.encoder_meta()
