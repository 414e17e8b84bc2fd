"""ViT-B video backbone with Global-Aware Importance Estimation (GAIE), the Track 1 2nd-place model.

The backbone is VideoMAE's ViT: tubelets of 2×16×16 pixels embedded by a 3D convolution, fixed sine/cosine
position encoding, joint space-time attention over all tubelets, mean of the final tokens through a
LayerNorm. GAIE runs right after the attention of chosen blocks (1-based numbers; the paper: 4, 7, 10):

- a token's importance is the mean attention it receives (over heads and over every query token);
- the top ⌈keep_ratio·N⌉ tokens are the foreground, the rest the background;
- each background token joins the foreground token it is most cosine-similar to, and that foreground token's
  feature becomes the plain mean of itself and the tokens that joined it.

The MLP of that block and every later block then run on the fewer tokens. With `gaie_layers=()` the
backbone is the plain ViT. A linear head on the pooled feature (mmaction2's `TimeSformerHead`) completes
the classifier; see `models/configs/seed_papers/gaie_vit_*.py`.
"""
import math
import os
import warnings

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import nn

from models.openmmlab import load_checkpoint_file
from models.seed_papers.layers import DropPath, FeedForward, MultiHeadSelfAttention, sinusoid_position_table


def num_kept_tokens(num_tokens, keep_ratio):
    """Tokens left after one GAIE step: ⌈keep_ratio·N⌉ (at least one)."""
    return max(1, math.ceil(keep_ratio * num_tokens - 1e-9))


def global_aware_merge(x, attention, keep_ratio):
    """Merge background tokens into foreground tokens (GAIE).

    x: [B, N, C] token features; attention: [B, heads, N, N] softmax map (rows are queries).
    Returns (merged [B, K, C], foreground index [B, K], assignment [B, N-K]) with K = ⌈keep_ratio·N⌉;
    foreground tokens keep their original order, and assignment[b, j] is the position in the merged
    sequence that the j-th background token joined.
    """
    batch, tokens, channels = x.shape
    keep = num_kept_tokens(tokens, keep_ratio)
    importance = attention.mean(dim=(1, 2))  # attention each token receives, averaged over heads and queries
    order = importance.argsort(dim=1, descending=True)
    foreground = order[:, :keep].sort(dim=1).values
    background = order[:, keep:]
    if background.shape[1] == 0:
        return x, foreground, background

    def take(index):
        return x.gather(1, index[..., None].expand(-1, -1, channels))

    fg, bg = take(foreground), take(background)
    similarity = F.normalize(bg, dim=-1) @ F.normalize(fg, dim=-1).transpose(1, 2)  # [B, N-K, K]
    assignment = similarity.argmax(dim=-1)
    summed = fg.scatter_add(1, assignment[..., None].expand(-1, -1, channels), bg)
    counts = torch.ones(batch, keep, dtype=x.dtype, device=x.device)
    counts = counts.scatter_add(1, assignment, torch.ones_like(assignment, dtype=x.dtype))
    return summed / counts[..., None], foreground, assignment


class GAIEBlock(nn.Module):
    """Pre-norm transformer block; with `keep_ratio` set, GAIE merges tokens between attention and MLP."""

    def __init__(self, dims, num_heads, mlp_ratio=4.0, qkv_bias=True, drop=0.0, attn_drop=0.0,
                 drop_path=0.0, keep_ratio=None):
        super().__init__()
        self.norm1 = nn.LayerNorm(dims, eps=1e-6)
        self.attn = MultiHeadSelfAttention(dims, num_heads, qkv_bias, attn_drop, drop)
        self.drop_path = DropPath(drop_path)
        self.norm2 = nn.LayerNorm(dims, eps=1e-6)
        self.mlp = FeedForward(dims, int(dims * mlp_ratio), drop=drop)
        self.keep_ratio = keep_ratio

    def forward(self, x):
        out, attention = self.attn(self.norm1(x), need_weights=self.keep_ratio is not None)
        x = x + self.drop_path(out)
        if self.keep_ratio is not None:
            x = global_aware_merge(x, attention, self.keep_ratio)[0]
        return x + self.drop_path(self.mlp(self.norm2(x)))


@MODELS.register_module()
class GAIEViT(BaseModule):
    """VideoMAE-style ViT over [B, 3, T, H, W] clips, returning the pooled feature [B, embed_dims].

    Args:
        gaie_layers: 1-based numbers of the blocks after whose attention GAIE merges tokens; () for the
            plain ViT.
        keep_ratio: share of tokens each GAIE step keeps.
        pretrained: local path of a VideoMAE checkpoint (official `model`/`module` dict, pre-training
            checkpoints with their `encoder.` prefix, or an mmaction2 checkpoint with `backbone.` keys).
    """

    def __init__(self, img_size=224, num_frames=16, tubelet_size=2, patch_size=16, in_channels=3,
                 embed_dims=768, depth=12, num_heads=12, mlp_ratio=4.0, qkv_bias=True, drop_rate=0.0,
                 attn_drop_rate=0.0, drop_path_rate=0.0, gaie_layers=(4, 7, 10), keep_ratio=0.7,
                 pretrained=None, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        bad = [n for n in gaie_layers if not 1 <= n <= depth]
        if bad:
            raise ValueError(f"gaie_layers are 1-based block numbers in 1..{depth}; got {list(gaie_layers)}")
        if not 0.0 < keep_ratio <= 1.0:
            raise ValueError(f"keep_ratio must lie in (0, 1]; got {keep_ratio}")
        self.patch_size, self.tubelet_size = patch_size, tubelet_size
        self.embed_dims = embed_dims
        self.gaie_layers = tuple(gaie_layers)
        self.keep_ratio = keep_ratio
        self.pretrained = pretrained
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv3d(in_channels, embed_dims, (tubelet_size, patch_size, patch_size),
                                          stride=(tubelet_size, patch_size, patch_size))
        self.grid = (num_frames // tubelet_size, img_size // patch_size, img_size // patch_size)
        self.register_buffer("pos_embed", sinusoid_position_table(math.prod(self.grid), embed_dims),
                             persistent=False)
        self.pos_drop = nn.Dropout(drop_rate)
        rates = [drop_path_rate * i / max(depth - 1, 1) for i in range(depth)]
        self.blocks = nn.ModuleList([
            GAIEBlock(embed_dims, num_heads, mlp_ratio, qkv_bias, drop_rate, attn_drop_rate, rates[i],
                      keep_ratio=keep_ratio if i + 1 in self.gaie_layers else None)
            for i in range(depth)])
        self.fc_norm = nn.LayerNorm(embed_dims, eps=1e-6)

    def token_counts(self, num_tokens=None):
        """Tokens entering each block's MLP, for N input tokens (default: the configured clip size)."""
        count = math.prod(self.grid) if num_tokens is None else num_tokens
        counts = []
        for block in self.blocks:
            if block.keep_ratio is not None:
                count = num_kept_tokens(count, block.keep_ratio)
            counts.append(count)
        return counts

    def init_weights(self):
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.trunc_normal_(module.weight, std=0.02)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.LayerNorm):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
        if self.pretrained:
            load_videomae_weights(self, self.pretrained)
        else:
            warnings.warn("GAIEViT starts from random weights: the GAIE paper fine-tunes a VideoMAE ViT-B, and a "
                          "ViT trained from scratch on iMiGUE's clips is far weaker; give a local checkpoint "
                          "with model.backbone.pretrained=PATH", stacklevel=2)

    def position_encoding(self, grid):
        if tuple(grid) == self.grid:
            return self.pos_embed
        return sinusoid_position_table(math.prod(grid), self.embed_dims).to(self.pos_embed)

    def forward(self, x):
        x = self.patch_embed.proj(x)  # [B, C, T', H', W']
        grid = x.shape[2:]
        x = x.flatten(2).transpose(1, 2)
        x = self.pos_drop(x + self.position_encoding(grid))
        for block in self.blocks:
            x = block(x)
        return self.fc_norm(x.mean(dim=1))


# Parameter names of other VideoMAE releases -> ours. mmaction2 converts VideoMAE to its own layer names.
_RENAMES = (("patch_embed.projection.", "patch_embed.proj."), (".mlp.layers.0.0.", ".mlp.fc1."),
            (".mlp.layers.1.", ".mlp.fc2."))
_IGNORED_PREFIXES = ("decoder", "encoder_to_decoder", "mask_token", "head.", "cls_head.", "pos_embed",
                     "data_preprocessor.")


def videomae_state_dict(checkpoint):
    """Our backbone's parameters from a VideoMAE checkpoint dict (any of the layouts `GAIEViT` accepts)."""
    for key in ("model", "module", "state_dict"):
        if isinstance(checkpoint, dict) and key in checkpoint and isinstance(checkpoint[key], dict):
            checkpoint = checkpoint[key]
            break
    state = {}
    for name, value in checkpoint.items():
        for prefix in ("module.", "backbone.", "encoder."):
            if name.startswith(prefix):
                name = name[len(prefix):]
        if name.startswith(_IGNORED_PREFIXES):
            continue
        for old, new in _RENAMES:
            name = name.replace(old, new)
        state[name] = value
    if "fc_norm.weight" not in state and "norm.weight" in state:  # pre-training checkpoints end in `norm`
        state["fc_norm.weight"], state["fc_norm.bias"] = state.pop("norm.weight"), state.pop("norm.bias")
    return state


def load_videomae_weights(backbone, path):
    """Load a local VideoMAE checkpoint into `backbone`; errors say which file and which keys."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"VideoMAE checkpoint {path!r} does not exist; set `pretrained` to a local "
                                "file (weights cannot be downloaded) or to None to train from scratch")
    try:
        checkpoint = load_checkpoint_file(path)
    except Exception as error:  # torch raises UnpicklingError or RuntimeError for non-tensor content
        raise ValueError(f"{path}: cannot load as a weights-only checkpoint ({error}); re-save just its "
                         "state dict (torch.save(ckpt['model'], 'weights.pth')) where you trust the file"
                         ) from error
    state = videomae_state_dict(checkpoint)
    own = backbone.state_dict()
    missing = sorted(set(own) - set(state))
    if missing:
        raise ValueError(f"{path}: not a VideoMAE ViT checkpoint for this backbone: {len(missing)} parameters "
                         f"missing, e.g. {missing[:4]}; the file has e.g. {sorted(state)[:4]}")
    wrong = [f"{k} {tuple(state[k].shape)} != {tuple(v.shape)}" for k, v in own.items()
             if state[k].shape != v.shape]
    if wrong:
        raise ValueError(f"{path}: parameter shapes differ from the backbone (checkpoint != model): "
                         + "; ".join(wrong[:4]))
    backbone.load_state_dict({k: state[k] for k in own})
