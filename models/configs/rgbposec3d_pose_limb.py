# Pose-only stage for RGBPoseConv3D on limbs: rgbposec3d_pose_joint.py on the heatmaps of the 36 limbs. MM-Gesture
# released no limb pose-only config; the joint one's numbers are kept. Its weights go into rgbposec3d_limb.
_base_ = ['rgbposec3d_pose_joint.py']
import models.components.skeleton as skeleton
from models.components.pipelines import pose_heatmap_dataloaders

train_dataloader, val_dataloader, test_dataloader = pose_heatmap_dataloaders(
    {{_base_.data_root}}, {{_base_.limb_heatmap}}, {{_base_.limb_heatmap}},
    clip_len=32, resize=64, crop=56, test_size=64, test_clips=1, batch_size=48, workers=8, repeat=10,
    left_kp=skeleton.LEFT_KP_36, right_kp=skeleton.RIGHT_KP_36)
model = dict(backbone=dict(in_channels=len(skeleton.LIMBS_36)),
             data_preprocessor=dict(type='PoseHeatmapPreprocessor', heatmap={{_base_.limb_heatmap}}))
