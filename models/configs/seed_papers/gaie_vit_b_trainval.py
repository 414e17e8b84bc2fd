# The GAIE ViT's final model as the paper trained it: gaie_vit_b.py on every labelled clip (train + val). No
# held-out clips remain, so there is no validation; the last epoch's checkpoint is the model.
_base_ = ['gaie_vit_b.py']
from models.seed_papers.loaders import gaie_dataloaders

train_dataloader = gaie_dataloaders(
    {{_base_.data_root}}, 'rgb', clip_len=16, resize=256, crop=224, batch_size=4, workers=8,
    train_splits=('train', 'val'))[0]
val_dataloader = None
val_cfg = None
val_evaluator = None
default_hooks = dict(checkpoint=dict(save_best=None))
