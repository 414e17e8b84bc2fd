"""Small layers shared by the seed-paper architectures."""
import torch
import torch.nn.functional as F
from torch import nn


def sinusoid_position_table(num_positions, dims):
    """Fixed sine/cosine position encoding of "Attention is all you need": [1, num_positions, dims].

    Even channels carry sin(pos / 10000^(2i/dims)), odd channels cos of the same angle, as VideoMAE uses.
    """
    channel = torch.arange(dims, dtype=torch.float64)
    frequency = torch.pow(10000.0, -(channel - channel % 2) / dims)
    angle = torch.arange(num_positions, dtype=torch.float64)[:, None] * frequency[None, :]
    table = torch.where(channel.long() % 2 == 0, torch.sin(angle), torch.cos(angle))
    return table.to(torch.float32)[None]


class MultiHeadSelfAttention(nn.Module):
    """Self-attention with VideoMAE's parameter layout (one `qkv` matrix, separate q and v biases).

    `forward(x, need_weights=True)` also returns the attention map [B, heads, N, N] (queries × keys);
    without it the fused kernel is used and no map is built.
    """

    def __init__(self, dims, num_heads, qkv_bias=True, attn_drop=0.0, proj_drop=0.0):
        super().__init__()
        if dims % num_heads:
            raise ValueError(f"embedding width {dims} is not divisible by {num_heads} heads")
        self.num_heads = num_heads
        self.qkv = nn.Linear(dims, dims * 3, bias=False)
        if qkv_bias:
            self.q_bias = nn.Parameter(torch.zeros(dims))
            self.v_bias = nn.Parameter(torch.zeros(dims))
        else:
            self.q_bias = self.v_bias = None
        self.attn_drop = attn_drop
        self.proj = nn.Linear(dims, dims)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self, x, need_weights=False):
        batch, tokens, dims = x.shape
        bias = None
        if self.q_bias is not None:
            bias = torch.cat([self.q_bias, torch.zeros_like(self.q_bias), self.v_bias])
        qkv = F.linear(x, self.qkv.weight, bias)
        q, k, v = qkv.reshape(batch, tokens, 3, self.num_heads, -1).permute(2, 0, 3, 1, 4)
        drop = self.attn_drop if self.training else 0.0
        weights = None
        if need_weights:
            weights = (q * q.shape[-1] ** -0.5) @ k.transpose(-2, -1)
            weights = weights.softmax(dim=-1)
            out = F.dropout(weights, drop) @ v
        else:
            out = F.scaled_dot_product_attention(q, k, v, dropout_p=drop)
        out = self.proj_drop(self.proj(out.transpose(1, 2).reshape(batch, tokens, dims)))
        return out, weights


class FeedForward(nn.Module):
    """Two linear layers with GELU between them (the transformer MLP)."""

    def __init__(self, dims, hidden_dims, out_dims=None, drop=0.0):
        super().__init__()
        self.fc1 = nn.Linear(dims, hidden_dims)
        self.act = nn.GELU()
        self.drop = nn.Dropout(drop)
        self.fc2 = nn.Linear(hidden_dims, out_dims or dims)

    def forward(self, x):
        return self.fc2(self.drop(self.act(self.fc1(x))))


class DropPath(nn.Module):
    """Stochastic depth: drop a sample's residual branch with probability `rate` while training."""

    def __init__(self, rate=0.0):
        super().__init__()
        self.rate = rate

    def forward(self, x):
        if not self.training or self.rate == 0.0:
            return x
        keep = 1.0 - self.rate
        mask = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep)
        return x * mask / keep


class GatedFusion(nn.Module):
    """`g * a + (1 - g) * b` with a per-channel gate `g = sigmoid(W [a; b] + c)`, so g lies in (0, 1).

    `forward(a, b)` broadcasts b over a's leading dimensions; `last_gate` keeps the gate of the last call.
    """

    def __init__(self, dims):
        super().__init__()
        self.gate = nn.Linear(2 * dims, dims)
        self.last_gate = None

    def forward(self, a, b):
        b = b.expand_as(a)
        gate = torch.sigmoid(self.gate(torch.cat([a, b], dim=-1)))
        self.last_gate = gate.detach()
        return gate * a + (1.0 - gate) * b
