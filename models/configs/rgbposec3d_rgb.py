# RGB-only stage of MM-Gesture's two-stage RGBPoseConv3D (its released rgb_only config): a SlowOnly-R50, the
# RGB pathway without lateral connections, on 8 RGB frames cut to the person (MMCompact), 256 px square, random
# crop of 56-100% area to 224 px, flips; evaluated at 224 px, 10 clips at test. SGD lr 0.15, weight decay 1e-4,
# cosine to 0 over 18 epochs, batch 26, dataset repeated 10 times. Its weights go into rgbposec3d_joint/limb
# (`miga merge-weights`).
_base_ = ['_base_/default_runtime.py', '_base_/prepared_data.py', '_base_/pose_heatmaps.py',
          '_base_/schedules/sgd_cosine.py']
import models.components.skeleton as skeleton
from models.components.pipelines import rgbpose_dataloaders
from models.seed_papers.loaders import IMIGUE_RGB_MEAN, IMIGUE_RGB_STD, rgb_only

model = dict(
    type='Recognizer3D',
    backbone=dict(type='ResNet3dSlowOnly', depth=50, pretrained=None, conv1_kernel=(1, 7, 7),
                  inflate=(0, 0, 1, 1)),
    cls_head=dict(type='I3DHead', in_channels=2048, num_classes=32, dropout_ratio=0.5, average_clips='prob'),
    data_preprocessor=dict(type='ActionDataPreprocessor', mean=IMIGUE_RGB_MEAN, std=IMIGUE_RGB_STD,
                           format_shape='NCTHW'))
train_dataloader, val_dataloader, test_dataloader = rgb_only(rgbpose_dataloaders(
    {{_base_.data_root}}, {{_base_.rgbpose_joint_heatmap}}, rgb_len=8, pose_len=32, resize=256, crop=224,
    test_clips=10, batch_size=26, workers=8, repeat=10, left_kp=skeleton.LEFT_KP_36,
    right_kp=skeleton.RIGHT_KP_36), test_resize=224)
train_cfg = dict(max_epochs=18)
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max=18, by_epoch=True, convert_to_iter_based=True)]
optim_wrapper = dict(optimizer=dict(lr=0.15, weight_decay=0.0001))
auto_scale_lr = dict(enable=False, base_batch_size=26)
