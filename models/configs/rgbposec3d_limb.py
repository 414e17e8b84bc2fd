# RGBPoseConv3D on RGB clips and limb heatmaps: the fine-tune stage of MM-Gesture's two-stage recipe, from the
# merged weights of rgbposec3d_rgb and rgbposec3d_pose_limb (see rgbposec3d_joint.py for the commands).
_base_ = ['rgbposec3d_joint.py']
import models.components.skeleton as skeleton
from models.components.pipelines import rgbpose_dataloaders

two_stage = dict(rgb='rgbposec3d_rgb', pose='rgbposec3d_pose_limb')
train_dataloader, val_dataloader, test_dataloader = rgbpose_dataloaders(
    {{_base_.data_root}}, {{_base_.rgbpose_limb_heatmap}}, rgb_len=8, pose_len=32, resize=256, crop=224,
    test_clips=10, batch_size=6, workers=8, left_kp=skeleton.LEFT_KP_36, right_kp=skeleton.RIGHT_KP_36)
model = dict(backbone=dict(pose_pathway=dict(in_channels=len(skeleton.LIMBS_36))))
