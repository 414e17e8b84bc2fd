# Tiny masked video pretraining for the CPU: ../videomae_vit_b.py with the tiny ViT of
# ../../_base_/tiny_video.py (the encoder of tiny/vit_b_rgb.py and seed_papers/tiny/gaie_vit_b*.py), a decoder
# of one block of width 16, 8 frames every 2nd from windows of 24 frames every 16, 32 px, batch 4, one epoch.
_base_ = ['../videomae_vit_b.py', '../../_base_/tiny_video.py']
from models.pretrain.pipelines import corpus_dataloader

model = dict(backbone={{_base_.tiny_vit_backbone}}, decoder=dict(embed_dims=16, depth=1, num_heads=2))
fine_tune_configs = ['tiny/vit_b_rgb', 'seed_papers/tiny/gaie_vit_b_pretrained']
train_dataloader = corpus_dataloader(
    {{_base_.data_root}}, {{_base_.raw_root}}, clip_len=8, frame_interval=2, window_len=24, window_stride=16,
    resize=40, crop=32, batch_size=4, workers=0)
train_cfg = dict(max_epochs=1)
# A fixed lr of 1e-3 after a 20-step warm-up: the tiny runs are a few hundred steps at batch 4, far from the
# 256 clips the full configs' lr is stated for.
optim_wrapper = dict(optimizer=dict(lr=1e-3))
auto_scale_lr = dict(enable=False)
param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20)]
default_hooks = dict(logger=dict(interval=10))
