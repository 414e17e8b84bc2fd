# PoseConv3D on limb heatmaps (the layout's limbs; for iMiGUE the 36 of competition.data.keypoints.LIMBS_36):
# MM-Gesture's limb stream, the joint stream's recipe with SGD lr 0.2.
_base_ = ['posec3d_joint.py']
from models.components.pipelines import pose_heatmap_dataloaders

train_dataloader, val_dataloader, test_dataloader = pose_heatmap_dataloaders(
    {{_base_.data_root}}, {{_base_.limb_heatmap}}, {{_base_.limb_heatmap_test}},
    clip_len=48, resize=64, crop=56, test_size=64, test_clips=10, batch_size=16, workers=8, repeat=10)
model = dict(data_preprocessor=dict(type='PoseHeatmapPreprocessor', heatmap={{_base_.limb_heatmap}}))
optim_wrapper = dict(optimizer=dict(lr=0.2))
