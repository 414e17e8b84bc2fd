# RGBPoseConv3D on RGB clips (8 frames, 224 px) and joint heatmaps (32 frames, a quarter of the RGB size).
# `miga predict` writes the fused score and each stream's own ('-rgb', '-pose' probability files).
_base_ = ['_base_/default_runtime.py', '_base_/prepared_data.py', '_base_/pose_heatmaps.py',
          '_base_/models/rgbposec3d.py']
import models.components.skeleton as skeleton
from models.components.pipelines import rgbpose_dataloaders

train_dataloader, val_dataloader, test_dataloader = rgbpose_dataloaders(
    {{_base_.data_root}}, {{_base_.rgbpose_joint_heatmap}}, rgb_len=8, pose_len=32, resize=256, crop=224,
    test_clips=10, batch_size=6, workers=8, left_kp=skeleton.LEFT_KP_36, right_kp=skeleton.RIGHT_KP_36)
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=20, val_begin=1, val_interval=1)
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.0075, momentum=0.9, weight_decay=0.0001),
    clip_grad=dict(max_norm=40, norm_type=2))
param_scheduler = [dict(type='MultiStepLR', begin=0, end=20, by_epoch=True, milestones=[12, 16], gamma=0.1)]
auto_scale_lr = dict(enable=False, base_batch_size=48)
