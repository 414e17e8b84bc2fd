"""The synthetic download has the exact raw layout and is worth learning from."""
import csv
import filecmp
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from competition.data import keypoints as kp
from competition.data import layout
from competition.data.labels import RAW_CLASSES, TRAIN_CLASS_COUNTS
from competition.data.synth import SynthConfig, class_probabilities, make_video, synthesize, track3_class_shift
from competition.data.xlsx import read_openpose_xlsx
from tests.conftest import REPO


def plan_of(raw):
    import json

    return json.loads((raw / "synth.json").read_text())["plan"]


def test_layout_is_the_downloads(synthetic_raw):
    plan = plan_of(synthetic_raw)
    for entry in plan:
        split, vid = entry["split"], entry["video_id"]
        folder = layout.skeleton_dir(synthetic_raw, split, vid)
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            f"{vid}_{s}" for s in ("label.csv", "light.csv", "light_hand.csv", "openpose.xlsx"))
        assert layout.rgb_video(synthetic_raw, split, vid).is_file()
        table = read_openpose_xlsx(layout.openpose_xlsx(synthetic_raw, split, vid))
        assert table.shape[1] == 411
        rows = list(csv.reader(open(layout.clip_label_csv(synthetic_raw, split, vid))))
        assert all(len(r) == 3 and int(r[0]) in RAW_CLASSES for r in rows)  # no header
        assert all(0 <= int(r[1]) <= int(r[2]) < len(table) for r in rows)
    for split in ("train", "val"):
        header = (synthetic_raw / layout.TRACK3_LABELS[split]).read_text().splitlines()[0]
        assert header == "video_id,label"
    for track in (1, 3):
        assert (synthetic_raw / layout.SAMPLE_SUBMISSIONS[track]).is_file()


def test_subjects_are_disjoint_across_splits(synthetic_raw):
    plan = plan_of(synthetic_raw)
    splits_of = {}
    for entry in plan:
        splits_of.setdefault(entry["subject"], set()).add(entry["split"])
    assert all(len(s) == 1 for s in splits_of.values())
    assert {e["split"] for e in plan} == {"train", "val", "test"}


def test_openpose_gaps_are_zero_triplets(synthetic_raw):
    entry = plan_of(synthetic_raw)[0]
    table = read_openpose_xlsx(layout.openpose_xlsx(synthetic_raw, entry["split"], entry["video_id"]))
    points = table.reshape(len(table), kp.NUM_KEYPOINTS, 3)
    missing = points[..., 2] == 0
    assert missing[:, 10].all()  # knees are out of frame
    assert 0.005 < missing[:, :8].mean() < 0.2  # the upper body is seen, with dropouts
    assert (points[missing][:, :2] == 0).all()


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    config = SynthConfig(videos=3, seed=5, height=72, width=128, clips_per_video=(2, 3))
    synthesize(tmp_path / "a", config, progress=False)
    synthesize(tmp_path / "b", config, progress=False)
    synthesize(tmp_path / "c", SynthConfig(videos=3, seed=6, height=72, width=128, clips_per_video=(2, 3)),
               progress=False)
    a_files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert a_files == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    for relative in a_files:
        if relative.suffix in (".csv", ".json"):
            assert filecmp.cmp(tmp_path / "a" / relative, tmp_path / "b" / relative, shallow=False), relative
    a_plan, c_plan = plan_of(tmp_path / "a"), plan_of(tmp_path / "c")
    c_text = (tmp_path / "c" / "synth.json").read_text()
    assert a_plan != c_plan or (tmp_path / "a" / "synth.json").read_text() != c_text


def test_class_mix_is_the_real_long_tail_and_shifted_by_a_win():
    config = SynthConfig()
    real = np.asarray(TRAIN_CLASS_COUNTS) / sum(TRAIN_CLASS_COUNTS)
    np.testing.assert_allclose(class_probabilities(config, None), real)
    win, lose = class_probabilities(config, True), class_probabilities(config, False)
    shift = track3_class_shift()
    assert (win / lose > 1)[shift > 0].all() and (win / lose < 1)[shift < 0].all()
    uniform = class_probabilities(SynthConfig(class_power=0), None)
    np.testing.assert_allclose(uniform, 1 / 32)


def motion_features(table, start, end):
    points = table.reshape(len(table), kp.NUM_KEYPOINTS, 3)[start:end + 1][:, list(kp.SUBSET_36)]
    xy = points[..., :2].copy()
    xy[points[..., 2] == 0] = np.nan
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        speed = np.nanmean(np.abs(np.diff(xy, axis=0)), axis=0)  # [137, 2]
        spread = np.nanstd(xy, axis=0)
    return np.nan_to_num(np.concatenate([speed.ravel(), spread.ravel()]))


def test_classes_are_learnable_from_the_keypoints():
    """A plain classifier on motion statistics tells the classes apart: each class moves its own way."""
    from sklearn.ensemble import RandomForestClassifier

    config = SynthConfig(height=72, width=128, class_power=0, clips_per_video=(30, 30), rgb=False)
    features, labels, subjects = [], [], []
    for subject in range(8):
        entry = dict(video_id=f"{subject:04d}", split="train", subject=f"S{subject:03d}", win=None)
        video = make_video(config, entry, seed=subject)
        clips, rows = video.clips, video.rows
        for label, start, end in clips:
            features.append(motion_features(rows, start, end))
            labels.append(label)
            subjects.append(subject)
    features, labels, subjects = np.array(features), np.array(labels), np.array(subjects)
    train, test = subjects < 6, subjects >= 6  # unseen subjects
    model = RandomForestClassifier(n_estimators=200, random_state=0)
    model.fit(features[train], labels[train])
    accuracy = (model.predict(features[test]) == labels[test]).mean()
    assert accuracy > 0.3, accuracy  # chance: 1/32


def test_rgb_frames_draw_the_moving_body():
    config = SynthConfig(height=72, width=128, class_power=0, clips_per_video=(4, 4))
    entry = dict(video_id="0001", split="train", subject="S001", win=None)
    video = make_video(config, entry, seed=1)
    clips, rows = video.clips, video.rows
    frames = np.concatenate([chunk.copy() for chunk in video.frames(chunk=7)])
    assert frames.shape == (len(rows), 72, 128, 3) and frames.dtype == np.uint8
    motion = np.abs(np.diff(frames.astype(np.int16), axis=0)).mean(axis=(1, 2, 3))
    in_clip = np.zeros(len(rows) - 1, bool)
    for _, start, end in clips:
        in_clip[start:end] = True
    assert motion[in_clip].mean() > motion[~in_clip].mean()


def test_too_few_videos_is_refused():
    with pytest.raises(ValueError, match="at least 3"):
        SynthConfig(videos=2)


# VmHWM is this process's own high-water mark; ru_maxrss is not, because Linux carries the parent's peak (pytest's,
# with torch loaded) through fork and exec.
PEAK_RSS = """
import re, sys
from competition.data.synth import SynthConfig, write_video_files
config = SynthConfig.full_scale(videos=3, clips_per_video=({n}, {n}), clip_frames=(20, 20), gap_frames=(20, 21))
entry = dict(video_id="0001", split="train", subject="S000", win=True)
frames = write_video_files(sys.argv[1], config, entry, seed=0)[2]
with open("/proc/self/status") as status:
    print(frames, re.search(r"VmHWM:\\s+(\\d+) kB", status.read()).group(1))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the peak from /proc/self/status")
def test_a_full_scale_video_is_written_in_memory_that_does_not_grow_with_its_length(tmp_path):
    """720×1280 frames are 2.6 MiB each: held whole, 260 frames would need 530 MiB more than 60. Streamed, the
    peak stays under the stated 0.5 GiB a job (about 0.2 GiB here) and the longer video costs only its skeleton
    rows (~10 KB a frame)."""
    peaks = {}
    for clips in (1, 6):
        result = subprocess.run([sys.executable, "-c", PEAK_RSS.format(n=clips), str(tmp_path / str(clips))],
                                capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(REPO)})
        frames, kib = map(int, result.stdout.split())
        peaks[frames] = kib / 1024
    (short, short_peak), (long, long_peak) = sorted(peaks.items())
    assert (short, long) == (60, 260)
    assert long_peak < 512, peaks
    assert long_peak - short_peak < 0.1 * (long - short) * 720 * 1280 * 3 / 2 ** 20, peaks  # < a tenth of the pixels


@pytest.mark.parametrize("arguments, message", [
    (["--videos", "2"], "--videos: must be at least 3, got 2"),
    (["--full-scale", "--height", "721"], "height must be an even number of pixels of at least 16"),
    (["--class-power", "nan"], "class_power must be a finite number"),
    (["--jobs", "0"], "--jobs: must be at least 1, got 0"),
])
def test_bad_arguments_get_a_message_and_exit_2(tmp_path, arguments, message):
    result = subprocess.run([sys.executable, "-m", "competition.cli", "synth", str(tmp_path / "raw"), *arguments],
                            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert not (tmp_path / "raw").exists()


def test_an_output_path_that_is_a_file_is_named(tmp_path):
    from competition.core.errors import DataError

    (tmp_path / "file").write_text("")
    with pytest.raises(DataError, match="is a file"):
        synthesize(tmp_path / "file", SynthConfig(videos=3), progress=False)
