"""The competition's fixed facts that every layer shares: tracks, splits and class counts."""

TRACKS = (1, 3)
# The prepared dataset's splits, in the order of the official download.
SPLITS = ("train", "val", "test")
# The rows of a probability file: a split, or `oof`, every labelled clip (train and val) predicted by the fold
# model of out-of-fold training that did not see its video.
OOF = "oof"
PROBABILITY_SPLITS = SPLITS + (OOF,)
# Track 1 has 32 gesture classes (31 gestures and the non-gesture class); Track 3 has lose (0) and win (1).
CLASSES_OF_TRACK = {1: 32, 3: 2}
TRACK1_CLASSES = CLASSES_OF_TRACK[1]
