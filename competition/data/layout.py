"""Where things are in the official download (GUIDE §2), relative to the folder it was unzipped into."""
from pathlib import Path

SKELETON_DIRS = {
    "train": "imigue_data_phase1/datasets/imigue_skeleton_train",
    "val": "imigue_data_phase1/datasets/imigue_skeleton_validate",
    "test": "imigue_data_phase2/imigue_skeleton_test",
}
RGB_DIRS = {
    "train": "imigue_rgb_phase1/train_data",
    "val": "imigue_rgb_phase1/validation_data",
    "test": "imigue_rgb_phase2",
}
TRACK3_LABELS = {
    "train": "imigue_rgb_phase1/train_label.csv",
    "val": "imigue_rgb_phase1/validation_label.csv",
}
# Kaggle's per-track download; its exact content is not confirmed, so prepare only copies it when present.
SAMPLE_SUBMISSIONS = {1: "track1/sample_submission.csv", 3: "track3/sample_submission.csv"}
# Not part of the download: an optional video_id,subject table (the synthetic generator writes one) that lets
# Track 3 cross-validation group by subject rather than by video.
SUBJECTS = "subjects.csv"


def skeleton_dir(raw, split, video_id):
    return Path(raw) / SKELETON_DIRS[split] / video_id


def openpose_xlsx(raw, split, video_id):
    return skeleton_dir(raw, split, video_id) / f"{video_id}_openpose.xlsx"


def clip_label_csv(raw, split, video_id):
    return skeleton_dir(raw, split, video_id) / f"{video_id}_label.csv"


def rgb_video(raw, split, video_id):
    return Path(raw) / RGB_DIRS[split] / video_id / f"{video_id}.mp4"


def find_raw_root(path):
    """The folder holding the download's top-level folders: `path` itself or a single folder below it."""
    path = Path(path)
    markers = [Path(d).parts[0] for d in SKELETON_DIRS.values()]
    if any((path / m).is_dir() for m in markers):
        return path
    for child in sorted(p for p in path.iterdir() if p.is_dir()) if path.is_dir() else []:
        if any((child / m).is_dir() for m in markers):
            return child
    return path


def video_ids(raw, split):
    folder = Path(raw) / SKELETON_DIRS[split]
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir())
