# Video Swin-T on RGB clips: 32 frames every 2nd, 224 px, AdamW lr 1e-3 (backbone 0.1x), weight decay 0.02,
# batch 8, 30 epochs; 4 clips x 3 crops at test (MM-Gesture's released Swin-T config).
# MM-Gesture pre-trained the RGB Swin on MA-52: `miga train CONFIG --load-from CKPT` (the classifier is
# re-initialised when the class count differs).
_base_ = ['_base_/default_runtime.py', '_base_/prepared_data.py', '_base_/models/swin3d.py',
          '_base_/schedules/swin_adamw_cosine.py']
from models.components.pipelines import video_dataloaders

modality = 'rgb'
train_dataloader, val_dataloader, test_dataloader = video_dataloaders(
    {{_base_.data_root}}, modality, clip_len=32, frame_interval=2, resize=256, crop=224, test_clips=4,
    test_crops=3, batch_size=8, workers=8)
auto_scale_lr = dict(enable=False, base_batch_size=64)
