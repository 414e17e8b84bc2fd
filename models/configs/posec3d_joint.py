# PoseConv3D on heatmaps of the 36 keypoints: MM-Gesture's joint stream (48 frames, 56 px train crop,
# 64 px test, 10 clips x flip at test, SGD lr 0.05, 24 epochs, dataset repeated 10 times).
_base_ = ['_base_/default_runtime.py', '_base_/prepared_data.py', '_base_/pose_heatmaps.py',
          '_base_/models/posec3d_slowonly.py', '_base_/schedules/sgd_cosine.py']
import models.components.skeleton as skeleton
from models.components.pipelines import pose_heatmap_dataloaders

train_dataloader, val_dataloader, test_dataloader = pose_heatmap_dataloaders(
    {{_base_.data_root}}, {{_base_.joint_heatmap}}, {{_base_.joint_heatmap_test}},
    clip_len=48, resize=64, crop=56, test_size=64, test_clips=10, batch_size=16, workers=8, repeat=10,
    left_kp=skeleton.LEFT_KP_36, right_kp=skeleton.RIGHT_KP_36)
# Draws the heatmaps when _base_/pose_heatmaps.py says heatmaps_on_device = True; passes them through otherwise.
model = dict(data_preprocessor=dict(type='PoseHeatmapPreprocessor', heatmap={{_base_.joint_heatmap}}))
optim_wrapper = dict(optimizer=dict(lr=0.05))
auto_scale_lr = dict(enable=False, base_batch_size=128)
