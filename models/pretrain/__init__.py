"""Masked video pretraining (VideoMAE-style) on the competition's own unlabeled footage.

- `masking`: tube masks (the same spatial positions hidden in every frame slot).
- `encoders`: run a ViT backbone of the fine-tune configs on the visible tokens only.
- `decoder`: the light transformer that predicts the pixels of the masked tubes.
- `model`: `MaskedVideoPretrainer`, the mmengine model of `miga pretrain`, and the hook that marks its
  checkpoints so that `miga train --load-from` checks every encoder tensor lands.
- `corpus`: the dataset of windows along the long videos plus the cut clips, and its frame sampling.
- `pipelines`: the corpus dataloader of the pretraining configs.

Configs pull these in through `custom_imports`; this package itself imports nothing.
"""
