# MM-Gesture's Video Swin optimiser (its released mmaction2 configs): AdamW lr 1e-3 for the head and 0.1x
# (1e-4) for the backbone, no weight decay on norms, the absolute position embedding or the relative
# position bias tables, no gradient clipping; warm-up over 2.5 epochs, then cosine decay over 30 epochs
# (from adamw_cosine.py).
_base_ = ['adamw_cosine.py']
optim_wrapper = dict(
    constructor='SwinOptimWrapperConstructor',
    clip_grad=None,
    paramwise_cfg=dict(_delete_=True,
                       absolute_pos_embed=dict(decay_mult=0.),
                       relative_position_bias_table=dict(decay_mult=0.),
                       norm=dict(decay_mult=0.),
                       backbone=dict(lr_mult=0.1)))
