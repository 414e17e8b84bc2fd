# The GAIE ViT-B of ./gaie_vit_b.py started from this domain's masked video pretraining instead of VideoMAE's
# Kinetics weights; its recipe is ./gaie_vit_b.py's, unchanged. GAIE adds no weights, so the plain ViT-B
# encoder of pretrain/videomae_vit_b fills every backbone tensor:
#   miga pretrain pretrain/videomae_vit_b
#   miga train seed_papers/gaie_vit_b_pretrained --load-from work_dirs/videomae_vit_b/epoch_800.pth
# (its own work dir and model name, so that its predictions sit beside gaie_vit_b's in an ensemble).
_base_ = ['gaie_vit_b.py']

# The weights come from --load-from; no VideoMAE file is read over them.
model = dict(backbone=dict(pretrained=None))
