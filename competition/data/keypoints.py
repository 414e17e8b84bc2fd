"""The OpenPose 137-keypoint layout of iMiGUE and the 36-keypoint subset of the winning Track 1 solution.

OpenPose writes, per frame, 25 body points (BODY_25), 70 face points (68 landmarks + 2 pupils), then 21
points of the left hand and 21 of the right hand. "Left" and "right" are the subject's own sides.
"""

NUM_BODY, NUM_FACE, NUM_HAND = 25, 70, 21
NUM_KEYPOINTS = NUM_BODY + NUM_FACE + 2 * NUM_HAND  # 137
FACE_START = NUM_BODY
LEFT_HAND_START = NUM_BODY + NUM_FACE  # 95
RIGHT_HAND_START = LEFT_HAND_START + NUM_HAND  # 116

# MM-Gesture's subset: upper body, eyes and ears, 12 face points, wrist + 5 fingertips per hand.
SUBSET_36 = (0, 1, 2, 3, 4, 5, 6, 7, 15, 16, 17, 18, 27, 29, 33, 37, 39, 44, 49, 52, 73, 76, 79, 82,
             95, 99, 103, 107, 111, 115, 116, 120, 124, 128, 132, 136)

# Limbs over the 36 points (indices into SUBSET_36), as in MM-Gesture.
LIMBS_36 = ((0, 1), (0, 8), (8, 10), (0, 9), (9, 11), (19, 17), (19, 18), (17, 12), (12, 13), (13, 14),
            (18, 16), (16, 15), (15, 14), (20, 21), (21, 22), (22, 23), (23, 20), (1, 2), (2, 3), (3, 4),
            (1, 5), (5, 6), (6, 7), (4, 30), (30, 31), (30, 32), (30, 33), (30, 34), (30, 35), (7, 24),
            (24, 25), (24, 26), (24, 27), (24, 28), (24, 29), (0, 19))


def _mirror_pairs_137():
    body = [(2, 5), (3, 6), (4, 7), (9, 12), (10, 13), (11, 14), (15, 16), (17, 18), (19, 22), (20, 23),
            (21, 24)]
    face = [(i, 16 - i) for i in range(8)]  # jaw line
    face += [(17 + i, 26 - i) for i in range(5)]  # eyebrows
    face += [(36, 45), (37, 44), (38, 43), (39, 42), (40, 47), (41, 46)]  # eyes
    face += [(31, 35), (32, 34), (48, 54), (49, 53), (50, 52), (59, 55), (58, 56), (60, 64), (61, 63),
             (67, 65), (68, 69)]  # nose, mouth, pupils
    hands = [(RIGHT_HAND_START + i, LEFT_HAND_START + i) for i in range(NUM_HAND)]
    return body + [(FACE_START + a, FACE_START + b) for a, b in face] + hands


MIRROR_PAIRS_137 = tuple(_mirror_pairs_137())
_index_in_subset = {k: i for i, k in enumerate(SUBSET_36)}
MIRROR_PAIRS_36 = tuple((_index_in_subset[a], _index_in_subset[b]) for a, b in MIRROR_PAIRS_137
                        if a in _index_in_subset and b in _index_in_subset)


def flip_indices(pairs):
    """`(left_kp, right_kp)` lists for mmaction2's `Flip` and `GeneratePoseTarget`."""
    return [a for a, _ in pairs], [b for _, b in pairs]


# Body parts by index into the 137 points, for motion statistics and face crops.
HEAD_137 = (0, 15, 16, 17, 18)
TORSO_137 = (1, 2, 5, 8)
FACE_137 = tuple(range(FACE_START, FACE_START + NUM_FACE))
LEFT_HAND_137 = tuple(range(LEFT_HAND_START, LEFT_HAND_START + NUM_HAND))
RIGHT_HAND_137 = tuple(range(RIGHT_HAND_START, RIGHT_HAND_START + NUM_HAND))
