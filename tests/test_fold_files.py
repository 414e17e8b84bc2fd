"""The prepared dataset's fold file (competition.data.fold_files) and how a fold's clips reach a dataset config."""
import numpy as np
import pandas as pd
import pytest

from competition.core.errors import DataError
from competition.data.fold_files import ensure_fold_file, fold_file_path, read_fold_file


def _dataset(root, videos=12, clips_per_video=6, subjects=None, seed=0):
    """clips.csv (train, val and test videos) and videos.csv, optionally with subjects."""
    rng = np.random.default_rng(seed)
    clip_rows, video_rows = [], []
    for v in range(videos):
        video = f"{v:04d}"
        split = "test" if v % 6 == 5 else "val" if v % 6 == 4 else "train"
        for k in range(clips_per_video):
            label = -1 if split == "test" else int(rng.integers(0, 4))
            clip_rows.append((f"{video}_{k}", video, split, label, label + 1, 0, 9, 10))
        video_rows.append((video, split, -1 if split == "test" else v % 2, clips_per_video, 100, 48, 64, 25,
                           "" if subjects is None else f"S{v % subjects}"))
    root.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(clip_rows, columns=["clip_id", "video_id", "split", "label", "raw_class", "start", "end", "frames"]
                 ).to_csv(root / "clips.csv", index=False)
    pd.DataFrame(video_rows, columns=["video_id", "split", "label", "clips", "frames", "height", "width", "fps",
                                      "subject"]).to_csv(root / "videos.csv", index=False)
    return root


def test_every_labelled_clip_once_and_a_video_in_one_fold(tmp_path):
    root = _dataset(tmp_path / "d")
    folds = ensure_fold_file(root, 4, seed=3)
    assert folds.path == fold_file_path(root, 4, 3) == root / "folds" / "k4-seed3-by-video.csv"
    clips = pd.read_csv(root / "clips.csv", dtype={"clip_id": str, "video_id": str})
    labelled = clips[clips["split"] != "test"]
    assert folds.ids.tolist() == labelled["clip_id"].tolist()  # train and val, clips.csv order, test left out
    assert folds.labels.tolist() == labelled["label"].tolist()
    for video in labelled["video_id"].unique():
        assert len(set(folds.fold_of[folds.videos == video])) == 1
    assert set(folds.fold_of) == {0, 1, 2, 3} and folds.seed == 3 and folds.by == "video"
    for k in range(4):
        assert set(folds.held_out(k)) | set(folds.training(k)) == set(folds.ids)
        assert not set(folds.held_out(k)) & set(folds.training(k))


def test_written_once_then_read_back(tmp_path):
    root = _dataset(tmp_path / "d")
    first = ensure_fold_file(root, 3)
    text = first.path.read_text()
    again = ensure_fold_file(root, 3)
    assert again.path.read_text() == text and again.sha256 == first.sha256
    assert ensure_fold_file(root, 3, seed=1).path != first.path  # another seed is another file


def test_subjects_are_kept_whole_when_videos_csv_names_them(tmp_path):
    root = _dataset(tmp_path / "d", subjects=5)
    folds = ensure_fold_file(root, 3)
    assert folds.by == "subject" and folds.path.name == "k3-seed0-by-subject.csv"
    for subject in np.unique(folds.groups):
        assert len(set(folds.fold_of[folds.groups == subject])) == 1


def test_a_dataset_prepared_again_is_not_silently_reassigned(tmp_path):
    root = _dataset(tmp_path / "d")
    ensure_fold_file(root, 3)
    _dataset(root, clips_per_video=7)  # more clips now
    with pytest.raises(DataError, match="does not list the labelled clips of clips.csv as they are now"):
        ensure_fold_file(root, 3)


def test_a_broken_fold_file_is_named(tmp_path):
    root = _dataset(tmp_path / "d")
    path = ensure_fold_file(root, 3).path
    table = pd.read_csv(path, dtype=str)
    table.loc[0, "fold"] = str((int(table.loc[0, "fold"]) + 1) % 3)  # one clip of a video into another fold
    table.to_csv(path, index=False)
    with pytest.raises(DataError, match="lies in several folds"):
        read_fold_file(path)
    with pytest.raises(DataError, match="cannot make 50 folds"):
        ensure_fold_file(root, 50)


def test_a_video_list_dataset_gets_the_fold_clips_lines(tmp_path):
    from mmengine.config import ConfigDict

    from models.runner.folds import restrict_to_clips

    (tmp_path / "rgb").mkdir()
    (tmp_path / "rgb" / "train.txt").write_text("0001_0.mp4 3\n0001_1.mp4 1\n")
    (tmp_path / "rgb" / "val.txt").write_text("0002_0.mp4 2\n")
    dataset = ConfigDict(type="VideoDataset", data_root=str(tmp_path), ann_file="rgb/test.txt")
    written = restrict_to_clips(dataset, ["0002_0", "0001_1"], tmp_path / "run" / "train.txt")
    assert dataset.ann_file == str(written) and written.read_text() == "0002_0.mp4 2\n0001_1.mp4 1\n"
    pose = ConfigDict(type="PreparedPoseDataset", data_root=str(tmp_path), ann_file="pose/x.npz", split="train")
    restrict_to_clips(pose, ["0001_0"], tmp_path / "run" / "pose.txt")
    assert open(pose.clip_list).read() == "0001_0\n"
    with pytest.raises(DataError, match="lack 1 clip"):
        restrict_to_clips(dataset, ["0009_0"], tmp_path / "run" / "x.txt")
    with pytest.raises(DataError, match="reads no clip list"):
        restrict_to_clips(ConfigDict(type="UnlabeledVideoCorpus", ann_file="pretrain/corpus.csv"), ["0001_0"],
                          tmp_path / "run" / "y.txt")
