# PoseConv3D on joint heatmaps: MM-Gesture's joint stream on PYSKL's recipe (SlowOnly 4/6/3, base 32; 48 frames;
# train: keypoint box, random crop of 56-100% resized to 56 px, flip; test: 64 px, 10 clips x flip), with
# MM-Gesture's SGD lr 0.05, 24 epochs, dataset repeated 10 times. Any skeleton: `--cfg-options skeleton_layout=NAME`
# (the flips, the input channels and the head follow the data).
_base_ = ['_base_/default_runtime.py', '_base_/prepared_data.py', '_base_/skeleton_data.py',
          '_base_/pose_heatmaps.py', '_base_/models/posec3d_slowonly.py', '_base_/schedules/sgd_cosine.py']
from models.components.pipelines import pose_heatmap_dataloaders

train_dataloader, val_dataloader, test_dataloader = pose_heatmap_dataloaders(
    {{_base_.data_root}}, {{_base_.joint_heatmap}}, {{_base_.joint_heatmap_test}},
    clip_len=48, resize=64, crop=56, test_size=64, test_clips=10, batch_size=16, workers=8, repeat=10)
# Draws the heatmaps when _base_/pose_heatmaps.py says heatmaps_on_device = True; passes them through otherwise.
model = dict(data_preprocessor=dict(type='PoseHeatmapPreprocessor', heatmap={{_base_.joint_heatmap}}))
optim_wrapper = dict(optimizer=dict(lr=0.05))
auto_scale_lr = dict(enable=False, base_batch_size=128)
