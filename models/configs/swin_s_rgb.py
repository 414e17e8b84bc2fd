# Video Swin-S on RGB clips (recipe of swin_t_rgb.py with MM-Gesture's Swin-S batch of 5).
_base_ = ['swin_t_rgb.py']
model = dict(backbone=dict(arch='small', drop_path_rate=0.2))
train_dataloader = dict(batch_size=5)
val_dataloader = dict(batch_size=5)
