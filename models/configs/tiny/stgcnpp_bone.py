# Tiny ST-GCN++ bone: ../stgcnpp_bone.py at the size of tiny/stgcnpp_joint.py.
_base_ = ['../stgcnpp_bone.py', '../_base_/tiny_pose.py']
from models.components.pipelines import TINY_GCN, gcn_dataloaders

train_dataloader, val_dataloader, test_dataloader = gcn_dataloaders({{_base_.data_root}}, 'bone', **TINY_GCN)
model = {{_base_.tiny_gcn_model}}
train_cfg = {{_base_.tiny_train_cfg}}
default_hooks = {{_base_.tiny_hooks}}
