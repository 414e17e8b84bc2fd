# Tiny GAIE ViT: ../gaie_vit_b.py with 8 frames, 32 px, 8 px patches, width 32, four blocks, GAIE after 2 and 3.
_base_ = ['../gaie_vit_b.py']
from models.seed_papers.loaders import gaie_dataloaders

train_dataloader, val_dataloader, test_dataloader = gaie_dataloaders(
    {{_base_.data_root}}, 'rgb', clip_len=8, resize=40, crop=32, batch_size=8, test_batch_size=8, workers=0)
model = dict(backbone=dict(img_size=32, num_frames=8, patch_size=8, embed_dims=32, depth=4, num_heads=2,
                           drop_path_rate=0.0, gaie_layers=(2, 3)),
             cls_head=dict(in_channels=32))
train_cfg = dict(max_epochs=1)
param_scheduler = [dict(type='CosineAnnealingLR', T_max=30, eta_min=0, by_epoch=True, begin=0, end=30)]
default_hooks = dict(logger=dict(interval=5), checkpoint=dict(save_best=None))
