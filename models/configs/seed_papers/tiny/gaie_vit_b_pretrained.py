# Tiny GAIE ViT started from pretrain/tiny/videomae_vit_b: ./gaie_vit_b.py with no VideoMAE file (--load-from).
_base_ = ['gaie_vit_b.py']

model = dict(backbone=dict(pretrained=None))
