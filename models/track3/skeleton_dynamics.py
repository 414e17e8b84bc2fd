"""Skeleton dynamics of a video: how much and how fast the head, hands and torso move, in body units.

Coordinates are measured from the subject's median neck position and divided by the median shoulder width
(neck-to-hip length when the shoulders are not seen), so camera distance and position cancel out. Per body
part, the centroid of its confident keypoints gives a track; from it come speed statistics (body widths per
second), position statistics, the rhythm of its motion (share of motion power per frequency band) and how
often the part is visible. Hand-to-head and hand-to-hand distances
capture self-touching and fidgeting, which many micro-gestures are.
"""
import numpy as np

from competition.data.keypoints import FACE_137, HEAD_137, LEFT_HAND_137, RIGHT_HAND_137, TORSO_137

PARTS = {"head": HEAD_137, "face": FACE_137, "torso": TORSO_137, "left_hand": LEFT_HAND_137,
         "right_hand": RIGHT_HAND_137}
NECK, RIGHT_SHOULDER, LEFT_SHOULDER, MID_HIP = 1, 2, 5, 8
MOVING_SPEED = 0.5  # body widths per second: above it a part counts as moving
TOUCH_DISTANCE = 0.5  # body widths: a hand this close to the head touches it
_PART_STATS = ("visible", "speed_mean", "speed_std", "speed_p50", "speed_p90", "moving_share",
               "x_mean", "y_mean", "x_std", "y_std")
BANDS_HZ = ((0.25, 1.0), (1.0, 2.0), (2.0, 4.0), (4.0, 8.0))  # rhythm of a part's motion
_BAND_STATS = tuple(f"{axis}_band_{lo:g}_{hi:g}hz" for axis in "xy" for lo, hi in BANDS_HZ)
_PAIR_STATS = ("left_hand_head_mean", "left_hand_head_touch", "right_hand_head_mean", "right_hand_head_touch",
               "hands_mean", "hands_close")


def feature_names():
    return [f"{part}_{stat}" for part in PARTS for stat in _PART_STATS + _BAND_STATS] + list(_PAIR_STATS)


def _nan_stat(function, values, *args):
    values = values[np.isfinite(values)]
    return float(function(values, *args)) if len(values) else np.nan


def _distance(a, b, where):
    both = np.isfinite(a[:, 0]) & np.isfinite(b[:, 0]) & where
    return np.where(both, np.linalg.norm(np.nan_to_num(a - b), axis=1), np.nan)


def _band_shares(track, fps):
    """Share of each axis's motion power in each frequency band (gaps filled by linear interpolation)."""
    shares = []
    for axis in range(2):
        values = track[:, axis]
        seen = np.flatnonzero(np.isfinite(values))
        if len(seen) < 8:
            shares += [np.nan] * len(BANDS_HZ)
            continue
        filled = np.interp(np.arange(len(values)), seen, values[seen])
        power = np.abs(np.fft.rfft(filled - filled.mean())) ** 2
        frequency = np.fft.rfftfreq(len(filled), 1.0 / fps)
        total = power[frequency > 0].sum()
        shares += [power[(frequency >= lo) & (frequency < hi)].sum() / total if total > 0 else 0.0
                   for lo, hi in BANDS_HZ]
    return shares


def _body_frame(keypoint, visible):
    """Origin (median neck position) and scale (median shoulder width, else neck-to-hip length)."""
    def median_distance(i, j):
        both = visible[:, i] & visible[:, j]
        return float(np.median(np.linalg.norm(keypoint[both, i] - keypoint[both, j], axis=1))) if both.any() else 0.0

    scale = median_distance(RIGHT_SHOULDER, LEFT_SHOULDER) or median_distance(NECK, MID_HIP)
    if scale <= 0:  # no torso at all: fall back to the spread of whatever is visible
        scale = float(np.std(keypoint[visible])) if visible.any() else 1.0
    neck = visible[:, NECK]
    if neck.any():
        origin = np.median(keypoint[neck, NECK], axis=0)
    else:
        origin = np.median(keypoint[visible], axis=0) if visible.any() else np.zeros(2)
    return origin, max(scale, 1e-6)


def skeleton_dynamics_features(keypoint, keypoint_score, fps=25.0, min_score=0.2):
    """One feature row for one video from its keypoints [T, 137, 2] and scores [T, 137]."""
    keypoint = np.asarray(keypoint, dtype=np.float64)
    visible = np.asarray(keypoint_score) > min_score
    if keypoint.ndim != 3 or keypoint.shape[2] != 2 or visible.shape != keypoint.shape[:2]:
        raise ValueError(f"expected keypoint [T, V, 2] and keypoint_score [T, V], got {keypoint.shape} and "
                         f"{visible.shape}")
    fps = float(fps) if fps and fps > 0 else 25.0
    origin, scale = _body_frame(keypoint, visible)
    tracks, row = {}, []
    for part, indices in PARTS.items():
        seen = visible[:, indices]
        counts = seen.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            centroid = (keypoint[:, indices] * seen[..., None]).sum(axis=1) / counts[:, None]
        centroid[counts == 0] = np.nan
        track = (centroid - origin) / scale
        tracks[part] = track
        speed = np.linalg.norm(np.diff(track, axis=0), axis=1) * fps if len(track) > 1 else np.array([np.nan])
        moving = speed[np.isfinite(speed)]
        row += [float((counts > 0).mean()) if len(counts) else 0.0,
                _nan_stat(np.mean, speed), _nan_stat(np.std, speed), _nan_stat(np.percentile, speed, 50),
                _nan_stat(np.percentile, speed, 90), float((moving > MOVING_SPEED).mean()) if len(moving) else np.nan,
                _nan_stat(np.mean, track[:, 0]), _nan_stat(np.mean, track[:, 1]),
                _nan_stat(np.std, track[:, 0]), _nan_stat(np.std, track[:, 1])] + _band_shares(track, fps)
    everywhere = np.ones(len(keypoint), dtype=bool)
    for hand in ("left_hand", "right_hand"):
        distance = _distance(tracks[hand], tracks["head"], everywhere)
        row += [_nan_stat(np.mean, distance), _nan_stat(lambda d: (d < TOUCH_DISTANCE).mean(), distance)]
    distance = _distance(tracks["left_hand"], tracks["right_hand"], everywhere)
    row += [_nan_stat(np.mean, distance), _nan_stat(lambda d: (d < TOUCH_DISTANCE).mean(), distance)]
    return np.asarray(row, dtype=np.float64)
