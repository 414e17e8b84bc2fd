"""Track 1 classes: raw iMiGUE class ids (1..31, 99) and the 32 training labels (0..31)."""

from competition.core.constants import TRACK1_CLASSES

NON_GESTURE_RAW = 99
NON_GESTURE_LABEL = 31
RAW_CLASSES = tuple(range(1, 32)) + (NON_GESTURE_RAW,)

# Clips per training label in the real training set (12,893 clips), counted from the public clip list
# iMiGUE_train_clips_list.txt (tests recount it from ../shared/real/imigue/ when that folder is present).
TRAIN_CLASS_COUNTS = (10, 393, 38, 199, 80, 23, 57, 824, 80, 3, 284, 137, 97, 41, 26, 24, 304, 82, 1, 887,
                      157, 360, 656, 690, 11, 280, 84, 60, 1155, 6, 2079, 3765)


def raw_to_label(raw: int) -> int:
    """Raw class → training label: `raw - 1`, and the non-gesture class 99 → 31."""
    if raw == NON_GESTURE_RAW:
        return NON_GESTURE_LABEL
    if 1 <= raw <= 31:
        return raw - 1
    raise ValueError(f"raw class {raw} is not one of 1..31 or {NON_GESTURE_RAW}")


def label_to_raw(label: int) -> int:
    if label == NON_GESTURE_LABEL:
        return NON_GESTURE_RAW
    if 0 <= label < NON_GESTURE_LABEL:
        return label + 1
    raise ValueError(f"label {label} is not in 0..{TRACK1_CLASSES - 1}")
