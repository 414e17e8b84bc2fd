# The bone stream of 2s-AGCN for the token-fusion model's frozen bone encoder (encoder_checkpoints.bone):
# agcn_joint.py on the bones of the 36-joint tree (each joint minus its parent, as the token-fusion model
# derives them).
_base_ = ['agcn_joint.py']
import models.components.skeleton as skeleton
from models.components.pipelines import pose_heatmap_dataloaders
from models.seed_papers.loaders import keypoint_only

feature = dict(type='SkeletonFeature', feature='bone', parents=skeleton.BONE_PARENTS_36)
train_dataloader, val_dataloader, test_dataloader = keypoint_only(pose_heatmap_dataloaders(
    {{_base_.data_root}}, dict(type='PreNormalize2D'), dict(type='PreNormalize2D'), clip_len=32, resize=224,
    crop=224, test_size=224, test_clips=10, batch_size=16, workers=8, repeat=5, left_kp=skeleton.LEFT_KP_36,
    right_kp=skeleton.RIGHT_KP_36), (feature, dict(type='FormatGCNInput', num_person=1)))
