"""InterFusion (MiGA 2025 Track 3, 2nd place): a context stream and a face stream of per-chunk embeddings,
fused by gated exchange.

    context [B, T, Dc] ─ Linear → Dropout → TransformerEncoder(depth) ─┐
                                                                       ├ InterFusionBlock
    face    [B, T, Df] ─ Linear → Dropout → TransformerEncoder(depth) ─┘
             per stream: one more TransformerEncoderLayer
             InterFusionBlock
             masked mean over time per stream → concat → head → 2 logits

InterFusionBlock, for context c and face f at each time step (d features each):
    g  = sigmoid(W [c; f] + b)                 one gate in (0, 1)^d shared by both directions
    c' = LayerNorm(c + g * f)                  residual gated sum, face into context
    f' = LayerNorm(f + g * c)                  residual gated sum, context into face
Padded chunks (mask False) are excluded from attention and from the pooling, so they cannot change the output.
"""
import torch
from torch import nn


def _encoder_layer(dim, heads, dropout):
    return nn.TransformerEncoderLayer(dim, heads, dim_feedforward=2 * dim, dropout=dropout, batch_first=True,
                                      norm_first=True)


def _encoder(dim, heads, depth, dropout):
    # enable_nested_tensor=False: the nested fast path drops padded positions only in eval mode and only
    # sometimes; one code path keeps training and inference numerically alike.
    return nn.TransformerEncoder(_encoder_layer(dim, heads, dropout), depth, enable_nested_tensor=False)


class InterFusionBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.gate = nn.Linear(2 * dim, dim)
        self.norm_context = nn.LayerNorm(dim)
        self.norm_face = nn.LayerNorm(dim)

    def gate_values(self, context, face):
        return torch.sigmoid(self.gate(torch.cat([context, face], dim=-1)))

    def forward(self, context, face):
        g = self.gate_values(context, face)
        return self.norm_context(context + g * face), self.norm_face(face + g * context)


class StreamProjection(nn.Sequential):
    """Linear projection of one stream's embeddings to the model width, then dropout."""

    def __init__(self, in_dim, dim, dropout):
        super().__init__(nn.Linear(in_dim, dim), nn.Dropout(dropout))


def masked_mean(x, mask):
    """Mean over time of x [B, T, D] where mask [B, T] is True; a sequence with no valid step gives zeros."""
    weights = mask.to(x.dtype).unsqueeze(-1)
    return (x * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)


class InterFusionNet(nn.Module):
    def __init__(self, context_dim, face_dim, dim=128, heads=4, depth=2, dropout=0.3, num_classes=2):
        super().__init__()
        if dim % heads:
            raise ValueError(f"model width {dim} must be divisible by the number of heads {heads}")
        self.project_context = StreamProjection(context_dim, dim, dropout)
        self.project_face = StreamProjection(face_dim, dim, dropout)
        self.encode_context = _encoder(dim, heads, depth, dropout)
        self.encode_face = _encoder(dim, heads, depth, dropout)
        self.fusion1 = InterFusionBlock(dim)
        self.between_context = _encoder(dim, heads, 1, dropout)
        self.between_face = _encoder(dim, heads, 1, dropout)
        self.fusion2 = InterFusionBlock(dim)
        self.head = nn.Sequential(nn.LayerNorm(2 * dim), nn.Dropout(dropout), nn.Linear(2 * dim, num_classes))

    def forward(self, context, face, mask):
        """context [B, T, Dc], face [B, T, Df], mask [B, T] (True = a real chunk) → logits [B, num_classes]."""
        padding = ~mask
        c = self.encode_context(self.project_context(context), src_key_padding_mask=padding)
        f = self.encode_face(self.project_face(face), src_key_padding_mask=padding)
        c, f = self.fusion1(c, f)
        c = self.between_context(c, src_key_padding_mask=padding)
        f = self.between_face(f, src_key_padding_mask=padding)
        c, f = self.fusion2(c, f)
        return self.head(torch.cat([masked_mean(c, mask), masked_mean(f, mask)], dim=-1))
