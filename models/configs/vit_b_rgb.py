# VideoMAE ViT-B on RGB clips, fine-tuned from this domain's masked video pretraining:
#   miga pretrain pretrain/videomae_vit_b                  # work_dirs/videomae_vit_b/epoch_800.pth
#   miga train vit_b_rgb --load-from work_dirs/videomae_vit_b/epoch_800.pth
# VideoMAE's fine-tuning recipe for a small dataset (its UCF101 script): 16 frames every 4th, 224 px; AdamW
# lr 5e-4 per 256 clips (betas 0.9/0.999, weight decay 0.05), layer-wise lr decay 0.7, 5 warm-up epochs from
# lr 1e-8, cosine to 1e-5, 100 epochs; drop path 0.2, head dropout 0.5, label smoothing 0.1, mixup 0.8 /
# cutmix 1.0; 5 clips x 3 crops at test. Differences (no RandAugment, no random erasing): docs/models.md.
_base_ = ['_base_/default_runtime.py', '_base_/prepared_data.py', '_base_/models/vit.py',
          '_base_/schedules/adamw_cosine.py']
from models.components.pipelines import video_dataloaders

custom_imports = dict(imports=['models.components.datasets', 'models.components.transforms',
                               'models.components.metrics', 'models.components.optimizers',
                               'models.seed_papers.gaie_vit'],
                      allow_failed_imports=False)
modality = 'rgb'
model = dict(
    backbone=dict(drop_path_rate=0.2),
    cls_head=dict(dropout_ratio=0.5, label_smooth_eps=0.1),
    data_preprocessor=dict(blending=dict(type='RandomBatchAugment', augments=[
        dict(type='MixupBlending', alpha=0.8, num_classes=32),
        dict(type='CutmixBlending', alpha=1.0, num_classes=32)])))
train_dataloader, val_dataloader, test_dataloader = video_dataloaders(
    {{_base_.data_root}}, modality, clip_len=16, frame_interval=4, resize=256, crop=224, test_clips=5,
    test_crops=3, batch_size=8, workers=8)
train_cfg = dict(max_epochs=100)
optim_wrapper = dict(
    _delete_=True, type='OptimWrapper', constructor='ViTLayerDecayOptimWrapperConstructor',
    optimizer=dict(type='AdamW', lr=5e-4, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(decay_rate=0.7))
# VideoMAE scales its lr with the total batch: lr = 5e-4 x batch / 256.
auto_scale_lr = dict(enable=True, base_batch_size=256)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-8 / 5e-4, by_epoch=True, begin=0, end=5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=95, eta_min_ratio=1e-5 / 5e-4, by_epoch=True, begin=5, end=100,
         convert_to_iter_based=True)]
