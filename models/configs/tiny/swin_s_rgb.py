# Tiny Video Swin (s) on rgb: ../swin_s_rgb.py with models.components.pipelines.TINY_VIDEO sizes.
_base_ = ['../swin_s_rgb.py', '../_base_/tiny_video.py']
from models.components.pipelines import TINY_VIDEO, video_dataloaders

train_dataloader, val_dataloader, test_dataloader = video_dataloaders(
    {{_base_.data_root}}, 'rgb', **TINY_VIDEO)
model = {{_base_.tiny_swin_model}}
optim_wrapper = {{_base_.tiny_swin_optim_wrapper}}
train_cfg = {{_base_.tiny_train_cfg}}
param_scheduler = {{_base_.tiny_param_scheduler}}
default_hooks = {{_base_.tiny_hooks}}
