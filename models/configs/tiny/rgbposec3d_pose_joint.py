# Tiny pose-only stage (joint): ../rgbposec3d_pose_joint.py with models.components.pipelines.TINY_POSE sizes and the
# pose pathway of tiny/rgbposec3d_joint.py (base width 4, one block per stage).
_base_ = ['../rgbposec3d_pose_joint.py', '../_base_/tiny_pose.py']
import models.components.skeleton as skeleton
from models.components.pipelines import TINY_POSE, pose_heatmap_dataloaders

train_dataloader, val_dataloader, test_dataloader = pose_heatmap_dataloaders(
    {{_base_.data_root}}, {{_base_.joint_heatmap}}, {{_base_.joint_heatmap}}, **TINY_POSE,
    left_kp=skeleton.LEFT_KP_36, right_kp=skeleton.RIGHT_KP_36)
model = {{_base_.tiny_posec3d_model}}
train_cfg = {{_base_.tiny_train_cfg}}
default_hooks = {{_base_.tiny_hooks}}
