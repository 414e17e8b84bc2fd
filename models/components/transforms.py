"""mmaction2 transforms for skeletons of any layout (models.components.skeleton.layout_of).

Graph-network pipelines (models.components.pipelines.gcn_dataloaders) run, per clip:
`NormalizeSkeleton` (centre and scale), the training augmentations `RandomSkeletonAffine` (scale, rotation,
shear), `RandomSkeletonFlip` and `RandomJointDrop`, then `SkeletonFeature` (joint, bone, joint-motion or
bone-motion stream). Keypoints are [persons, frames, joints, 2 or 3 coordinates] with scores [persons,
frames, joints]; a joint with score <= `threshold` is missing and sits at the origin after normalisation.
Heatmap pipelines flip with `LayoutFlip` (mmaction2's Flip, its left/right keypoints from the layout).
"""
import numpy as np
from mmaction.datasets.transforms import Flip
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from models.components.skeleton import index_list, layout_of

FEATURES = ("joint", "bone", "joint_motion", "bone_motion")


def _scores(results, keypoint):
    score = results.get("keypoint_score")
    return np.ones(keypoint.shape[:-1], np.float32) if score is None else np.asarray(score, np.float32)


def _present(results, keypoint, threshold):
    return _scores(results, keypoint) > threshold


@TRANSFORMS.register_module()
class NormalizeSkeleton(BaseTransform):
    """Centre and scale each clip: coordinates about -1..1, the same map for every frame of the clip.

    `center='joint'`: the origin is the mean position of the layout's centre joint over the frames where it
    is present (the bounding box's centre when it never is); `'box'`: the centre of the bounding box of all
    present joints of the clip. The scale divides by half the longest side of that box, the same on every
    axis (shapes keep their proportions; PYSKL's PreNormalize2D scales x and y apart). Missing joints
    (score <= `threshold`) are put at the origin. 3D joints: the same with three axes.
    """

    def __init__(self, layout="imigue36", center="joint", threshold=0.01):
        if center not in ("joint", "box"):
            raise ValueError(f"center must be 'joint' or 'box', got {center!r}")
        self.layout = layout_of(layout)
        self.center = center
        self.threshold = float(threshold)

    def transform(self, results):
        keypoint = np.asarray(results["keypoint"], np.float32)
        present = _present(results, keypoint, self.threshold)
        if keypoint.shape[-2] != self.layout.num_joints:
            raise ValueError(f"NormalizeSkeleton({self.layout.name!r}) expects {self.layout.num_joints} joints, the "
                             f"clip has {keypoint.shape[-2]}")
        points = keypoint[present]
        out = np.zeros_like(keypoint)
        if len(points):
            low, high = points.min(0), points.max(0)
            origin = (low + high) / 2
            centre = self.layout.center
            if self.center == "joint" and present[..., centre].any():
                origin = keypoint[..., centre, :][present[..., centre]].mean(0)
            half = max(float((high - low).max()) / 2, 1e-6)
            out = np.where(present[..., None], (keypoint - origin) / half, 0).astype(np.float32)
        results["keypoint"] = out
        return results

    def __repr__(self):
        return f"{self.__class__.__name__}(layout={self.layout.name!r}, center={self.center!r})"


@TRANSFORMS.register_module()
class RandomSkeletonAffine(BaseTransform):
    """Random scale, rotation and shear of normalised joints, one linear map per clip (PYSKL's RandomScale
    and RandomRot, plus shear).

    Scale: each axis times 1 + U(-scale, scale). Rotation: U(-rotation, rotation) radians in the image plane
    (2D) or about each of the three axes (3D). Shear: each off-diagonal term U(-shear, shear). Joints at the
    origin (missing) stay there.
    """

    def __init__(self, scale=0.1, rotation=0.3, shear=0.0):
        self.scale, self.rotation, self.shear = float(scale), float(rotation), float(shear)

    def matrix(self, dims, rng=np.random):
        scale = np.diag(1 + rng.uniform(-self.scale, self.scale, dims))
        shear = np.eye(dims) + (1 - np.eye(dims)) * rng.uniform(-self.shear, self.shear, (dims, dims))
        if dims == 2:
            rotation = _rotation_2d(rng.uniform(-self.rotation, self.rotation))
        else:
            rotation = _rotation_3d(rng.uniform(-self.rotation, self.rotation, 3))
        return rotation @ shear @ scale

    def transform(self, results):
        keypoint = np.asarray(results["keypoint"], np.float32)
        dims = keypoint.shape[-1]
        if dims not in (2, 3):
            raise ValueError(f"keypoint must have 2 or 3 coordinates, got shape {keypoint.shape}")
        results["keypoint"] = (keypoint @ self.matrix(dims).T.astype(np.float32)).astype(np.float32)
        return results

    def __repr__(self):
        return (f"{self.__class__.__name__}(scale={self.scale}, rotation={self.rotation}, "
                f"shear={self.shear})")


def _rotation_2d(theta):
    cos, sin = np.cos(theta), np.sin(theta)
    return np.array([[cos, -sin], [sin, cos]])


def _rotation_3d(theta):
    cos, sin = np.cos(theta), np.sin(theta)
    rx = np.array([[1, 0, 0], [0, cos[0], sin[0]], [0, -sin[0], cos[0]]])
    ry = np.array([[cos[1], 0, -sin[1]], [0, 1, 0], [sin[1], 0, cos[1]]])
    rz = np.array([[cos[2], sin[2], 0], [-sin[2], cos[2], 0], [0, 0, 1]])
    return rz @ ry @ rx


@TRANSFORMS.register_module()
class RandomSkeletonFlip(BaseTransform):
    """Mirror normalised joints left to right with probability `flip_ratio`: x negated, each left joint
    swapped with its right partner (the layout's mirror pairs), so a mirrored skeleton is a valid one."""

    def __init__(self, layout="imigue36", flip_ratio=0.5):
        self.layout = layout_of(layout)
        self.flip_ratio = float(flip_ratio)
        self.order = np.asarray(self.layout.mirror)

    def flip(self, results):
        keypoint = np.asarray(results["keypoint"], np.float32)[..., self.order, :].copy()
        keypoint[..., 0] *= -1
        results["keypoint"] = keypoint
        if "keypoint_score" in results:
            results["keypoint_score"] = np.asarray(results["keypoint_score"])[..., self.order]
        return results

    def transform(self, results):
        if np.random.rand() < self.flip_ratio:
            return self.flip(results)
        return results

    def __repr__(self):
        return f"{self.__class__.__name__}(layout={self.layout.name!r}, flip_ratio={self.flip_ratio})"


@TRANSFORMS.register_module()
class RandomJointDrop(BaseTransform):
    """Drop each joint for the whole clip with probability `p`: it becomes missing (origin, score 0)."""

    def __init__(self, p=0.1):
        if not 0 <= p < 1:
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = float(p)

    def transform(self, results):
        keypoint = np.asarray(results["keypoint"], np.float32)
        keep = (np.random.rand(keypoint.shape[-2]) >= self.p).astype(np.float32)
        results["keypoint"] = keypoint * keep[:, None]
        results["keypoint_score"] = _scores(results, keypoint) * keep
        return results

    def __repr__(self):
        return f"{self.__class__.__name__}(p={self.p})"


@TRANSFORMS.register_module()
class SkeletonFeature(BaseTransform):
    """One input stream of graph networks: `keypoint` [M, T, V, C] becomes [M, T, V, C + 1], C = 2 or 3.

    `joint`: the coordinates and the score. `bone`: each joint minus its parent on the layout's bone tree
    (zero for the centre and where either end is missing), with the mean score of the two ends.
    `joint_motion`, `bone_motion`: the difference between consecutive frames of the joint or bone stream
    (frame t holds t+1 minus t; the last frame is zero), with the mean score of the two frames (PYSKL's
    ToMotion). Runs before frame sampling, so motion is measured between the clip's own frames.
    `parents` (each joint's parent index) may be given instead of a layout.
    """

    def __init__(self, feature="joint", parents=None, layout="imigue36"):
        if feature not in FEATURES:
            raise ValueError(f"feature must be one of {FEATURES}, got {feature!r}")
        self.feature = feature
        if parents is not None:
            self.parents = np.asarray(index_list(parents, "parents"), dtype=np.int64)
            self.layout_name = None
        else:
            layout = layout_of(layout)
            self.parents = np.asarray(layout.parents, dtype=np.int64)
            self.layout_name = layout.name

    def transform(self, results):
        keypoint = np.asarray(results["keypoint"], np.float32)
        score = _scores(results, keypoint)
        if self.feature.startswith("bone"):
            if len(self.parents) != keypoint.shape[-2]:
                raise ValueError(f"{len(self.parents)} parents given for {keypoint.shape[-2]} keypoints")
            both = ((score > 0) & (score[..., self.parents] > 0))[..., None]
            keypoint = np.where(both, keypoint - keypoint[..., self.parents, :], 0)
            score = (score + score[..., self.parents]) / 2
        if self.feature.endswith("motion"):
            motion = np.zeros_like(keypoint)
            motion[:, :-1] = np.diff(keypoint, axis=1)
            moving = np.zeros_like(score)
            moving[:, :-1] = (score[:, 1:] + score[:, :-1]) / 2
            keypoint, score = motion, moving
        results["keypoint"] = np.concatenate([keypoint, score[..., None]], axis=-1).astype(np.float32)
        results.pop("keypoint_score", None)
        return results

    def __repr__(self):
        return f"{self.__class__.__name__}(feature={self.feature!r}, layout={self.layout_name!r})"


@TRANSFORMS.register_module()
class LayoutFlip(Flip):
    """mmaction2's `Flip` whose left/right keypoints are the layout's mirror pairs (no list to get wrong)."""

    def __init__(self, layout="imigue36", flip_ratio=0.5, **kwargs):
        for key in ("left_kp", "right_kp"):
            if key in kwargs:
                raise ValueError(f"LayoutFlip takes its {key} from the layout; use mmaction2's Flip for lists")
        layout = layout_of(layout)
        super().__init__(flip_ratio=flip_ratio, left_kp=layout.left_kp, right_kp=layout.right_kp, **kwargs)
