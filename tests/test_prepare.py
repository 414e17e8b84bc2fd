"""miga prepare: conversion rules, resumability, and bad input named with file and row."""
import csv
import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

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
    ("7,ten,20", r"row 2: non-numeric field: start_frame is 'ten'"),
    ("7,10,inf", r"row 2: end_frame is 'inf', not a finite number"),
    ("7,nan,20", r"row 2: start_frame is 'nan', not a finite number"),
    ("7,45.7,60", r"row 2: start_frame is 45\.7, not a whole number"),
    ("7.5,10,20", r"row 2: class is 7\.5, not a whole number"),
    ("7,-3,20", r"row 2: start_frame is -3: frames count from 0"),
    ("7,10", r"row 2: expected 3 fields class,start_frame,end_frame, found 2"),
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


@pytest.mark.parametrize("row, message", BAD_ROWS)
def test_bad_label_rows_are_skipped_with_their_own_message(raw, tmp_path, row, message):
    path = corrupt_label_row(raw, row)
    summary = prepare(raw, tmp_path / "p", skip_bad=True, rgb=False, progress=False)
    report = json.loads((tmp_path / "p" / "prepare_report.json").read_text())
    assert summary["skipped"] == 1
    [problem] = report["skipped"]
    assert problem["file"] == str(path) and problem["row"] == 2
    assert re.search(message, f"row {problem['row']}: {problem['reason']}")


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


# --- reruns: a video is redone when its inputs or the options changed, and outputs describe this run only ----

def test_rerun_after_fixing_a_label_row_redoes_that_video_only(raw, tmp_path):
    out = tmp_path / "p"
    path = corrupt_label_row(raw, "7,10,20")
    prepare(raw, out, progress=False)
    vid, other = a_video(raw), a_video(raw, "val")
    other_clip = out / "rgb" / "clips" / f"{other}_0.mp4"
    stamp = other_clip.stat().st_mtime_ns
    lines = path.read_text().splitlines()
    lines[1] = "12,5,9"  # the fix: another class and other frames
    path.write_text("\n".join(lines) + "\n")
    prepare(raw, out, progress=False)
    clip = {c["clip_id"]: c for c in read_csv(out / "clips.csv")}[f"{vid}_1"]
    assert (clip["label"], clip["start"], clip["end"]) == ("11", "5", "9")
    assert video_info(out / "rgb" / "clips" / f"{vid}_1.mp4").frames == 5
    assert f"{vid}_1.mp4 11" in (out / "rgb" / "train.txt").read_text().splitlines()
    assert other_clip.stat().st_mtime_ns == stamp  # untouched videos are not redone


def test_no_rgb_then_rgb_makes_the_clips_and_rgb_then_no_rgb_removes_them(raw, tmp_path):
    out = tmp_path / "p"
    prepare(raw, out, rgb=False, short_side=36, progress=False)
    assert not (out / "rgb").exists()
    assert {(v["height"], v["width"]) for v in read_csv(out / "videos.csv")} == {("72", "128")}  # from the header
    prepare(raw, out, short_side=36, progress=False)
    clips = read_csv(out / "clips.csv")
    listed = sum(((out / "rgb" / f"{s}.txt").read_text().splitlines() for s in ("train", "val", "test")), [])
    assert len(listed) == len(clips)
    for line in listed:
        assert (out / "rgb" / "clips" / line.split()[0]).is_file()
    assert annotation_shape(out) == (36, 64)
    summary = prepare(raw, out, rgb=False, progress=False)
    assert not (out / "rgb").exists() and summary["removed_from_earlier_runs"] >= 3  # the lists, at least
    assert annotation_shape(out) == (72, 128)
    assert json.loads((out / "prepare_report.json").read_text())["options"]["rgb"] is False


def annotation_shape(out):
    return load_pose_annotations(out / "pose" / "imigue36.npz")["annotations"][0]["img_shape"]


def test_rerun_without_skip_bad_does_not_keep_a_skipped_row_quietly(raw, tmp_path):
    out = tmp_path / "p"
    corrupt_label_row(raw, "7,30,20")
    assert prepare(raw, out, skip_bad=True, progress=False)["skipped"] == 1
    with pytest.raises(DataError, match="row 2"):
        prepare(raw, out, progress=False)


def test_report_and_tables_describe_this_run_only(raw, tmp_path):
    out = tmp_path / "p"
    corrupt_label_row(raw, "7,30,20")
    prepare(raw, out, skip_bad=True, progress=False)
    vid = a_video(raw)
    shutil.rmtree(layout.skeleton_dir(raw, "train", vid))  # the video leaves the download; the bad row with it
    prepare(raw, out, progress=False)
    report = json.loads((out / "prepare_report.json").read_text())
    assert report["skipped"] == [] and report["summary"]["skipped"] == 0
    assert vid not in {v["video_id"] for v in read_csv(out / "videos.csv")}
    assert not list((out / "rgb" / "clips").glob(f"{vid}_*.mp4"))
    assert not (out / ".work" / f"{vid}.json").exists() and not (out / "skeleton" / f"{vid}.npz").exists()


# --- a corrupt video, a killed parent --------------------------------------------------------------------

def scramble_video_payload(path, seed=0):
    """Random bytes over the middle third of the video's frames; the container's index stays intact."""
    import av

    with av.open(str(path)) as container:
        packets = [(p.pos, p.size) for p in container.demux(video=0) if p.pts is not None]
    data = bytearray(path.read_bytes())
    rng = np.random.default_rng(seed)
    for pos, size in packets[len(packets) // 3:2 * len(packets) // 3]:
        data[pos:pos + size] = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))
    return path


def test_a_corrupt_video_is_named_and_exits_2_or_is_skipped(raw, tmp_path):
    vid = a_video(raw)
    path = scramble_video_payload(layout.rgb_video(raw, "train", vid))
    result = subprocess.run([sys.executable, "-m", "competition.cli", "prepare", str(raw), str(tmp_path / "p")],
                            capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    assert f"miga prepare: error: {path}: cannot decode the video" in result.stderr
    assert "Traceback" not in result.stderr
    result = subprocess.run([sys.executable, "-m", "competition.cli", "prepare", str(raw), str(tmp_path / "p"),
                             "--skip-bad", "--jobs", "2"], capture_output=True, text=True)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    report = json.loads((tmp_path / "p" / "prepare_report.json").read_text())
    assert [(s["video_id"], s["file"]) for s in report["skipped"]] == [(vid, str(path))]
    assert not list((tmp_path / "p" / "rgb" / "clips").glob(f"{vid}_*"))


def children_of(pid):
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def alive(pid):
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc to find the workers")
def test_workers_end_with_a_killed_parent_and_the_next_run_removes_its_temporary_files(synthetic_raw, tmp_path):
    out = tmp_path / "p"
    parent = subprocess.Popen([sys.executable, "-m", "competition.cli", "prepare", str(synthetic_raw), str(out),
                               "--jobs", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(workers := children_of(parent.pid)) < 2 and parent.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(workers) >= 2, "the workers did not start"
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(w) for w in workers), "workers outlived their parent"
    # What a kill leaves in the middle of a write (as core.atomic names it), then a clean rerun.
    stale = out / "rgb" / "clips" / ".0001_3.mp4.k2x9_q7a.mp4"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_bytes(b"half a clip")
    keep = out / "rgb" / "clips" / ".notes"
    keep.write_text("a user's file, not ours")
    prepare(synthetic_raw, out, jobs=2, progress=False)
    assert not stale.exists() and keep.exists()
    assert not [p for p in out.rglob(".*") if p.is_file() and p != keep]
