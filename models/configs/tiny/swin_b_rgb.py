# Tiny Video Swin (b) on rgb: ../swin_b_rgb.py with 8 frames, 32 px and a two-stage Swin of width 16.
_base_ = ['../swin_b_rgb.py']
from models.pipelines import video_dataloaders

train_dataloader, val_dataloader, test_dataloader = video_dataloaders(
    {{_base_.data_root}}, 'rgb', clip_len=8, frame_interval=1, resize=40, crop=32, test_clips=2,
    test_crops=3, batch_size=8, test_batch_size=8, workers=0)
model = dict(backbone=dict(arch=dict(_delete_=True, embed_dims=16, depths=[1, 1], num_heads=[1, 2]), out_indices=(1, ),
                           window_size=(4, 4, 4),
                           drop_path_rate=0.0),
             cls_head=dict(in_channels=32))
train_cfg = dict(max_epochs=1)
param_scheduler = [dict(type='CosineAnnealingLR', T_max=30, eta_min=0, by_epoch=True, begin=0, end=30)]
default_hooks = dict(logger=dict(interval=5), checkpoint=dict(save_best=None))
