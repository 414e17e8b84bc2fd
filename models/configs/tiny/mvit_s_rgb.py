# Tiny MViTv2 on RGB: ../mvit_s_rgb.py with models.components.pipelines.TINY_VIDEO sizes and two layers of width 16.
_base_ = ['../mvit_s_rgb.py', '../_base_/tiny_video.py']
from models.components.pipelines import TINY_VIDEO, video_dataloaders

train_dataloader, val_dataloader, test_dataloader = video_dataloaders(
    {{_base_.data_root}}, 'rgb', **TINY_VIDEO)
model = dict(backbone=dict(arch=dict(_delete_=True, embed_dims=16, num_layers=2, num_heads=1, downscale_indices=[1]),
                           spatial_size=32, temporal_size=8, drop_path_rate=0.0),
             cls_head=dict(in_channels=32))
train_cfg = {{_base_.tiny_train_cfg}}
param_scheduler = {{_base_.tiny_param_scheduler}}
default_hooks = {{_base_.tiny_hooks}}
