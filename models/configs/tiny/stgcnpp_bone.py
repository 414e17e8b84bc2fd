# Tiny ST-GCN++ bone: ../stgcnpp_bone.py at tiny size (see tiny/stgcnpp_joint.py).
_base_ = ['../stgcnpp_bone.py']
import models.skeleton as skeleton
from models.pipelines import gcn_dataloaders

train_dataloader, val_dataloader, test_dataloader = gcn_dataloaders(
    {{_base_.data_root}}, dict(type='SkeletonFeature', feature='bone', parents=skeleton.BONE_PARENTS_36),
    clip_len=16, test_clips=2, batch_size=8, test_batch_size=8, workers=0, repeat=1)
model = dict(backbone=dict(base_channels=16, num_stages=4, inflate_stages=[3], down_stages=[3]),
             cls_head=dict(in_channels=32))
train_cfg = dict(max_epochs=1)
default_hooks = dict(logger=dict(interval=5), checkpoint=dict(save_best=None))
