# Cross-modal token fusion with memory refinement (MiGA 2025, Track 1 entry of the Track 3 2nd-place team):
# MViTv2-S on 16 RGB frames and AAGCN (2s-AGCN's joint stream) on 32 pose frames, fused by attention; a
# memory bank of 50 confident embeddings per class refines the embedding from epoch 10 on (alpha 0 -> 1).
# MViT weights from a local file: --cfg-options model.backbone.rgb_backbone.pretrained=/path/to/mvit_s.pth
_base_ = ['../_base_/default_runtime.py', '../_base_/prepared_data.py', '../_base_/schedules/adamw_cosine.py']
import models.components.skeleton as skeleton
from models.components.pipelines import RGB_MEAN, RGB_STD, rgbpose_dataloaders
from models.seed_papers.loaders import GCN_STEPS, TOKEN_FUSION_INPUTS, repack

custom_imports = dict(imports=['models.components.datasets', 'models.components.transforms',
                               'models.seed_papers.token_fusion'],
                      allow_failed_imports=False)
# No heatmaps here: the step in their place scales keypoints to [-1, 1] of the final frame for the GCN.
normalize_keypoints = dict(type='PreNormalize2D')
model = dict(
    type='MMRecognizer3D',
    backbone=dict(
        type='CrossModalTokenFusion',
        rgb_backbone=dict(type='MViT', arch='small', drop_path_rate=0.2, output_cls_token=False),
        pose_backbone=dict(type='AAGCN', graph_cfg=dict(layout='imigue36', mode='spatial'),
                           num_person=1),
        rgb_channels=768, pose_channels=256, embed_dims=512, num_heads=8),
    cls_head=dict(type='MemoryRefinementHead', num_classes=32, in_channels=512, pose_channels=256,
                  memory_size=50, momentum=0.9, num_neighbours=5, num_heads=8, confidence=0.5, pose_weight=0.6,
                  average_clips='prob'),
    data_preprocessor=dict(
        type='MultiModalDataPreprocessor',
        preprocessors=dict(
            imgs=dict(type='ActionDataPreprocessor', mean=RGB_MEAN, std=RGB_STD, format_shape='NCTHW'),
            keypoint=dict(type='ActionDataPreprocessor'))))
custom_hooks = [dict(type='RefinementScheduleHook', start_epoch=10)]
train_dataloader, val_dataloader, test_dataloader = repack(rgbpose_dataloaders(
    {{_base_.data_root}}, normalize_keypoints, rgb_len=16, pose_len=32, resize=224, crop=224, test_clips=4,
    batch_size=8, workers=8, left_kp=skeleton.LEFT_KP_36, right_kp=skeleton.RIGHT_KP_36),
    TOKEN_FUSION_INPUTS, GCN_STEPS)
optim_wrapper = dict(optimizer=dict(lr=1e-3, weight_decay=0.05))
auto_scale_lr = dict(enable=False, base_batch_size=64)
