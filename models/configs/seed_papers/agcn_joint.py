# One stream of 2s-AGCN (mmaction2's AAGCN) on the 36 joints, trained for the token-fusion model's frozen joint
# encoder (model.backbone.encoder_checkpoints.joint). Its keypoints are cut, resized and flipped like the
# token-fusion model's (the box around the person, 224 px, random crop of 56-100% area, flips; 32 frames) and
# scaled to [-1, 1]. The paper does not say how its 2s-AGCN was trained: the toolkit's ST-GCN++ schedule (SGD
# lr 0.1 with Nesterov momentum, weight decay 5e-4, cosine over 16 epochs, batch 16, dataset repeated 5 times).
_base_ = ['../_base_/default_runtime.py', '../_base_/prepared_data.py', '../_base_/schedules/sgd_cosine.py']
import models.components.skeleton as skeleton
from models.components.pipelines import pose_heatmap_dataloaders
from models.seed_papers.loaders import keypoint_only

custom_imports = dict(imports=['models.components.datasets', 'models.components.transforms',
                               'models.seed_papers.token_fusion'],
                      allow_failed_imports=False)
model = dict(
    type='RecognizerGCN',
    backbone=dict(type='NamedGraphAAGCN', graph_cfg=dict(layout='imigue36', mode='spatial'), num_person=1),
    cls_head=dict(type='GCNHead', num_classes=32, in_channels=256))
feature = dict(type='SkeletonFeature', feature='joint')
train_dataloader, val_dataloader, test_dataloader = keypoint_only(pose_heatmap_dataloaders(
    {{_base_.data_root}}, dict(type='PreNormalize2D'), dict(type='PreNormalize2D'), clip_len=32, resize=224,
    crop=224, test_size=224, test_clips=10, batch_size=16, workers=8, repeat=5, left_kp=skeleton.LEFT_KP_36,
    right_kp=skeleton.RIGHT_KP_36), (feature, dict(type='FormatGCNInput', num_person=1)))
train_cfg = dict(max_epochs=16)
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max=16, by_epoch=True, convert_to_iter_based=True)]
optim_wrapper = dict(optimizer=dict(lr=0.1, weight_decay=0.0005, nesterov=True), clip_grad=None)
auto_scale_lr = dict(enable=False, base_batch_size=128)
