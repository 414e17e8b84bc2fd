# VideoMAE's ViT-B as the toolkit builds it: GAIEViT with GAIE off (gaie_layers=()): 2x16x16 tubelets,
# fixed sine/cosine positions, joint space-time attention, mean of the tokens through a LayerNorm; a linear
# head. The pretraining configs (pretrain/videomae_vit_*.py) take this very backbone dict, so a pretrained
# encoder loads into `backbone.*` by name, here and in the GAIE configs (GAIE adds no weights).
model = dict(
    type='Recognizer3D',
    backbone=dict(type='GAIEViT', img_size=224, num_frames=16, tubelet_size=2, patch_size=16, in_channels=3,
                  embed_dims=768, depth=12, num_heads=12, mlp_ratio=4.0, qkv_bias=True, drop_path_rate=0.0,
                  gaie_layers=(), pretrained=None),
    cls_head=dict(type='TimeSformerHead', num_classes=32, in_channels=768, dropout_ratio=0.5,
                  average_clips='prob'),
    data_preprocessor=dict(type='ActionDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], format_shape='NCTHW'))
