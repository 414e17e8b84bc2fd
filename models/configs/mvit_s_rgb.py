# MViTv2-S on RGB clips: 16 frames every 4th, 224 px, AdamW; 4 clips x 3 crops at test.
_base_ = ['_base_/default_runtime.py', '_base_/prepared_data.py', '_base_/models/mvit_small.py',
          '_base_/schedules/adamw_cosine.py']
from models.components.pipelines import video_dataloaders

modality = 'rgb'
train_dataloader, val_dataloader, test_dataloader = video_dataloaders(
    {{_base_.data_root}}, modality, clip_len=16, frame_interval=4, resize=256, crop=224, test_clips=4,
    test_crops=3, batch_size=8, workers=8)
optim_wrapper = dict(optimizer=dict(lr=1.6e-3, weight_decay=0.05))
auto_scale_lr = dict(enable=False, base_batch_size=64)
