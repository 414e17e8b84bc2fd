# Tiny masked video pretraining for ../videomae_vit_s.py: ./videomae_vit_b.py itself (the full configs differ
# in width and epochs, which the tiny sizes and the tiny schedule replace), fine-tuned by tiny/vit_s_rgb.
_base_ = ['videomae_vit_b.py']

fine_tune_configs = ['tiny/vit_s_rgb']
