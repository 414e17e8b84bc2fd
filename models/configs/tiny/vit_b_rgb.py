# Tiny VideoMAE ViT on rgb: ../vit_b_rgb.py with models.components.pipelines.TINY_VIDEO sizes and the tiny ViT
# of ../_base_/tiny_video.py (the encoder of pretrain/tiny/videomae_vit_b.py).
_base_ = ['../vit_b_rgb.py', '../_base_/tiny_video.py']
from models.components.pipelines import TINY_VIDEO, video_dataloaders

train_dataloader, val_dataloader, test_dataloader = video_dataloaders(
    {{_base_.data_root}}, 'rgb', **TINY_VIDEO)
model = dict(backbone={{_base_.tiny_vit_backbone}}, cls_head=dict(in_channels=32))
train_cfg = {{_base_.tiny_train_cfg}}
param_scheduler = {{_base_.tiny_param_scheduler}}
default_hooks = {{_base_.tiny_hooks}}
# lr 1e-3 unscaled, as the tiny Swin configs: batch 8 is far from the 256 clips the full config's lr is stated for.
optim_wrapper = dict(optimizer=dict(lr=1e-3))
auto_scale_lr = dict(enable=False)
