# VideoMAE pretraining of a ViT-S encoder (width 384, 6 heads) for ../vit_s_rgb.py: ./videomae_vit_b.py with
# VideoMAE's Kinetics-400 ViT-S recipe: decoder width 192 with 3 heads, 1600 epochs (40 warm-up); its
# published batch was 1024 (32 GPUs x 32), the lr rule the same (1.5e-4 per 256 clips).
_base_ = ['videomae_vit_b.py']

model = dict(backbone=dict(embed_dims=384, num_heads=6), decoder=dict(embed_dims=192, num_heads=3))
fine_tune_configs = ['vit_s_rgb']
train_cfg = dict(max_epochs=1600)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6 / 1.5e-4, by_epoch=True, begin=0, end=40, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=1560, eta_min_ratio=1e-5 / 1.5e-4, by_epoch=True, begin=40, end=1600,
         convert_to_iter_based=True)]
