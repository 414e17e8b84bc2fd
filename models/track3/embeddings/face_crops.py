"""Face crops located with the skeleton: a square around the confident OpenPose face keypoints.

When fewer than `MIN_FACE_POINTS` face landmarks are confident, the head points (nose, eyes, ears) stand in,
with a wider margin since they span less of the face. No confident point: no crop.
"""
import numpy as np

from competition.data.keypoints import FACE_137, HEAD_137

MIN_FACE_POINTS = 5


def face_box(keypoint, score, min_score=0.3, margin=1.4):
    """(x0, y0, x1, y1) of a square face box in the keypoints' pixel coordinates, or None."""
    keypoint, score = np.asarray(keypoint), np.asarray(score)
    points = keypoint[list(FACE_137)][score[list(FACE_137)] > min_score]
    if len(points) < MIN_FACE_POINTS:
        points = keypoint[list(HEAD_137)][score[list(HEAD_137)] > min_score]
        margin *= 1.6
        if len(points) < 2:
            return None
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    side = max(x1 - x0, y1 - y0, 8.0) * margin
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2


def crop_square(frame, box, size):
    """The box of an RGB frame [H, W, 3], zero outside the frame, resized to [size, size, 3]."""
    import cv2

    height, width = frame.shape[:2]
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    canvas = np.zeros((y1 - y0, x1 - x0, 3), dtype=frame.dtype)
    sx0, sy0, sx1, sy1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    if sx1 > sx0 and sy1 > sy0:
        canvas[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = frame[sy0:sy1, sx0:sx1]
    return cv2.resize(canvas, (size, size), interpolation=cv2.INTER_AREA)
