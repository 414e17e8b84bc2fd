# Tiny token fusion: ../token_fusion.py with 8 RGB / 16 pose frames, 32 px, a two-layer MViT of width 16,
# three-stage AAGCNs of width 8, and alpha rising from the middle of the first epoch over one epoch.
_base_ = ['../token_fusion.py']
import models.components.skeleton as skeleton
from models.components.pipelines import rgbpose_dataloaders
from models.seed_papers.loaders import GCN_STEPS, TOKEN_FUSION_INPUTS, repack

train_dataloader, val_dataloader, test_dataloader = repack(rgbpose_dataloaders(
    {{_base_.data_root}}, {{_base_.normalize_keypoints}}, rgb_len=8, pose_len=16, resize=32, crop=32,
    test_clips=2, batch_size=8, test_batch_size=8, workers=0, left_kp=skeleton.LEFT_KP_36,
    right_kp=skeleton.RIGHT_KP_36), TOKEN_FUSION_INPUTS, GCN_STEPS)
train_dataloader['sampler'] = dict(type='ClassBalancedSampler')
model = dict(
    backbone=dict(
        rgb_backbone=dict(arch=dict(_delete_=True, embed_dims=8, num_layers=2, num_heads=1, downscale_indices=[1]),
                          spatial_size=32, temporal_size=8, adaptive_kv_stride=(1, 2, 2), drop_path_rate=0.0),
        pose_backbone=dict(base_channels=8, num_stages=3, inflate_stages=[3], down_stages=[3]),
        rgb_channels=16, pose_channels=16, embed_dims=16, num_heads=2),
    cls_head=dict(in_channels=16, pose_channels=32, memory_size=4, num_neighbours=2, num_heads=2,
                  confidence=0.0))
custom_hooks = [dict(type='RefinementScheduleHook', start_epoch=0.5, ramp_epochs=1)]
train_cfg = dict(max_epochs=2)
default_hooks = dict(logger=dict(interval=5), checkpoint=dict(save_best=None))
