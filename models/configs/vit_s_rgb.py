# VideoMAE ViT-S (width 384, 6 heads) on RGB clips, fine-tuned from `miga pretrain pretrain/videomae_vit_s`:
# ./vit_b_rgb.py's recipe with the small model.
_base_ = ['vit_b_rgb.py']

model = dict(backbone=dict(embed_dims=384, num_heads=6), cls_head=dict(in_channels=384))
