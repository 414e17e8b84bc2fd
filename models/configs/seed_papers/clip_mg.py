# CLIP-MG (MiGA 2025, 61.82% on Track 1): CLIP ViT-B/16 over 8 RGB frames, its first 10 of 12 blocks frozen,
# guided by joint heatmaps of 8 windows x 4 frames (32 pose frames) and by the keypoints themselves.
# CLIP weights from a local file (timm, open_clip or OpenAI layout):
#   miga train seed_papers/clip_mg --cfg-options model.backbone.pretrained=/path/to/clip_vit_b16.bin
_base_ = ['../_base_/default_runtime.py', '../_base_/prepared_data.py', '../_base_/pose_heatmaps.py',
          '../_base_/schedules/adamw_cosine.py']
import models.components.skeleton as skeleton
from models.components.pipelines import rgbpose_dataloaders
from models.seed_papers.clip_mg import CLIP_MEAN, CLIP_STD
from models.seed_papers.loaders import CLIP_MG_INPUTS, repack

custom_imports = dict(imports=['models.components.datasets', 'models.components.transforms',
                               'models.seed_papers.clip_mg'],
                      allow_failed_imports=False)
model = dict(
    type='MMRecognizer3D',
    backbone=dict(type='CLIPMG', num_joints=36, arch='vit_base_patch16_clip_224', pretrained=None,
                  frozen_blocks=10, pose_channels=(64, 128, 256), sigma=32.0, gate_scale=1.0),
    cls_head=dict(type='TwoLayerMLPHead', num_classes=32, in_channels=768, hidden_channels=512,
                  dropout_ratio=0.5, average_clips='prob'),
    data_preprocessor=dict(
        type='MultiModalDataPreprocessor',
        preprocessors=dict(
            imgs=dict(type='ActionDataPreprocessor', mean=CLIP_MEAN, std=CLIP_STD, format_shape='NCTHW'),
            heatmap_imgs=dict(type='ActionDataPreprocessor'),
            keypoint=dict(type='ActionDataPreprocessor'),
            keypoint_score=dict(type='ActionDataPreprocessor'))))
# The tower's position table is for 224 px, so evaluation frames are resized to the training crop.
train_dataloader, val_dataloader, test_dataloader = repack(rgbpose_dataloaders(
    {{_base_.data_root}}, {{_base_.rgbpose_joint_heatmap}}, rgb_len=8, pose_len=32, resize=224, crop=224,
    test_clips=4, batch_size=8, workers=8, left_kp=skeleton.LEFT_KP_36, right_kp=skeleton.RIGHT_KP_36),
    CLIP_MG_INPUTS)
optim_wrapper = dict(optimizer=dict(lr=3e-4, weight_decay=0.05))
auto_scale_lr = dict(enable=False, base_batch_size=64)
