# Tiny PoseConv3D joint: the pipeline and head of ../posec3d_joint.py with 8 frames, 32 px and a 3-block trunk
# of base width 4. Trains on a CPU in seconds (tests, `make demo`).
_base_ = ['../posec3d_joint.py']
import models.skeleton as skeleton
from models.pipelines import pose_heatmap_dataloaders

train_dataloader, val_dataloader, test_dataloader = pose_heatmap_dataloaders(
    {{_base_.data_root}}, {{_base_.joint_heatmap}}, {{_base_.joint_heatmap_test}},
    clip_len=8, resize=32, crop=28, test_size=32, test_clips=2, batch_size=8, test_batch_size=8, workers=0,
    repeat=1, left_kp=skeleton.LEFT_KP_36, right_kp=skeleton.RIGHT_KP_36)
model = dict(backbone=dict(base_channels=4, stage_blocks=(1, 1, 1)), cls_head=dict(in_channels=64))
train_cfg = dict(max_epochs=1)
default_hooks = dict(logger=dict(interval=5), checkpoint=dict(save_best=None))
