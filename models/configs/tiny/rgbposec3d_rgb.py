# Tiny RGB-only stage: ../rgbposec3d_rgb.py with models.components.pipelines.TINY_RGBPOSE sizes (4 frames, 32 px)
# and the RGB pathway of tiny/rgbposec3d_joint.py (base width 8, one block per stage).
_base_ = ['../rgbposec3d_rgb.py', '../_base_/tiny_pose.py']
import models.components.skeleton as skeleton
from models.components.pipelines import TINY_RGBPOSE, rgbpose_dataloaders
from models.seed_papers.loaders import rgb_only

train_dataloader, val_dataloader, test_dataloader = rgb_only(rgbpose_dataloaders(
    {{_base_.data_root}}, {{_base_.rgbpose_joint_heatmap}}, **TINY_RGBPOSE, left_kp=skeleton.LEFT_KP_36,
    right_kp=skeleton.RIGHT_KP_36), test_resize=TINY_RGBPOSE['crop'])
model = dict(backbone=dict(base_channels=8, stage_blocks=(1, 1, 1, 1)), cls_head=dict(in_channels=256))
train_cfg = {{_base_.tiny_train_cfg}}
default_hooks = {{_base_.tiny_hooks}}
