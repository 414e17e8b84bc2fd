# How keypoints become heatmaps: the one place for the heatmap step of every pose pipeline.
# `*_test` variants also render the horizontally flipped clip (test-time augmentation).
_base_ = []
import models.skeleton as skeleton

_flip_kp = dict(left_kp=skeleton.LEFT_KP_36, right_kp=skeleton.RIGHT_KP_36)
_flip_limb = dict(left_limb=skeleton.LEFT_LIMB_36, right_limb=skeleton.RIGHT_LIMB_36)
_limbs = [list(limb) for limb in skeleton.LIMBS_36]

joint_heatmap = dict(type='GeneratePoseTarget', sigma=0.6, use_score=True, with_kp=True, with_limb=False)
joint_heatmap_test = dict(joint_heatmap, double=True, **_flip_kp)
limb_heatmap = dict(type='GeneratePoseTarget', sigma=0.6, use_score=True, with_kp=False, with_limb=True,
                    skeletons=_limbs)
limb_heatmap_test = dict(limb_heatmap, double=True, **_flip_kp, **_flip_limb)
# RGBPoseConv3D renders heatmaps at a quarter of the RGB resolution.
rgbpose_joint_heatmap = dict(joint_heatmap, sigma=0.7, scaling=0.25)
rgbpose_limb_heatmap = dict(limb_heatmap, sigma=0.7, scaling=0.25)
del _flip_kp, _flip_limb, _limbs
