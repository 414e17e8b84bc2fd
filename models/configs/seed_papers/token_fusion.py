# Cross-modal token fusion with memory refinement (MiGA 2025, Track 1 entry of the Track 3 2nd-place team):
# features of a pretrained MViTv2-S on 16 RGB frames and of 2s-AGCN (a joint and a bone AAGCN) on 32 pose
# frames, fused by attention; a memory bank of 50 confident embeddings per class refines the embedding, with
# the prototype margin term L_p weighted by alpha rising from 0 at epoch 5 to 1 at epoch 15; fixed late fusion
# with the pose branch above RGB (0.6 / 0.4); AdamW lr 1e-4, weight decay 1e-4, ReduceLROnPlateau on the
# validation top-1; class-balanced sampling.
# The encoders are frozen feature extractors, as in the paper; their weights come from their own trainings:
#   miga train mvit_s_rgb; miga train seed_papers/agcn_joint; miga train seed_papers/agcn_bone
#   miga train seed_papers/token_fusion --cfg-options model.backbone.encoder_checkpoints.rgb=RGB.pth \
#       model.backbone.encoder_checkpoints.joint=JOINT.pth model.backbone.encoder_checkpoints.bone=BONE.pth
# (or raw MViT weights: model.backbone.rgb_backbone.pretrained=/path/to/mvit_s.pth). Without them it warns.
_base_ = ['../_base_/default_runtime.py', '../_base_/prepared_data.py', '../_base_/schedules/adamw_cosine.py']
import models.components.skeleton as skeleton
from models.components.pipelines import RGB_MEAN, RGB_STD, rgbpose_dataloaders
from models.seed_papers.loaders import GCN_STEPS, TOKEN_FUSION_INPUTS, repack

custom_imports = dict(imports=['models.components.datasets', 'models.components.transforms',
                               'models.seed_papers.token_fusion', 'models.seed_papers.sampling'],
                      allow_failed_imports=False)
# No heatmaps here: the step in their place scales keypoints to [-1, 1] of the final frame for the GCN.
normalize_keypoints = dict(type='PreNormalize2D')
model = dict(
    type='MMRecognizer3D',
    backbone=dict(
        type='CrossModalTokenFusion',
        rgb_backbone=dict(type='MViT', arch='small', drop_path_rate=0.2, output_cls_token=False),
        pose_backbone=dict(type='NamedGraphAAGCN', graph_cfg=dict(layout='imigue36', mode='spatial'),
                           num_person=1),
        bone_parents=skeleton.BONE_PARENTS_36,
        rgb_channels=768, pose_channels=256, embed_dims=512, num_heads=8,
        frozen_encoders=True, encoder_checkpoints=dict(rgb=None, joint=None, bone=None)),
    cls_head=dict(type='MemoryRefinementHead', num_classes=32, in_channels=512, pose_channels=512,
                  memory_size=50, momentum=0.9, num_neighbours=5, num_heads=8, confidence=0.5, pose_weight=0.6,
                  margin=0.2, average_clips='prob'),
    data_preprocessor=dict(
        type='MultiModalDataPreprocessor',
        preprocessors=dict(
            imgs=dict(type='ActionDataPreprocessor', mean=RGB_MEAN, std=RGB_STD, format_shape='NCTHW'),
            keypoint=dict(type='ActionDataPreprocessor'))))
custom_hooks = [dict(type='RefinementScheduleHook', start_epoch=5, ramp_epochs=10)]
train_dataloader, val_dataloader, test_dataloader = repack(rgbpose_dataloaders(
    {{_base_.data_root}}, normalize_keypoints, rgb_len=16, pose_len=32, resize=224, crop=224, test_clips=4,
    batch_size=8, workers=8, left_kp=skeleton.LEFT_KP_36, right_kp=skeleton.RIGHT_KP_36),
    TOKEN_FUSION_INPUTS, GCN_STEPS)
train_dataloader['sampler'] = dict(type='ClassBalancedSampler')
optim_wrapper = dict(optimizer=dict(lr=1e-4, weight_decay=1e-4))
param_scheduler = [dict(type='ReduceOnPlateauLR', monitor='acc/top1', rule='greater', factor=0.1, patience=10,
                        by_epoch=True)]
auto_scale_lr = dict(enable=False, base_batch_size=8)
