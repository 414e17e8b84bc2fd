# Tiny ST-GCN++ joint: ../stgcnpp_joint.py with models.components.pipelines.TINY_GCN sizes (16 frames) and 4 graph
# stages of width 16.
_base_ = ['../stgcnpp_joint.py', '../_base_/tiny_pose.py']
from models.components.pipelines import TINY_GCN, gcn_dataloaders

train_dataloader, val_dataloader, test_dataloader = gcn_dataloaders({{_base_.data_root}}, 'joint', **TINY_GCN)
model = {{_base_.tiny_gcn_model}}
train_cfg = {{_base_.tiny_train_cfg}}
default_hooks = {{_base_.tiny_hooks}}
