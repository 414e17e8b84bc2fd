# Video Swin-S on RGB clips (recipe of swin_t_rgb.py).
_base_ = ['swin_t_rgb.py']
model = dict(backbone=dict(arch='small', drop_path_rate=0.2))
