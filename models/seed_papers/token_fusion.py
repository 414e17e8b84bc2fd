"""Cross-modal token fusion with memory refinement (the Track 1 entry of the Track 3 2nd-place team).

- `CrossModalTokenFusion` (backbone): RGB tokens from a video backbone (mmaction2's MViTv2) and skeleton
  tokens from a graph network (mmaction2's AAGCN, i.e. 2s-AGCN's stream) are projected to one width; the
  per-frame RGB tokens attend to the skeleton tokens (multi-head attention, residual, LayerNorm), a linear
  projection follows, and temporal pooling gives the clip embedding. It also returns the pooled skeleton
  feature for the pose classifier.
- `MemoryRefinementHead`: logits of the pose branch and of the fused embedding are combined by learned
  late-fusion weights (softmax of two parameters, pose favoured at init). A memory bank keeps up to 50
  embeddings per class from confidently and correctly classified training clips (filled in order, then the
  nearest slot moves by momentum 0.9 towards each new one). Refinement: the embedding and its top-5 cosine
  neighbours in the predicted class's memory pass through self-attention; the refined embedding gives
  refined logits. Loss: L_c + α·L_p, L_c on the plain fused logits and L_p on the refined ones.
- `RefinementScheduleHook`: α = 0 for the first `start_epoch` epochs (the bank fills meanwhile), 1 after.
  α is a buffer of the head, so checkpoints carry it and prediction refines exactly when training did.

Plugs into mmaction2's `MMRecognizer3D` with inputs `imgs` and `keypoint` (GCN layout); see
`models/configs/seed_papers/token_fusion*.py`. The skeleton backbone's graph may be named
(`graph_cfg=dict(layout='imigue36')`, see models.components.skeleton.GRAPH_LAYOUTS).
"""
import copy
import math

import torch
import torch.nn.functional as F
from mmaction.models.heads.base import BaseHead
from mmaction.registry import HOOKS, MODELS
from mmengine.dist import all_gather, get_world_size
from mmengine.hooks import Hook
from mmengine.model import BaseModule, is_model_wrapper
from torch import nn

from models.components.skeleton import named_graph_cfg


def resolve_graph_layout(backbone_cfg):
    """A copy of a GCN backbone config whose `graph_cfg.layout` may name a layout of models.components.skeleton."""
    cfg = copy.deepcopy(backbone_cfg)
    if cfg.get("graph_cfg") is not None:
        cfg["graph_cfg"] = copy.deepcopy(named_graph_cfg(cfg["graph_cfg"]))
    return cfg


@MODELS.register_module()
class CrossModalTokenFusion(BaseModule):
    """`forward(imgs, keypoint)` → (clip embedding [N, embed_dims], skeleton feature [N, pose_channels])."""

    def __init__(self, rgb_backbone, pose_backbone, rgb_channels, pose_channels, embed_dims=512, num_heads=8,
                 dropout=0.0, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.rgb_backbone = MODELS.build(rgb_backbone)
        self.pose_backbone = MODELS.build(resolve_graph_layout(pose_backbone))
        self.rgb_proj = nn.Linear(rgb_channels, embed_dims)
        self.pose_proj = nn.Linear(pose_channels, embed_dims)
        self.attention = nn.MultiheadAttention(embed_dims, num_heads, dropout=dropout, batch_first=True)
        self.norm = nn.LayerNorm(embed_dims)
        self.out_proj = nn.Linear(embed_dims, embed_dims)

    def forward(self, imgs, keypoint):
        rgb = self.rgb_backbone(imgs)
        if isinstance(rgb, (tuple, list)):  # one output per scale (MViT): the last
            rgb = rgb[-1]
        if isinstance(rgb, (tuple, list)):  # (patch tokens, class token)
            rgb = rgb[0]
        rgb_tokens = rgb.mean(dim=(3, 4)).transpose(1, 2)  # [N, C, T, H, W] -> one token per time step
        pose = self.pose_backbone(keypoint)  # [N, M, C, T, V]
        pose_tokens = pose.mean(dim=(1, 4)).transpose(1, 2)  # [N, T', C]
        r, s = self.rgb_proj(rgb_tokens), self.pose_proj(pose_tokens)
        fused = self.norm(r + self.attention(r, s, s, need_weights=False)[0])
        embedding = self.out_proj(fused).mean(dim=1)
        return embedding, pose.mean(dim=(1, 3, 4))


@MODELS.register_module()
class MemoryRefinementHead(BaseHead):
    """Late fusion of pose and fused-embedding logits, with memory-bank refinement of the embedding.

    Args:
        in_channels: width of the clip embedding; pose_channels: width of the skeleton feature.
        memory_size: embeddings kept per class (50); momentum: weight of the old slot when full (0.9).
        num_neighbours: cosine neighbours used in refinement (5).
        confidence: a training clip enters the memory when predicted correctly with at least this probability.
        pose_weight: the pose branch's late-fusion weight at init (> 0.5 favours pose).
    """

    def __init__(self, num_classes, in_channels, pose_channels, memory_size=50, momentum=0.9, num_neighbours=5,
                 num_heads=8, confidence=0.5, pose_weight=0.6, loss_cls=dict(type="CrossEntropyLoss"),
                 **kwargs):
        super().__init__(num_classes, in_channels, loss_cls=loss_cls, **kwargs)
        if not 0.0 < pose_weight < 1.0:
            raise ValueError(f"pose_weight must lie in (0, 1); got {pose_weight}")
        self.memory_size, self.momentum = memory_size, momentum
        self.num_neighbours, self.confidence = num_neighbours, confidence
        self.rgb_fc = nn.Linear(in_channels, num_classes)
        self.pose_fc = nn.Linear(pose_channels, num_classes)
        self.fusion_logits = nn.Parameter(torch.tensor([math.log(pose_weight), math.log(1.0 - pose_weight)]))
        self.refiner = nn.MultiheadAttention(in_channels, num_heads, batch_first=True)
        self.refine_norm = nn.LayerNorm(in_channels)
        self.register_buffer("memory", torch.zeros(num_classes, memory_size, in_channels))
        self.register_buffer("memory_count", torch.zeros(num_classes, dtype=torch.long))
        self.register_buffer("refine_weight", torch.tensor(0.0))

    def fusion_weights(self):
        """(pose weight, RGB weight), summing to 1."""
        return self.fusion_logits.softmax(dim=0)

    def set_refine_weight(self, alpha):
        self.refine_weight.fill_(float(alpha))

    def forward(self, feats, **kwargs):
        """Fused logits of the unrefined embedding."""
        embedding, pose_feature = feats
        return self.fuse(embedding, pose_feature)

    def fuse(self, embedding, pose_feature):
        pose_w, rgb_w = self.fusion_weights()
        return pose_w * self.pose_fc(pose_feature) + rgb_w * self.rgb_fc(embedding)

    def refine(self, embedding, classes):
        """The embedding after self-attention with its nearest memories of `classes` [N]."""
        bank = self.memory[classes].to(embedding.dtype)  # [N, K, D]; the embedding may be half under AMP
        filled = torch.arange(self.memory_size, device=bank.device)[None] < self.memory_count[classes][:, None]
        similarity = F.cosine_similarity(embedding[:, None], bank, dim=-1).masked_fill(~filled, -2.0)
        nearest = similarity.topk(min(self.num_neighbours, self.memory_size), dim=1).indices
        neighbours = bank.gather(1, nearest[..., None].expand(-1, -1, bank.shape[-1]))
        sequence = torch.cat([embedding[:, None], neighbours], dim=1)
        ignore = torch.cat([torch.zeros_like(nearest[:, :1], dtype=torch.bool), ~filled.gather(1, nearest)], 1)
        attended = self.refiner(sequence, sequence, sequence, key_padding_mask=ignore, need_weights=False)[0]
        return self.refine_norm(embedding + attended[:, 0])

    @torch.no_grad()
    def update_memory(self, embeddings, labels, probs):
        """Store confident, correct embeddings: fill the class's slots, then move the nearest by momentum.

        Under distributed training every process applies every process's batch, so the memories stay equal
        (and mmengine's buffer averaging at the end of an epoch leaves them as they are).
        """
        embeddings, labels, probs = _gather_batches(embeddings.to(self.memory.dtype), labels, probs)
        confident = (probs.argmax(dim=1) == labels) & (probs.gather(1, labels[:, None])[:, 0] >= self.confidence)
        for embedding, label in zip(embeddings[confident], labels[confident]):
            count = int(self.memory_count[label])
            if count < self.memory_size:
                self.memory[label, count] = embedding
                self.memory_count[label] += 1
            else:
                slot = F.cosine_similarity(embedding[None], self.memory[label], dim=-1).argmax()
                self.memory[label, slot] = self.momentum * self.memory[label, slot] + (1 - self.momentum) * embedding

    def refining(self):
        return float(self.refine_weight) > 0

    def loss(self, feats, data_samples, **kwargs):
        embedding, pose_feature = feats
        labels = torch.stack([sample.gt_label for sample in data_samples]).to(embedding.device).reshape(-1)
        logits = self.fuse(embedding, pose_feature)
        losses = dict(loss_cls=self.loss_cls(logits, labels))
        if self.refining():
            refined = self.refine(embedding, logits.argmax(dim=1).detach())
            losses["loss_refine"] = self.refine_weight * self.loss_cls(self.fuse(refined, pose_feature), labels)
        probs = logits.detach().softmax(dim=1)
        losses["top1_acc"] = (probs.argmax(dim=1) == labels).float().mean()
        self.update_memory(embedding.detach(), labels, probs)
        return losses

    def predict(self, feats, data_samples, **kwargs):
        embedding, pose_feature = feats
        logits = self.fuse(embedding, pose_feature)
        if self.refining():
            logits = self.fuse(self.refine(embedding, logits.argmax(dim=1)), pose_feature)
        return self.predict_by_feat(logits, data_samples)


def _gather_batches(*tensors):
    """The tensors of every process concatenated (batch sizes may differ); the tensors themselves if alone."""
    if get_world_size() == 1:
        return tensors
    sizes = [int(n) for n in all_gather(torch.tensor([len(tensors[0])], device=tensors[0].device))]
    gathered = []
    for tensor in tensors:
        padded = torch.cat([tensor, tensor.new_zeros((max(sizes) - len(tensor),) + tensor.shape[1:])])
        gathered.append(torch.cat([part[:n] for part, n in zip(all_gather(padded), sizes)]))
    return tuple(gathered)


@HOOKS.register_module()
class RefinementScheduleHook(Hook):
    """α = 0 before epoch `start_epoch` (0-based), `alpha` from then on, set on the model's head."""

    def __init__(self, start_epoch, alpha=1.0):
        self.start_epoch, self.alpha = start_epoch, alpha

    def before_train_epoch(self, runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        model.cls_head.set_refine_weight(self.alpha if runner.epoch >= self.start_epoch else 0.0)
