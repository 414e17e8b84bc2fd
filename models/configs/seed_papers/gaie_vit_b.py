# ViT-B with Global-Aware Importance Estimation (MiGA 2025 Track 1, 2nd place, RGB only): 16 frames every
# 4th, 224 px, tubelets 2x16x16, GAIE after the attention of blocks 4, 7, 10 keeping 70% of the tokens.
# VideoMAE initialisation from a local checkpoint:
#   miga train seed_papers/gaie_vit_b --cfg-options model.backbone.pretrained=/path/to/videomae_vit_b.pth
_base_ = ['../_base_/default_runtime.py', '../_base_/prepared_data.py', '../_base_/schedules/adamw_cosine.py']
from models.components.pipelines import video_dataloaders, video_preprocessor

custom_imports = dict(imports=['models.components.datasets', 'models.components.transforms',
                               'models.seed_papers.gaie_vit'],
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
train_dataloader, val_dataloader, test_dataloader = video_dataloaders(
    {{_base_.data_root}}, modality, clip_len=16, frame_interval=4, resize=256, crop=224, test_clips=4,
    test_crops=3, batch_size=8, workers=8)
optim_wrapper = dict(optimizer=dict(lr=5e-4, weight_decay=0.05))
auto_scale_lr = dict(enable=False, base_batch_size=64)
