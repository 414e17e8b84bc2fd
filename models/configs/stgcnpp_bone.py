# ST-GCN++ on the bones of the 36-joint tree (each joint minus its parent, models.components.skeleton.BONE_PARENTS_36).
_base_ = ['stgcnpp_joint.py']
import models.components.skeleton as skeleton
from models.components.pipelines import gcn_dataloaders

train_dataloader, val_dataloader, test_dataloader = gcn_dataloaders(
    {{_base_.data_root}}, dict(type='SkeletonFeature', feature='bone', parents=skeleton.BONE_PARENTS_36),
    clip_len=100, test_clips=10, batch_size=16, workers=8, repeat=5)
