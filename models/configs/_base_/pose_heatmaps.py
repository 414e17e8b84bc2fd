# How keypoints become heatmaps: the one place for the heatmap step of every pose pipeline.
# `*_test` variants also render the horizontally flipped clip (test-time augmentation, as PYSKL tests PoseConv3D).
# GeneratePoseHeatmaps (models/components/heatmaps.py) is mmaction2's GeneratePoseTarget, same arguments and output,
# vectorised; its limbs and left/right pairs come from the skeleton layout (`layout`, set to the config's
# `skeleton_layout` when the config is loaded). The one switch: heatmaps_on_device = True makes the loader ship
# keypoints and the model's PoseHeatmapPreprocessor draw them on its device (PoseConv3D configs give it
# `joint_heatmap`/`limb_heatmap`); False draws them in the data workers. RGBPoseConv3D always draws in the workers.
_base_ = []
import models.components.heatmaps  # noqa: F401  (registers GeneratePoseHeatmaps and PoseHeatmapPreprocessor)

heatmaps_on_device = False

# The layout is in the training steps too: the preprocessor mirrors test clips with the step it is given.
joint_heatmap = dict(type='GeneratePoseHeatmaps', sigma=0.6, use_score=True, with_kp=True, with_limb=False,
                     on_device=heatmaps_on_device, layout='imigue36')
joint_heatmap_test = dict(joint_heatmap, double=True)
limb_heatmap = dict(type='GeneratePoseHeatmaps', sigma=0.6, use_score=True, with_kp=False, with_limb=True,
                    on_device=heatmaps_on_device, layout='imigue36')
limb_heatmap_test = dict(limb_heatmap, double=True)
# RGBPoseConv3D renders heatmaps at a quarter of the RGB resolution.
rgbpose_joint_heatmap = dict(joint_heatmap, sigma=0.7, scaling=0.25, on_device=False)
rgbpose_limb_heatmap = dict(limb_heatmap, sigma=0.7, scaling=0.25, on_device=False)
