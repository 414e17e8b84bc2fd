"""Tube masking: one random set of spatial positions per clip, hidden in every temporal slot.

Tokens are numbered as the ViT flattens its patch grid (t, h, w): token = t·H·W + h·W + w. A clip of T×H×W
tokens keeps ⌊ratio·H·W⌋ positions hidden in each of its T slots (VideoMAE's count), so every clip of a
batch has the same number of visible tokens and they stack into one tensor.
"""
import torch


def masked_per_slot(grid, ratio):
    """Positions hidden in each temporal slot of a (T, H, W) token grid."""
    if not 0.0 <= ratio < 1.0:
        raise ValueError(f"mask ratio must lie in [0, 1); got {ratio}")
    return int(ratio * grid[1] * grid[2])


def tube_mask(batch, grid, ratio, device=None, generator=None):
    """(visible, masked): sorted token indices [batch, T·v] and [batch, T·m] of a tube mask per clip."""
    slots, height, width = grid
    area = height * width
    hidden = masked_per_slot(grid, ratio)
    noise = torch.rand(batch, area, device=device, generator=generator)
    order = noise.argsort(dim=1)
    offsets = torch.arange(slots, device=order.device)[None, :, None] * area

    def tubes(positions):
        positions = positions.sort(dim=1).values
        return (positions[:, None, :] + offsets).flatten(1)

    return tubes(order[:, hidden:]), tubes(order[:, :hidden])


def gather_tokens(tokens, index):
    """tokens [B, N, C] at index [B, K] -> [B, K, C]."""
    return tokens.gather(1, index[..., None].expand(-1, -1, tokens.shape[-1]))
