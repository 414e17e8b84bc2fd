# ViT-B with Global-Aware Importance Estimation (MiGA 2025 Track 1, 2nd place, RGB only), the paper's recipe:
# 16 frames (one at random from each of 16 equal segments of the clip in training, the middle of each at
# test), frames resized to 256x256, a random 224 crop in training and one centre crop at test; tubelets
# 2x16x16, GAIE after the attention of blocks 4, 7, 10 keeping 70% of the tokens; AdamW lr 2e-5 decaying to
# 2e-6, batch 4. The paper fine-tunes VideoMAE ViT-B weights, from a local checkpoint:
#   miga train seed_papers/gaie_vit_b --cfg-options model.backbone.pretrained=/path/to/videomae_vit_b.pth
# Without one the backbone warns that it starts from random weights. Final model on train + val:
# seed_papers/gaie_vit_b_trainval.py.
_base_ = ['../_base_/default_runtime.py', '../_base_/prepared_data.py', '../_base_/schedules/adamw_cosine.py']
from models.components.pipelines import video_preprocessor
from models.seed_papers.loaders import gaie_dataloaders

custom_imports = dict(imports=['models.components.datasets', 'models.components.transforms',
                               'models.seed_papers.gaie_vit', 'models.seed_papers.datasets'],
                      allow_failed_imports=False)
modality = 'rgb'
model = dict(
    type='Recognizer3D',
    backbone=dict(type='GAIEViT', img_size=224, num_frames=16, tubelet_size=2, patch_size=16, embed_dims=768,
                  depth=12, num_heads=12, drop_path_rate=0.1, gaie_layers=(4, 7, 10), keep_ratio=0.7,
                  pretrained=None),
    cls_head=dict(type='TimeSformerHead', num_classes=32, in_channels=768, dropout_ratio=0.5,
                  average_clips='prob'),
    data_preprocessor=video_preprocessor())
train_dataloader, val_dataloader, test_dataloader = gaie_dataloaders(
    {{_base_.data_root}}, modality, clip_len=16, resize=256, crop=224, batch_size=4, workers=8)
optim_wrapper = dict(optimizer=dict(lr=2e-5, weight_decay=0.05))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=2.5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=30, eta_min=2e-6, by_epoch=True, begin=0, end=30)]
auto_scale_lr = dict(enable=False, base_batch_size=4)
