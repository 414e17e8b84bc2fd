# Video Swin-B on RGB clips (recipe of swin_t_rgb.py with MM-Gesture's Swin-B numbers: weight decay 0.05, batch 4).
_base_ = ['swin_t_rgb.py']
model = dict(backbone=dict(arch='base', drop_path_rate=0.3), cls_head=dict(in_channels=1024))
optim_wrapper = dict(optimizer=dict(weight_decay=0.05))
train_dataloader = dict(batch_size=4)
val_dataloader = dict(batch_size=4)
