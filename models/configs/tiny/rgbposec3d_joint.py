# Tiny RGBPoseConv3D joint: ../rgbposec3d_joint.py with models.components.pipelines.TINY_RGBPOSE sizes (4 RGB / 16 pose
# frames, 32 px) and one block per stage.
_base_ = ['../rgbposec3d_joint.py', '../_base_/tiny_pose.py']
import models.components.skeleton as skeleton
from models.components.pipelines import TINY_RGBPOSE, rgbpose_dataloaders

train_dataloader, val_dataloader, test_dataloader = rgbpose_dataloaders(
    {{_base_.data_root}}, {{_base_.rgbpose_joint_heatmap}}, **TINY_RGBPOSE, left_kp=skeleton.LEFT_KP_36,
    right_kp=skeleton.RIGHT_KP_36)
model = {{_base_.tiny_rgbpose_model}}
train_cfg = {{_base_.tiny_train_cfg}}
optim_wrapper = dict(optimizer=dict(lr=0.05))
default_hooks = {{_base_.tiny_hooks}}
two_stage = dict(rgb='tiny/rgbposec3d_rgb', pose='tiny/rgbposec3d_pose_joint')
