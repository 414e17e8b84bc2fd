# Tiny CLIP-MG: ../clip_mg.py with 4 RGB frames / 8 pose frames, 32 px, 8 px patches, four blocks of width 32
# (two frozen) and narrow pose stages.
_base_ = ['../clip_mg.py']
import models.components.skeleton as skeleton
from models.components.pipelines import rgbpose_dataloaders
from models.seed_papers.loaders import CLIP_MG_INPUTS, repack

train_dataloader, val_dataloader, test_dataloader = repack(rgbpose_dataloaders(
    {{_base_.data_root}}, {{_base_.rgbpose_joint_heatmap}}, rgb_len=4, pose_len=8, resize=32, crop=32,
    test_clips=2, batch_size=8, test_batch_size=8, workers=0, left_kp=skeleton.LEFT_KP_36,
    right_kp=skeleton.RIGHT_KP_36), CLIP_MG_INPUTS)
model = dict(backbone=dict(arch_kwargs=dict(img_size=32, patch_size=8, embed_dim=32, depth=4, num_heads=2),
                           frozen_blocks=2, pose_channels=(4, 8, 16), sigma=8.0),
             cls_head=dict(in_channels=32, hidden_channels=32, dropout_ratio=0.0))
train_cfg = dict(max_epochs=1)
param_scheduler = [dict(type='CosineAnnealingLR', T_max=30, eta_min=0, by_epoch=True, begin=0, end=30)]
default_hooks = dict(logger=dict(interval=5), checkpoint=dict(save_best=None))
