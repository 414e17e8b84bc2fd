# Pose-only stage of MM-Gesture's two-stage RGBPoseConv3D (its released pose_only config): PoseConv3D whose
# trunk is exactly the pose pathway (temporal strides 1, 1, 1) on 32 frames of joint heatmaps, 64 px, random
# crop of 56-100% area to 56 px, flips; one clip at test. SGD lr 0.025, weight decay 3e-4, cosine to 0 over
# 18 epochs, batch 48, dataset repeated 10 times. Its weights go into rgbposec3d_joint (`miga merge-weights`).
_base_ = ['posec3d_joint.py']
import models.components.skeleton as skeleton
from models.components.pipelines import pose_heatmap_dataloaders

train_dataloader, val_dataloader, test_dataloader = pose_heatmap_dataloaders(
    {{_base_.data_root}}, {{_base_.joint_heatmap}}, {{_base_.joint_heatmap}},
    clip_len=32, resize=64, crop=56, test_size=64, test_clips=1, batch_size=48, workers=8, repeat=10,
    left_kp=skeleton.LEFT_KP_36, right_kp=skeleton.RIGHT_KP_36)
model = dict(backbone=dict(temporal_strides=(1, 1, 1)))
train_cfg = dict(max_epochs=18)
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max=18, by_epoch=True, convert_to_iter_based=True)]
optim_wrapper = dict(optimizer=dict(lr=0.025, weight_decay=0.0003))
auto_scale_lr = dict(enable=False, base_batch_size=48)
