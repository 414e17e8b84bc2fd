# Tiny RGBPoseConv3D joint: ../rgbposec3d_joint.py with 4 RGB / 16 pose frames, 32 px and one block per stage.
_base_ = ['../rgbposec3d_joint.py']
import models.skeleton as skeleton
from models.pipelines import rgbpose_dataloaders

train_dataloader, val_dataloader, test_dataloader = rgbpose_dataloaders(
    {{_base_.data_root}}, {{_base_.rgbpose_joint_heatmap}}, rgb_len=4, pose_len=16, resize=40, crop=32,
    test_clips=2, batch_size=8, test_batch_size=8, workers=0, left_kp=skeleton.LEFT_KP_36,
    right_kp=skeleton.RIGHT_KP_36)
model = dict(
    backbone=dict(rgb_pathway=dict(base_channels=8, stage_blocks=(1, 1, 1, 1)),
                  pose_pathway=dict(base_channels=4, stage_blocks=(1, 1, 1))),
    cls_head=dict(in_channels=[256, 64]))
train_cfg = dict(max_epochs=1)
optim_wrapper = dict(optimizer=dict(lr=0.05))
default_hooks = dict(logger=dict(interval=5), checkpoint=dict(save_best=None))
