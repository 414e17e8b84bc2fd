"""CLIP-MG: a CLIP ViT-B/16 image tower guided by pose (MiGA 2025, 61.82% on Track 1).

Per clip: T RGB frames (8) and T windows of pose heatmaps (8 windows × 4 frames) with the keypoints they
were drawn from.

1. the CLIP tower (timm `vit_base_patch16_clip_224`) runs its frozen first blocks (10 of 12) and the
   trainable penultimate block over every frame's tokens: patch tokens x_t,i (T frames × P patches);
2. the pose encoder turns each window's heatmaps into one feature (three 3×3×3 conv stages of 64/128/256
   channels with spatial-only stride 2, averaged over the window's frames and space, projected to the
   tower's width); the mean over the windows is the clip's pose descriptor p;
3. a token gate s_t,i = sigmoid(<p, x_t,i>) per patch: the dot product of the patch with the pose
   descriptor, so patches of one frame that align differently with the pose get different gates;
4. pose-guided weights: within frame t, w_t,i = Σ_j m_j exp(-‖c_i − k_j‖² / 2σ²) (c_i a patch centre, k_j joint
   j's mean position in window t, m_j its share of the window's motion), normalised over the patches; across
   frames, frame t weighs its window's share of the clip's motion (uniform when nothing moves);
5. one clip-level semantic query: the mean of all T×P patch tokens weighted by frame weight × w × s;
6. in the last block the query cross-attends to all T×P patch tokens of the clip, with that block's own
   attention and MLP weights (the tokens' own pass through the last block would feed nothing, so it is
   skipped), then the tower's final LayerNorm gives the visual feature v;
7. a global channel gate g = sigmoid(W[v; p] + b) ∈ (0, 1)^D fuses g·v + (1 − g)·p, which goes to a two-layer
   MLP head (`TwoLayerMLPHead`).

The backbone plugs into mmaction2's `MMRecognizer3D` with inputs `imgs`, `heatmap_imgs`, `keypoint`,
`keypoint_score`; see `models/configs/seed_papers/clip_mg*.py`. Without CLIP weights it warns: its frozen
blocks would stay random.
"""
import os
import warnings

import timm
import torch
import torch.nn.functional as F
from mmaction.models.heads.base import BaseHead
from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import nn

from models.seed_papers.layers import GatedFusion

CLIP_MEAN = [0.48145466 * 255, 0.4578275 * 255, 0.40821073 * 255]
CLIP_STD = [0.26862954 * 255, 0.26130258 * 255, 0.27577711 * 255]


class HeatmapWindowEncoder(nn.Module):
    """Heatmap volumes [B, J, W·L, h, w] → one feature per window [B, W, out_dims], each averaged over the
    window's L frames and its space."""

    def __init__(self, in_channels, channels=(64, 128, 256), out_dims=768):
        super().__init__()
        stages, previous = [], in_channels
        for width in channels:
            stages += [nn.Conv3d(previous, width, 3, stride=(1, 2, 2), padding=1, bias=False),
                       nn.BatchNorm3d(width), nn.ReLU(inplace=True)]
            previous = width
        self.stages = nn.Sequential(*stages)
        self.proj = nn.Linear(previous, out_dims)

    def forward(self, heatmaps, num_windows):
        batch, joints, frames, height, width = heatmaps.shape
        if frames % num_windows:
            raise ValueError(f"{frames} heatmap frames do not split into {num_windows} equal windows")
        x = heatmaps.reshape(batch, joints, num_windows, frames // num_windows, height, width)
        x = x.transpose(1, 2).flatten(0, 1)
        x = self.stages(x).mean(dim=(2, 3, 4))
        return self.proj(x).reshape(batch, num_windows, -1)


def window_joint_motion(keypoint, keypoint_score, num_windows):
    """Each joint's mean frame-to-frame displacement in each window [B, W, V]; a joint missing (score 0) in
    any frame of a window counts as still there. keypoint [B, W·L, V, 2], keypoint_score [B, W·L, V]."""
    batch, frames, joints, _ = keypoint.shape
    kp = keypoint.reshape(batch, num_windows, frames // num_windows, joints, 2)
    seen = (keypoint_score.reshape(batch, num_windows, -1, joints) > 0).all(dim=2)
    return (kp[:, :, 1:] - kp[:, :, :-1]).norm(dim=-1).mean(dim=2) * seen


def pose_patch_weights(keypoint, keypoint_score, num_windows, grid, patch_size, sigma):
    """Weights [B, W, H'·W'] of the patches of each frame, summing to 1, from the window's moving joints.

    keypoint [B, W·L, V, 2] in pixels of the RGB frame, keypoint_score [B, W·L, V] (0 = missing).
    A joint counts by its share of the window's motion (`window_joint_motion`); a window without motion
    gives uniform weights.
    """
    batch, frames, joints, _ = keypoint.shape
    motion = window_joint_motion(keypoint, keypoint_score, num_windows)  # [B, W, V]
    share = motion / motion.sum(dim=-1, keepdim=True).clamp_min(1e-6)
    rows, cols = grid
    y, x = torch.meshgrid(torch.arange(rows, device=keypoint.device), torch.arange(cols, device=keypoint.device),
                          indexing="ij")
    centres = (torch.stack([x, y], dim=-1).reshape(-1, 2).to(keypoint.dtype) + 0.5) * patch_size  # [P, 2] (x, y)
    positions = keypoint.reshape(batch, num_windows, frames // num_windows, joints, 2).mean(dim=2)
    distance2 = (centres[None, None, :, None] - positions[:, :, None]).pow(2).sum(-1)  # [B, W, P, V]
    weights = (share[:, :, None] * torch.exp(-distance2 / (2 * sigma ** 2))).sum(-1) + 1e-6
    return weights / weights.sum(dim=-1, keepdim=True)


def frame_motion_weights(keypoint, keypoint_score, num_windows):
    """Weight of each frame [B, W]: its window's share of the clip's motion (uniform for a still clip)."""
    motion = window_joint_motion(keypoint, keypoint_score, num_windows).sum(dim=-1) + 1e-6
    return motion / motion.sum(dim=-1, keepdim=True)


def semantic_query(patches, pose, patch_weights, frame_weights, gate_scale=1.0):
    """One clip-level query over all frames' patch tokens.

    patches [B, T, P, D], pose [B, D], patch_weights [B, T, P] (each frame's sum to 1), frame_weights [B, T].
    The gate of each patch is sigmoid(gate_scale · <pose, patch>); the query is the mean of the T×P patches
    weighted by frame weight × patch weight × gate. Returns (query [B, 1, D], gates [B, T, P]).
    """
    gates = torch.sigmoid(gate_scale * torch.einsum("btpd,bd->btp", patches, pose))
    mix = frame_weights[:, :, None] * patch_weights * gates
    query = torch.einsum("btp,btpd->bd", mix, patches) / mix.sum(dim=(1, 2))[:, None]
    return query[:, None], gates


def cross_attend(block, query, tokens):
    """`query` [B, 1, D] attends to `tokens` [B, N, D] with a timm block's attention and MLP weights."""
    attn = block.attn
    dims = query.shape[-1]
    heads = attn.num_heads
    weight, bias = attn.qkv.weight, attn.qkv.bias
    q_in, kv_in = block.norm1(query), block.norm1(tokens)
    q = F.linear(q_in, weight[:dims], None if bias is None else bias[:dims])
    k = F.linear(kv_in, weight[dims:2 * dims], None if bias is None else bias[dims:2 * dims])
    v = F.linear(kv_in, weight[2 * dims:], None if bias is None else bias[2 * dims:])

    def split(t):
        return t.reshape(t.shape[0], t.shape[1], heads, -1).transpose(1, 2)

    out = F.scaled_dot_product_attention(attn.q_norm(split(q)), attn.k_norm(split(k)), split(v))
    out = attn.proj(attn.norm(out.transpose(1, 2).reshape(query.shape)))
    query = query + block.drop_path1(block.ls1(out))
    return query + block.drop_path2(block.ls2(block.mlp(block.norm2(query))))


@MODELS.register_module()
class CLIPMG(BaseModule):
    """Pose-guided CLIP tower; `forward(imgs, heatmap_imgs, keypoint, keypoint_score)` → [views, width].

    Args:
        num_joints: heatmap channels (joints of the layout).
        arch / arch_kwargs: the timm model and overrides (tiny configs shrink width, depth and image size).
        pretrained: local weights file for the tower (timm, open_clip or OpenAI CLIP layout; timm converts).
            Without it the frozen blocks keep timm's random initialisation, and a warning says so.
        frozen_blocks: leading blocks kept frozen with the embeddings (10 of 12 in the paper).
        sigma: scale of the patch weights, in pixels of the input frame.
        gate_scale: factor on the token gate's dot product (1: the paper's sigmoid(<p, x>)).
    """

    def __init__(self, num_joints, arch="vit_base_patch16_clip_224", arch_kwargs=None, pretrained=None,
                 frozen_blocks=10, pose_channels=(64, 128, 256), sigma=32.0, gate_scale=1.0, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        kwargs = dict(arch_kwargs or {}, num_classes=0)
        if pretrained:
            if not os.path.isfile(pretrained):
                raise FileNotFoundError(f"CLIP weights {pretrained!r} do not exist; give a local file "
                                        "(weights cannot be downloaded) or pretrained=None")
            kwargs["pretrained_cfg_overlay"] = dict(file=pretrained)
        self.tower = timm.create_model(arch, pretrained=bool(pretrained), **kwargs)
        depth = len(self.tower.blocks)
        if not 0 <= frozen_blocks <= depth - 2:
            raise ValueError(f"frozen_blocks must leave the penultimate and last of {depth} blocks trainable; "
                             f"got {frozen_blocks}")
        if not pretrained and frozen_blocks:
            warnings.warn(f"CLIPMG has no CLIP weights: its {frozen_blocks} frozen blocks keep their random "
                          "initialisation and never train, so the tower extracts random features; give a local "
                          "CLIP ViT-B/16 file with model.backbone.pretrained=PATH", stacklevel=2)
        self.frozen_blocks = frozen_blocks
        dims = self.tower.embed_dim
        self.patch_size = self.tower.patch_embed.patch_size[0]
        self.sigma, self.gate_scale = sigma, gate_scale
        self.pose_encoder = HeatmapWindowEncoder(num_joints, pose_channels, dims)
        self.channel_gate = GatedFusion(dims)
        self.last_token_gate = None
        self._pretrained = pretrained
        for module in self.frozen_modules():
            module.requires_grad_(False)
        for name in ("cls_token", "pos_embed", "reg_token"):
            if getattr(self.tower, name, None) is not None:
                getattr(self.tower, name).requires_grad_(False)

    def frozen_modules(self):
        return [self.tower.patch_embed, self.tower.norm_pre, *self.tower.blocks[:self.frozen_blocks]]

    def init_weights(self):
        """Keep the tower as built (timm's init or the local CLIP weights); init the new layers only."""
        nn.init.trunc_normal_(self.channel_gate.gate.weight, std=0.02)
        nn.init.zeros_(self.channel_gate.gate.bias)

    def train(self, mode=True):
        super().train(mode)
        for module in self.frozen_modules():
            module.eval()
        return self

    def forward(self, imgs, heatmap_imgs, keypoint, keypoint_score=None):
        views, _, frames, height, width = imgs.shape
        pose_frames, joints = heatmap_imgs.shape[2], keypoint.shape[-2]
        if keypoint.numel() != views * pose_frames * joints * 2:
            raise ValueError(f"expected one person's keypoints for {views} views × {pose_frames} frames; "
                             f"got keypoint of shape {tuple(keypoint.shape)}")
        keypoint = keypoint.reshape(views, pose_frames, joints, 2)
        keypoint_score = (torch.ones_like(keypoint[..., 0]) if keypoint_score is None
                          else keypoint_score.reshape(views, pose_frames, joints))
        grid = (height // self.patch_size, width // self.patch_size)

        pose = self.pose_encoder(heatmap_imgs, frames).mean(dim=1)  # the clip's pose descriptor [V, D]
        patch_weights = pose_patch_weights(keypoint, keypoint_score, frames, grid, self.patch_size, self.sigma)
        frame_weights = frame_motion_weights(keypoint, keypoint_score, frames)

        tower = self.tower
        x = imgs.transpose(1, 2).flatten(0, 1)  # [V·T, 3, H, W]
        with torch.no_grad():
            x = tower.norm_pre(tower._pos_embed(tower.patch_embed(x)))
            for block in tower.blocks[:self.frozen_blocks]:
                x = block(x)
        for block in tower.blocks[self.frozen_blocks:-1]:
            x = block(x)
        prefix = x.shape[1] - patch_weights.shape[-1]  # class (and register) tokens
        patches = x[:, prefix:].reshape(views, frames, -1, x.shape[-1])  # [V, T, P, D]
        query, gates = semantic_query(patches, pose, patch_weights, frame_weights, self.gate_scale)
        self.last_token_gate = gates.detach()
        visual = tower.norm(cross_attend(tower.blocks[-1], query, patches.flatten(1, 2))[:, 0])
        return self.channel_gate(visual, pose)


@MODELS.register_module()
class TwoLayerMLPHead(BaseHead):
    """Linear → GELU → dropout → linear on a pooled feature [N, in_channels]."""

    def __init__(self, num_classes, in_channels, hidden_channels=512, dropout_ratio=0.5,
                 loss_cls=dict(type="CrossEntropyLoss"), **kwargs):
        super().__init__(num_classes, in_channels, loss_cls=loss_cls, **kwargs)
        self.mlp = nn.Sequential(nn.Linear(in_channels, hidden_channels), nn.GELU(), nn.Dropout(dropout_ratio),
                                 nn.Linear(hidden_channels, num_classes))

    def forward(self, x, **kwargs):
        return self.mlp(x)
