# RGBPoseConv3D on RGB clips (8 frames, 224 px) and joint heatmaps (32 frames, a quarter of the RGB size): the
# fine-tune stage of MM-Gesture's two-stage recipe (SGD lr 0.0075, steps at 12 and 16, 20 epochs, batch 6).
# It starts from the merged weights of the two single-stream stages (docs/seed-papers.md):
#   miga train rgbposec3d_rgb; miga train rgbposec3d_pose_joint
#   miga merge-weights rgbposec3d_joint --rgb work_dirs/rgbposec3d_rgb/best_*.pth \
#       --pose work_dirs/rgbposec3d_pose_joint/best_*.pth
#   miga train rgbposec3d_joint --load-from work_dirs/rgbposec3d_joint/two_stage_init.pth
# Trained without those weights it warns (TwoStageInitHook). `miga predict` writes the fused score and each
# stream's own ('-rgb', '-pose' probability files).
_base_ = ['_base_/default_runtime.py', '_base_/prepared_data.py', '_base_/pose_heatmaps.py',
          '_base_/models/rgbposec3d.py']
import models.components.skeleton as skeleton
from models.components.pipelines import rgbpose_dataloaders

custom_imports = dict(imports=['models.components.datasets', 'models.components.transforms',
                               'models.components.metrics', 'models.components.backbones', 'models.runner.merge'],
                      allow_failed_imports=False)
# The single-stream configs whose trained weights the merge puts into this model.
two_stage = dict(rgb='rgbposec3d_rgb', pose='rgbposec3d_pose_joint')
custom_hooks = [dict(type='TwoStageInitHook')]
train_dataloader, val_dataloader, test_dataloader = rgbpose_dataloaders(
    {{_base_.data_root}}, {{_base_.rgbpose_joint_heatmap}}, rgb_len=8, pose_len=32, resize=256, crop=224,
    test_clips=10, batch_size=6, workers=8, left_kp=skeleton.LEFT_KP_36, right_kp=skeleton.RIGHT_KP_36)
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=20, val_begin=1, val_interval=1)
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.0075, momentum=0.9, weight_decay=0.0001),
    clip_grad=dict(max_norm=40, norm_type=2))
param_scheduler = [dict(type='MultiStepLR', begin=0, end=20, by_epoch=True, milestones=[12, 16], gamma=0.1)]
auto_scale_lr = dict(enable=False, base_batch_size=48)
