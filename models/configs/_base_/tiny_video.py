# What the tiny video configs (tiny/swin_*.py, tiny/mvit_s_rgb.py) share besides their clip sizes
# (models.components.pipelines.TINY_VIDEO): a two-stage Swin of width 16, one epoch, no best-model tracking. Names are
# distinct from the full configs' keys so that a tiny config can list this file beside its full config.
tiny_swin_model = dict(
    backbone=dict(arch=dict(_delete_=True, embed_dims=16, depths=[1, 1], num_heads=[1, 2]), out_indices=(1, ),
                  window_size=(4, 4, 4), drop_path_rate=0.0),
    cls_head=dict(in_channels=32))
# Tiny Swins start from random weights, never from the pretrained ones that the full recipe's 0.1x backbone
# rate assumes (_base_/schedules/swin_adamw_cosine.py): their backbone learns at the head's rate.
tiny_swin_optim_wrapper = dict(paramwise_cfg=dict(backbone=dict(lr_mult=1.0)))
tiny_train_cfg = dict(max_epochs=1)
tiny_param_scheduler = [dict(type='CosineAnnealingLR', T_max=30, eta_min=0, by_epoch=True, begin=0, end=30)]
tiny_hooks = dict(logger=dict(interval=5), checkpoint=dict(save_best=None))
# The tiny ViT of tiny/vit_*_rgb.py and pretrain/tiny/*.py (the sizes of seed_papers/tiny/gaie_vit_b.py, so
# one tiny pretrained encoder loads into all of them): 8 frames, 32 px, 8 px patches, width 32, 4 blocks.
tiny_vit_backbone = dict(img_size=32, num_frames=8, patch_size=8, embed_dims=32, depth=4, num_heads=2,
                         drop_path_rate=0.0)
