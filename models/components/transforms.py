"""mmaction2 transforms for the 36-keypoint skeleton of the prepared dataset."""
import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform


@TRANSFORMS.register_module()
class SkeletonFeature(BaseTransform):
    """Joint or bone features for graph convolutions: `keypoint` [M, T, V, 2] becomes [M, T, V, 3].

    `joint`: (x, y, score). `bone`: (x - x_parent, y - y_parent, mean score of the two ends), the centre
    joint's bone being zero. mmaction2's own `GenSkeFeat`/`JointToBone` know only the NTU, OpenPose-18 and COCO
    skeletons; this takes the parent list of any skeleton (models.components.skeleton.BONE_PARENTS_36 for ours).
    """

    def __init__(self, feature='joint', parents=None):
        if feature not in ("joint", "bone"):
            raise ValueError(f"feature must be 'joint' or 'bone', got {feature!r}")
        if feature == "bone" and parents is None:
            raise ValueError("bone features need `parents`, each joint's parent index")
        self.feature = feature
        self.parents = None if parents is None else np.asarray(parents, dtype=np.int64)

    def transform(self, results):
        keypoint = results["keypoint"].astype(np.float32)
        score = results.get("keypoint_score")
        score = np.ones(keypoint.shape[:-1], np.float32) if score is None else score.astype(np.float32)
        if self.feature == "bone":
            if len(self.parents) != keypoint.shape[-2]:
                raise ValueError(f"{len(self.parents)} parents given for {keypoint.shape[-2]} keypoints")
            keypoint = keypoint - keypoint[..., self.parents, :]
            score = (score + score[..., self.parents]) / 2
        results["keypoint"] = np.concatenate([keypoint, score[..., None]], axis=-1)
        results.pop("keypoint_score", None)
        return results

    def __repr__(self):
        return f"{self.__class__.__name__}(feature={self.feature!r})"
