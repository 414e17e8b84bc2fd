"""Cross-modal token fusion with memory refinement (the Track 1 entry of the Track 3 2nd-place team).

- `CrossModalTokenFusion` (backbone): RGB tokens from a video backbone (mmaction2's MViTv2) and skeleton
  tokens from graph networks (2s-AGCN: an AAGCN on the joints and one on the bones, their features side by
  side) are projected to one width; the per-frame RGB tokens attend to the skeleton tokens (multi-head
  attention, residual, LayerNorm), a linear projection follows, and temporal pooling gives the clip
  embedding. It also returns the pooled skeleton feature for the pose classifier. As in the paper, the
  encoders can be pretrained feature extractors (`frozen_encoders`), loaded from the checkpoints of their own
  trainings (`encoder_checkpoints`: `miga train mvit_s_rgb`, `seed_papers/agcn_joint`, `seed_papers/agcn_bone`).
- `MemoryRefinementHead`: logits of the pose branch and of the fused embedding are combined with fixed
  late-fusion weights, pose above RGB. A memory bank keeps up to 50 embeddings per class from confidently
  and correctly classified training clips (filled in order, then the nearest slot moves by momentum 0.9
  towards each new one). Refinement: the embedding and its top-5 cosine neighbours in the predicted class's
  memory pass through self-attention. Loss: L_c + α·L_p, L_c cross-entropy on the fused logits and L_p a
  prototype margin term on the refined embedding (its cosine to its class's prototype, the mean of that
  class's memory, must exceed its cosine to any other class's prototype by a margin).
- `RefinementScheduleHook`: α = 0 for the first `start_epoch` epochs (the bank fills meanwhile), then rising
  linearly, iteration by iteration, to its final value over `ramp_epochs` epochs. α is a buffer of the head,
  so checkpoints carry it and prediction refines exactly when training had switched refinement on.

Plugs into mmaction2's `MMRecognizer3D` with inputs `imgs` and `keypoint` (GCN layout, (x, y, score) per
joint); see `models/configs/seed_papers/token_fusion*.py`. Skeleton graphs may be named
(`graph_cfg=dict(layout='imigue36')`, see models.components.skeleton.GRAPH_LAYOUTS; `NamedGraphAAGCN`).
"""
import warnings

import torch
import torch.nn.functional as F
from mmaction.models.backbones import AAGCN
from mmaction.models.heads.base import BaseHead
from mmaction.registry import HOOKS, MODELS
from mmengine.dist import all_gather, get_world_size
from mmengine.hooks import Hook
from mmengine.model import BaseModule, is_model_wrapper
from torch import nn

from models.components.skeleton import named_graph_cfg
from models.openmmlab import load_checkpoint_file

ENCODERS = ("rgb", "joint", "bone")


@MODELS.register_module()
class NamedGraphAAGCN(AAGCN):
    """mmaction2's AAGCN (2s-AGCN's stream) whose `graph_cfg.layout` may also name a layout of
    models.components.skeleton.GRAPH_LAYOUTS (e.g. 'imigue36'). Same parameters as AAGCN."""

    def __init__(self, graph_cfg, **kwargs):
        super().__init__(graph_cfg=named_graph_cfg(graph_cfg), **kwargs)


def bone_features(joint, parents):
    """Bones of (x, y, score) joints [..., V, 3]: (x − x_parent, y − y_parent, mean score of the two ends),
    the centre's bone zero; the same features as models.components.transforms.SkeletonFeature('bone')."""
    parent = joint[..., parents, :]
    return torch.cat([joint[..., :2] - parent[..., :2], (joint[..., 2:] + parent[..., 2:]) / 2], dim=-1)


def load_encoder_weights(encoder, path, name):
    """Load the `backbone.*` tensors of a toolkit checkpoint (or a bare state dict) into `encoder`."""
    import os

    if not os.path.isfile(path):
        raise FileNotFoundError(f"{name} encoder checkpoint {path!r} does not exist")
    checkpoint = load_checkpoint_file(path)
    state = checkpoint.get("state_dict", checkpoint) if isinstance(checkpoint, dict) else {}
    if any(key.startswith("backbone.") for key in state):
        state = {key[len("backbone."):]: value for key, value in state.items() if key.startswith("backbone.")}
    own = encoder.state_dict()
    missing = sorted(set(own) - set(state))
    wrong = [key for key in own if key in state and tuple(state[key].shape) != tuple(own[key].shape)]
    if missing or wrong:
        raise ValueError(f"{path}: not a checkpoint of this {name} encoder: {len(missing)} tensors missing "
                         f"(e.g. {missing[:3]}), {len(wrong)} of another shape (e.g. {wrong[:3]})")
    encoder.load_state_dict({key: state[key] for key in own})


@MODELS.register_module()
class CrossModalTokenFusion(BaseModule):
    """`forward(imgs, keypoint)` → (clip embedding [N, embed_dims], skeleton feature [N, streams × pose_channels]).

    Args:
        rgb_backbone / pose_backbone: configs of the RGB encoder and of the joint stream's graph network.
        pose_channels: output width of one skeleton stream.
        bone_parents: each joint's parent; given, a second graph network (same config) reads the bones
            (2s-AGCN's two streams), and the skeleton feature is both streams' side by side.
        frozen_encoders: keep the encoders fixed (no gradient, evaluation mode), as feature extractors.
        encoder_checkpoints: {'rgb'|'joint'|'bone': path} of checkpoints whose `backbone.*` tensors are the
            encoders' weights. Frozen encoders without weights warn: they would extract random features.
    """

    def __init__(self, rgb_backbone, pose_backbone, rgb_channels, pose_channels, embed_dims=512, num_heads=8,
                 dropout=0.0, bone_parents=None, frozen_encoders=False, encoder_checkpoints=None, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.rgb_backbone = MODELS.build(rgb_backbone)
        self.pose_backbone = MODELS.build(pose_backbone)
        self.bone_backbone = MODELS.build(pose_backbone) if bone_parents is not None else None
        if bone_parents is not None:
            self.register_buffer("bone_parents", torch.as_tensor(bone_parents, dtype=torch.long), persistent=False)
        streams = 2 if bone_parents is not None else 1
        self.rgb_proj = nn.Linear(rgb_channels, embed_dims)
        self.pose_proj = nn.Linear(streams * pose_channels, embed_dims)
        self.attention = nn.MultiheadAttention(embed_dims, num_heads, dropout=dropout, batch_first=True)
        self.norm = nn.LayerNorm(embed_dims)
        self.out_proj = nn.Linear(embed_dims, embed_dims)
        self.encoder_checkpoints = {k: v for k, v in (encoder_checkpoints or {}).items() if v}
        unknown = set(self.encoder_checkpoints) - set(ENCODERS)
        if unknown:
            raise ValueError(f"encoder_checkpoints names {sorted(unknown)}; the encoders are {list(ENCODERS)}")
        self.frozen_encoders = frozen_encoders
        if frozen_encoders:
            for encoder in self.encoders().values():
                encoder.requires_grad_(False)
            unweighted = [name for name in self.encoders() if name not in self.encoder_checkpoints
                          and not (name == "rgb" and rgb_backbone.get("pretrained"))]
            if unweighted:
                warnings.warn(f"CrossModalTokenFusion: frozen {', '.join(unweighted)} encoder(s) without weights "
                              "extract random features; the paper fuses features of pretrained encoders: give "
                              "model.backbone.encoder_checkpoints (docs/seed-papers.md)", stacklevel=2)

    def encoders(self):
        encoders = {"rgb": self.rgb_backbone, "joint": self.pose_backbone}
        if self.bone_backbone is not None:
            encoders["bone"] = self.bone_backbone
        return encoders

    def init_weights(self):
        super().init_weights()
        encoders = self.encoders()
        for name, path in self.encoder_checkpoints.items():
            if name not in encoders:
                raise ValueError(f"a {name} encoder checkpoint is given but the model has no {name} stream")
            load_encoder_weights(encoders[name], path, name)

    def train(self, mode=True):
        super().train(mode)
        if self.frozen_encoders:
            for encoder in self.encoders().values():
                encoder.eval()
        return self

    def _encode(self, imgs, keypoint):
        rgb = self.rgb_backbone(imgs)
        if isinstance(rgb, (tuple, list)):  # one output per scale (MViT): the last
            rgb = rgb[-1]
        if isinstance(rgb, (tuple, list)):  # (patch tokens, class token)
            rgb = rgb[0]
        streams = [self.pose_backbone(keypoint)]  # [N, M, C, T, V]
        if self.bone_backbone is not None:
            streams.append(self.bone_backbone(bone_features(keypoint, self.bone_parents)))
        return rgb, torch.cat(streams, dim=2)

    def forward(self, imgs, keypoint):
        if self.frozen_encoders:
            with torch.no_grad():
                rgb, pose = self._encode(imgs, keypoint)
        else:
            rgb, pose = self._encode(imgs, keypoint)
        rgb_tokens = rgb.mean(dim=(3, 4)).transpose(1, 2)  # [N, C, T, H, W] -> one token per time step
        pose_tokens = pose.mean(dim=(1, 4)).transpose(1, 2)  # [N, T', streams × C]
        r, s = self.rgb_proj(rgb_tokens), self.pose_proj(pose_tokens)
        fused = self.norm(r + self.attention(r, s, s, need_weights=False)[0])
        embedding = self.out_proj(fused).mean(dim=1)
        return embedding, pose.mean(dim=(1, 3, 4))


def prototype_margin_loss(embedding, labels, memory, memory_count, margin):
    """Mean over the clips whose class has memories of relu(margin − cos(e, μ_y) + max_{c≠y} cos(e, μ_c)),
    μ_c the mean of class c's stored embeddings (classes without memories take no part); 0 when none has."""
    filled = torch.arange(memory.shape[1], device=memory.device)[None] < memory_count[:, None]  # [K, S]
    prototypes = (memory * filled[..., None]).sum(1) / filled.sum(1, keepdim=True).clamp_min(1)
    similarity = F.normalize(embedding, dim=-1) @ F.normalize(prototypes.to(embedding.dtype), dim=-1).T  # [N, K]
    has_memory = memory_count > 0
    valid = has_memory[labels]
    if not valid.any():
        return embedding.sum() * 0.0
    positive = similarity.gather(1, labels[:, None])[:, 0]
    others = has_memory[None].expand_as(similarity).clone()
    others[torch.arange(len(labels)), labels] = False
    negative = similarity.masked_fill(~others, -1.0).max(dim=1).values
    return F.relu(margin - positive + negative)[valid].mean()


@MODELS.register_module()
class MemoryRefinementHead(BaseHead):
    """Late fusion of pose and fused-embedding logits, with memory-bank refinement of the embedding.

    Args:
        in_channels: width of the clip embedding; pose_channels: width of the skeleton feature.
        memory_size: embeddings kept per class (50); momentum: weight of the old slot when full (0.9).
        num_neighbours: cosine neighbours used in refinement (5).
        confidence: a training clip enters the memory when predicted correctly with at least this probability.
        pose_weight: the pose branch's fixed late-fusion weight, above the RGB branch's 1 − pose_weight.
        margin: of the prototype term L_p.
    """

    def __init__(self, num_classes, in_channels, pose_channels, memory_size=50, momentum=0.9, num_neighbours=5,
                 num_heads=8, confidence=0.5, pose_weight=0.6, margin=0.2, loss_cls=dict(type="CrossEntropyLoss"),
                 **kwargs):
        super().__init__(num_classes, in_channels, loss_cls=loss_cls, **kwargs)
        if not 0.5 < pose_weight < 1.0:
            raise ValueError(f"pose_weight must lie in (0.5, 1): the pose branch weighs more than RGB; "
                             f"got {pose_weight}")
        self.memory_size, self.momentum = memory_size, momentum
        self.num_neighbours, self.confidence, self.margin = num_neighbours, confidence, margin
        self.rgb_fc = nn.Linear(in_channels, num_classes)
        self.pose_fc = nn.Linear(pose_channels, num_classes)
        self.register_buffer("late_fusion_weights", torch.tensor([pose_weight, 1.0 - pose_weight]))
        self.refiner = nn.MultiheadAttention(in_channels, num_heads, batch_first=True)
        self.refine_norm = nn.LayerNorm(in_channels)
        self.register_buffer("memory", torch.zeros(num_classes, memory_size, in_channels))
        self.register_buffer("memory_count", torch.zeros(num_classes, dtype=torch.long))
        self.register_buffer("refine_weight", torch.tensor(0.0))

    def fusion_weights(self):
        """(pose weight, RGB weight), summing to 1."""
        return self.late_fusion_weights

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
            losses["loss_proto"] = self.refine_weight * prototype_margin_loss(
                refined, labels, self.memory, self.memory_count, self.margin)
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
    """α on the model's head: 0 before epoch `start_epoch` (0-based), then rising linearly with the iterations
    to `alpha` over `ramp_epochs` epochs (0: a step at `start_epoch`)."""

    def __init__(self, start_epoch, alpha=1.0, ramp_epochs=0):
        self.start_epoch, self.alpha, self.ramp_epochs = start_epoch, alpha, ramp_epochs

    def alpha_at(self, progress):
        """α after `progress` epochs of training (fractions within an epoch)."""
        if progress < self.start_epoch:
            return 0.0
        if self.ramp_epochs <= 0:
            return self.alpha
        return self.alpha * min(1.0, (progress - self.start_epoch) / self.ramp_epochs)

    def _set(self, runner, progress):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        model.cls_head.set_refine_weight(self.alpha_at(progress))

    def before_train_epoch(self, runner):
        self._set(runner, runner.epoch)

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self._set(runner, runner.epoch + batch_idx / max(len(runner.train_dataloader), 1))
