# Tiny PoseConv3D joint: ../posec3d_joint.py with models.components.pipelines.TINY_POSE sizes (8 frames, 32 px)
# and a trunk of base width 4 with one block per stage. Trains on a CPU in seconds (tests, `make demo`).
_base_ = ['../posec3d_joint.py', '../_base_/tiny_pose.py']
from models.components.pipelines import TINY_POSE, pose_heatmap_dataloaders

train_dataloader, val_dataloader, test_dataloader = pose_heatmap_dataloaders(
    {{_base_.data_root}}, {{_base_.joint_heatmap}}, {{_base_.joint_heatmap_test}}, **TINY_POSE)
model = {{_base_.tiny_posec3d_model}}
train_cfg = {{_base_.tiny_train_cfg}}
default_hooks = {{_base_.tiny_hooks}}
