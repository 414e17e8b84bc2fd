# How keypoints become heatmaps: the one place for the heatmap step of every pose pipeline.
# `*_test` variants also render the horizontally flipped clip (test-time augmentation).
# GeneratePoseHeatmaps (models/components/heatmaps.py) is mmaction2's GeneratePoseTarget, same arguments and output,
# vectorised. The one switch: heatmaps_on_device = True makes the loader ship keypoints and the model's
# PoseHeatmapPreprocessor draw them on its device (PoseConv3D configs give it `joint_heatmap`/`limb_heatmap`);
# False draws them in the data workers. RGBPoseConv3D always draws in the workers.
_base_ = []
import models.components.heatmaps  # noqa: F401  (registers GeneratePoseHeatmaps and PoseHeatmapPreprocessor)
import models.components.skeleton as skeleton

heatmaps_on_device = False

_flip_kp = dict(left_kp=skeleton.LEFT_KP_36, right_kp=skeleton.RIGHT_KP_36)
_flip_limb = dict(left_limb=skeleton.LEFT_LIMB_36, right_limb=skeleton.RIGHT_LIMB_36)
_limbs = [list(limb) for limb in skeleton.LIMBS_36]

# The flip pairs are in the training steps too: the preprocessor mirrors test clips with the step it is given.
joint_heatmap = dict(type='GeneratePoseHeatmaps', sigma=0.6, use_score=True, with_kp=True, with_limb=False,
                     on_device=heatmaps_on_device, **_flip_kp)
joint_heatmap_test = dict(joint_heatmap, double=True)
limb_heatmap = dict(type='GeneratePoseHeatmaps', sigma=0.6, use_score=True, with_kp=False, with_limb=True,
                    skeletons=_limbs, on_device=heatmaps_on_device, **_flip_kp, **_flip_limb)
limb_heatmap_test = dict(limb_heatmap, double=True)
# RGBPoseConv3D renders heatmaps at a quarter of the RGB resolution.
rgbpose_joint_heatmap = dict(joint_heatmap, sigma=0.7, scaling=0.25, on_device=False)
rgbpose_limb_heatmap = dict(limb_heatmap, sigma=0.7, scaling=0.25, on_device=False)
del _flip_kp, _flip_limb, _limbs
