# Video Swin-B on RGB clips (recipe of swin_t_rgb.py).
_base_ = ['swin_t_rgb.py']
model = dict(backbone=dict(arch='base', drop_path_rate=0.3), cls_head=dict(in_channels=1024))
