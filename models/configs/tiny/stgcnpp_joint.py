# Tiny ST-GCN++ joint: ../stgcnpp_joint.py with 16 frames and 4 graph stages of width 16.
_base_ = ['../stgcnpp_joint.py']
from models.pipelines import gcn_dataloaders

train_dataloader, val_dataloader, test_dataloader = gcn_dataloaders(
    {{_base_.data_root}}, dict(type='SkeletonFeature', feature='joint'),
    clip_len=16, test_clips=2, batch_size=8, test_batch_size=8, workers=0, repeat=1)
model = dict(backbone=dict(base_channels=16, num_stages=4, inflate_stages=[3], down_stages=[3]),
             cls_head=dict(in_channels=32))
train_cfg = dict(max_epochs=1)
default_hooks = dict(logger=dict(interval=5), checkpoint=dict(save_best=None))
