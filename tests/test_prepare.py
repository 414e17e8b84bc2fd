"""miga prepare: conversion rules, resumability, and bad input named with file and row."""
import csv
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from competition.core.errors import DataError
from competition.data import keypoints as kp
from competition.data import layout
from competition.data.annotations import load_pose_annotations
from competition.data.prepare import prepare
from competition.data.synth import SynthConfig, synthesize
from competition.data.video import video_info
from competition.data.xlsx import read_openpose_xlsx, write_xlsx


def read_csv(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def tiny_raw(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny_raw")
    synthesize(out, SynthConfig(videos=3, seed=11, height=72, width=128, clips_per_video=(3, 4)), progress=False)
    return out


@pytest.fixture
def raw(tiny_raw, tmp_path):
    copy = tmp_path / "raw"
    shutil.copytree(tiny_raw, copy)
    return copy


def a_video(raw, split="train"):
    return layout.video_ids(raw, split)[0]


def test_clip_table_follows_the_label_files(synthetic_raw, prepared):
    clips = read_csv(prepared / "clips.csv")
    videos = read_csv(prepared / "videos.csv")
    assert {v["split"] for v in videos} == {"train", "val", "test"}
    for video in videos:
        vid, split = video["video_id"], video["split"]
        rows = list(csv.reader(open(layout.clip_label_csv(synthetic_raw, split, vid))))
        mine = [c for c in clips if c["video_id"] == vid]
        assert [c["clip_id"] for c in mine] == [f"{vid}_{k}" for k in range(len(rows))]
        assert int(video["clips"]) == len(rows)
        for clip, (raw_class, start, end) in zip(mine, rows):
            assert (clip["start"], clip["end"]) == (start, end)
            assert int(clip["frames"]) == int(end) - int(start) + 1
            if split == "test":
                assert clip["label"] == "-1" and clip["raw_class"] == ""
            else:
                expected = 31 if raw_class == "99" else int(raw_class) - 1
                assert int(clip["label"]) == expected


def test_track3_labels_match_unpadded_ids(synthetic_raw, prepared):
    videos = {v["video_id"]: v for v in read_csv(prepared / "videos.csv")}
    truth = {e["video_id"]: int(e["win"]) for e in json.loads((synthetic_raw / "synth.json").read_text())["plan"]}
    for vid, video in videos.items():
        assert len(vid) == 4  # the zero padding is kept
        expected = truth[vid] if video["split"] != "test" else -1
        assert int(video["label"]) == expected
        assert video["subject"].startswith("S")


def test_pose_annotations_hold_the_spreadsheet_rows(synthetic_raw, prepared):
    clips = {c["clip_id"]: c for c in read_csv(prepared / "clips.csv")}
    for name, subset in (("imigue36", kp.SUBSET_36), ("openpose137", range(137))):
        data = load_pose_annotations(prepared / "pose" / f"{name}.npz")
        assert set(data["split"]) == {"train", "val", "test"}
        assert sorted(sum(data["split"].values(), [])) == sorted(clips)
        annotation = data["annotations"][0]
        clip = clips[annotation["frame_dir"]]
        table = read_openpose_xlsx(layout.openpose_xlsx(synthetic_raw, clip["split"], clip["video_id"]))
        rows = table[int(clip["start"]):int(clip["end"]) + 1].reshape(-1, 137, 3)[:, list(subset)]
        assert annotation["keypoint"].shape == (1, int(clip["frames"]), len(subset), 2)
        assert annotation["keypoint"].dtype == np.float32 and annotation["keypoint_score"].dtype == np.float32
        np.testing.assert_allclose(annotation["keypoint"][0], rows[..., :2], atol=1e-3)  # 144×256: no rescale
        np.testing.assert_allclose(annotation["keypoint_score"][0], rows[..., 2])
        assert annotation["img_shape"] == (144, 256) and annotation["total_frames"] == int(clip["frames"])
        assert annotation["label"] == int(clip["label"])


def test_rgb_clips_are_the_labelled_frames(synthetic_raw, prepared):
    from competition.data.video import read_frames

    clip = read_csv(prepared / "clips.csv")[1]
    path = prepared / "rgb" / "clips" / f"{clip['clip_id']}.mp4"
    assert video_info(path).frames == int(clip["frames"])
    long_video = read_frames(layout.rgb_video(synthetic_raw, clip["split"], clip["video_id"]))
    first = read_frames(path)[0].astype(float)
    errors = [np.abs(first - frame).mean() for frame in long_video]
    assert int(np.argmin(errors)) == int(clip["start"])
    listed = (prepared / "rgb" / f"{clip['split']}.txt").read_text().splitlines()
    assert f"{clip['clip_id']}.mp4 {clip['label']}" in listed


def test_rgb_clips_are_scaled_down_with_the_keypoints(raw, tmp_path):
    prepare(raw, tmp_path / "p", short_side=36, progress=False)
    clip = read_csv(tmp_path / "p" / "clips.csv")[0]
    info = video_info(tmp_path / "p" / "rgb" / "clips" / f"{clip['clip_id']}.mp4")
    assert (info.height, info.width) == (36, 64)
    annotation = load_pose_annotations(tmp_path / "p" / "pose" / "imigue36.npz")["annotations"][0]
    assert annotation["img_shape"] == (36, 64) and annotation["original_shape"] == (72, 128)
    visible = annotation["keypoint_score"][0] > 0
    assert annotation["keypoint"][0][visible].max() < 64


def test_rerun_skips_finished_videos_and_redoes_unfinished_ones(raw, tmp_path):
    out = tmp_path / "p"
    prepare(raw, out, progress=False)
    vid = a_video(raw)
    clip = out / "rgb" / "clips" / f"{vid}_0.mp4"
    stamp = clip.stat().st_mtime_ns
    (out / ".work" / f"{a_video(raw, 'val')}.json").unlink()  # as if stopped during this video
    prepare(raw, out, progress=False)
    assert clip.stat().st_mtime_ns == stamp
    assert (out / ".work" / f"{a_video(raw, 'val')}.json").is_file()
    assert not [p for p in out.rglob(".*") if p.is_file() and p.name.startswith(".") and ".tmp" in p.name]
    assert not list(out.rglob(".*.mp4")) and not list(out.rglob(".*.npz"))  # no temporary files left


def corrupt_label_row(raw, text):
    vid = a_video(raw)
    path = layout.clip_label_csv(raw, "train", vid)
    lines = path.read_text().splitlines()
    lines[1] = text
    path.write_text("\n".join(lines) + "\n")
    return path


BAD_ROWS = [
    ("7,30,20", r"row 2: clip frames 30\.\.20: the end is before the start"),
    ("7,10,99999", r"row 2: clip ends at frame 99999 but the video has \d+ frames"),
    ("40,10,20", r"row 2: raw class 40 is not one of 1\.\.31 or 99"),
    ("7,ten,20", r"row 2: non-numeric field"),
]


@pytest.mark.parametrize("row, message", BAD_ROWS)
def test_bad_label_rows_stop_with_file_and_row(raw, tmp_path, row, message):
    path = corrupt_label_row(raw, row)
    with pytest.raises(DataError, match=message) as error:
        prepare(raw, tmp_path / "p", progress=False)
    assert error.value.path == str(path)
    assert not (tmp_path / "p" / "clips.csv").exists()


def remove(path):
    path.unlink()
    return path


def wrong_columns(path):
    write_xlsx(path, np.zeros((500, 400)))
    return path


def garbage(path):
    path.write_bytes(b"\x00garbage")
    return path


BAD_FILES = [
    (lambda raw, vid: remove(layout.clip_label_csv(raw, "train", vid)), "the clip label file is missing"),
    (lambda raw, vid: remove(layout.openpose_xlsx(raw, "train", vid)), "the OpenPose skeleton file is missing"),
    (lambda raw, vid: remove(layout.rgb_video(raw, "train", vid)), "the RGB video is missing"),
    (lambda raw, vid: wrong_columns(layout.openpose_xlsx(raw, "train", vid)), "expected 411 columns"),
    (lambda raw, vid: garbage(layout.openpose_xlsx(raw, "train", vid)), "cannot read the spreadsheet"),
    (lambda raw, vid: garbage(layout.rgb_video(raw, "train", vid)), "cannot open the video"),
]


@pytest.mark.parametrize("spoil, message", BAD_FILES)
def test_bad_files_stop_with_the_file_named(raw, tmp_path, spoil, message):
    path = spoil(raw, a_video(raw))
    with pytest.raises(DataError, match=message) as error:
        prepare(raw, tmp_path / "p", progress=False)
    assert error.value.path == str(path)
    assert not (tmp_path / "p" / "clips.csv").exists()


def test_skip_bad_skips_and_reports(raw, tmp_path):
    bad_row = corrupt_label_row(raw, "7,30,20")
    other = a_video(raw, "val")
    remove(layout.openpose_xlsx(raw, "val", other))
    summary = prepare(raw, tmp_path / "p", skip_bad=True, progress=False)
    report = json.loads((tmp_path / "p" / "prepare_report.json").read_text())
    reasons = {(s["file"], s["row"]) for s in report["skipped"]}
    assert (str(bad_row), 2) in reasons
    assert (str(layout.openpose_xlsx(raw, "val", other)), None) in reasons
    assert summary["skipped"] == 2
    clips = read_csv(tmp_path / "p" / "clips.csv")
    vid = a_video(raw)
    assert f"{vid}_1" not in {c["clip_id"] for c in clips} and f"{vid}_0" in {c["clip_id"] for c in clips}
    assert other not in {c["video_id"] for c in clips}


def test_cli_exits_non_zero_with_the_message(raw, tmp_path):
    corrupt_label_row(raw, "7,30,20")
    result = subprocess.run([sys.executable, "-m", "competition.cli", "prepare", str(raw), str(tmp_path / "p")],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "miga prepare: error:" in result.stderr and "row 2" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_skeleton_folders_is_explained(tmp_path):
    with pytest.raises(DataError, match="no skeleton folders found"):
        prepare(tmp_path, tmp_path / "p", progress=False)


def test_download_unzipped_into_a_subfolder_is_found(raw, tmp_path):
    nested = tmp_path / "download"
    nested.mkdir()
    shutil.move(str(raw), nested / "MiGA")
    summary = prepare(nested, tmp_path / "p", rgb=False, progress=False)
    assert sum(summary["videos"].values()) == 3
    assert not (tmp_path / "p" / "rgb").exists()


def test_bad_input_in_a_worker_process_is_reported_the_same(raw, tmp_path):
    path = remove(layout.rgb_video(raw, "train", a_video(raw)))
    with pytest.raises(DataError, match="the RGB video is missing") as error:
        prepare(raw, tmp_path / "p", jobs=2, progress=False)
    assert error.value.path == str(path)
    summary = prepare(raw, tmp_path / "q", jobs=2, skip_bad=True, progress=False)
    assert summary["skipped"] == 1
