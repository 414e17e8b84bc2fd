# Video Swin-T on Taylor video (`miga modality taylor PREPARED`), recipe of swin_t_rgb.py.
_base_ = ['swin_t_rgb.py']
from models.components.pipelines import video_dataloaders

modality = 'taylor'
train_dataloader, val_dataloader, test_dataloader = video_dataloaders(
    {{_base_.data_root}}, modality, clip_len=32, frame_interval=2, resize=256, crop=224, test_clips=4,
    test_crops=3, batch_size=8, workers=8)
