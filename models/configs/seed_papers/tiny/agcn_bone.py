# Tiny 2s-AGCN bone stream: ../agcn_bone.py with 16 frames, 32 px and a three-stage AAGCN of width 8 (the
# tiny token-fusion model's bone encoder).
_base_ = ['../agcn_bone.py']
import models.components.skeleton as skeleton
from models.components.pipelines import pose_heatmap_dataloaders
from models.seed_papers.loaders import keypoint_only

train_dataloader, val_dataloader, test_dataloader = keypoint_only(pose_heatmap_dataloaders(
    {{_base_.data_root}}, dict(type='PreNormalize2D'), dict(type='PreNormalize2D'), clip_len=16, resize=32,
    crop=32, test_size=32, test_clips=2, batch_size=8, test_batch_size=8, workers=0, repeat=1,
    left_kp=skeleton.LEFT_KP_36, right_kp=skeleton.RIGHT_KP_36),
    ({{_base_.feature}}, dict(type='FormatGCNInput', num_person=1)))
model = dict(backbone=dict(base_channels=8, num_stages=3, inflate_stages=[3], down_stages=[3]),
             cls_head=dict(in_channels=16))
train_cfg = dict(max_epochs=1)
default_hooks = dict(logger=dict(interval=5), checkpoint=dict(save_best=None))
