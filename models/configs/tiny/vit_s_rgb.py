# Tiny VideoMAE ViT for ../vit_s_rgb.py: ./vit_b_rgb.py itself (the two full configs differ only in the width,
# which the tiny sizes replace), so one tiny pretrained encoder serves both.
_base_ = ['vit_b_rgb.py']
