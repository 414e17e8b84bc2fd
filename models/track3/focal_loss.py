"""Focal loss (Lin et al. 2017) with per-class weights; at gamma = 0 it is weighted cross-entropy."""
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


def inverse_frequency_weights(labels, num_classes=2):
    """Class weights inverse to class frequency, scaled so the weights average 1 over the samples.

    A class absent from `labels` gets weight 0 (it contributes no loss terms anyway)."""
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=num_classes).astype(np.float64)
    weights = np.where(counts > 0, len(labels) / (num_classes * np.maximum(counts, 1)), 0.0)
    return torch.as_tensor(weights, dtype=torch.float32)


class FocalLoss(nn.Module):
    """`-w_y (1 - p_y)^gamma log p_y`, reduced like `F.cross_entropy(weight=w)`: sum over samples divided by
    the sum of the samples' class weights, so gamma = 0 gives exactly weighted cross-entropy."""

    def __init__(self, gamma=1.0, weight=None):
        super().__init__()
        self.gamma = float(gamma)
        self.register_buffer("weight", None if weight is None else torch.as_tensor(weight, dtype=torch.float32))

    def forward(self, logits, target):
        log_p = F.log_softmax(logits, dim=-1).gather(1, target[:, None]).squeeze(1)
        modulating = (1.0 - log_p.exp()).clamp(min=0.0).pow(self.gamma) if self.gamma else 1.0
        losses = -modulating * log_p
        if self.weight is None:
            return losses.mean()
        sample_weight = self.weight[target]
        return (sample_weight * losses).sum() / sample_weight.sum()
