"""Chunk embeddings from real decoders and models: `miga features` through an mmaction2 backbone and
`miga face-features` through a timm model on skeleton-located face crops; chunking, alignment and resume."""
import csv

import numpy as np
import pytest
import torch

from competition.cli import main
from competition.data.keypoints import FACE_137, NUM_KEYPOINTS
from competition.data.video import write_video
from models.track3.embeddings.face_crops import crop_square, face_box
from models.track3.embeddings.files import load_chunk_embeddings

torch.set_num_threads(1)
HEIGHT, WIDTH = 48, 64
CLIPS = {"0001": [(3, 22), (30, 49)], "0002": [(0, 25)]}  # inclusive frame ranges per video


def _write_csv(path, header, rows):
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows([header] + rows)


@pytest.fixture(scope="module")
def rgb_dataset(tmp_path_factory):
    """Two videos with RGB clips, whole videos, and skeletons whose face sits at a known place."""
    root = tmp_path_factory.mktemp("rgb")
    rng = np.random.default_rng(0)
    (root / "skeleton").mkdir()
    videos, clips = [], []
    for video_id, ranges in CLIPS.items():
        total = ranges[-1][1] + 5
        frames = rng.integers(0, 255, (total, HEIGHT, WIDTH, 3), dtype=np.uint8)
        write_video(root / "whole" / f"{video_id}.mp4", frames, 25)
        for k, (start, end) in enumerate(ranges):
            write_video(root / "rgb" / "clips" / f"{video_id}_{k}.mp4", frames[start:end + 1], 25)
            clips.append([f"{video_id}_{k}", video_id, "train", 0, 1, start, end, end - start + 1])
        # keypoints in the original 96x128 video: the face around (64, 30), i.e. (32, 15) in the 48x64 frames
        keypoint = np.zeros((total, NUM_KEYPOINTS, 2), np.float32)
        keypoint[:, list(FACE_137)] = (64, 30) + rng.normal(0, 6, (len(FACE_137), 2))
        score = np.zeros((total, NUM_KEYPOINTS), np.float32)
        score[:, list(FACE_137)] = 0.9
        score[-3:] = 0  # no face at the very end
        np.savez(root / "skeleton" / f"{video_id}.npz", keypoint=keypoint, keypoint_score=score)
        videos.append([video_id, "train", 1, len(ranges), total, 2 * HEIGHT, 2 * WIDTH, 25])
    _write_csv(root / "videos.csv", ["video_id", "split", "label", "clips", "frames", "height", "width", "fps"],
               videos)
    _write_csv(root / "clips.csv", ["clip_id", "video_id", "split", "label", "raw_class", "start", "end", "frames"],
               clips)
    return root


def _expected_starts(ranges, chunk=16):
    numbers = [n for start, end in ranges for n in range(start, end + 1)]
    starts = numbers[::chunk]
    return starts if len(numbers) % chunk == 0 or len(numbers) % chunk * 2 >= chunk else starts[:-1]


def test_features_embeds_every_chunk_of_the_clips_with_an_mmaction2_backbone(rgb_dataset, tmp_path):
    out = tmp_path / "context.npz"
    assert main(["features", "tiny/swin_t_rgb", "none", "--data", str(rgb_dataset), "--out", str(out),
                 "--size", "32", "--quiet"]) == 0
    context = load_chunk_embeddings(out)
    assert context.meta["stream"] == "context" and context.meta["chunk_frames"] == 16
    for video_id, ranges in CLIPS.items():
        embeddings, starts = context.sequence(video_id)
        assert starts.tolist() == _expected_starts(ranges)
        assert np.isfinite(embeddings).all() and embeddings.std() > 0
    assert context.dim == 32  # the tiny Swin's last stage width
    assert not (tmp_path / "context.npz.parts").exists()


def test_features_reads_whole_videos_and_resumes_from_finished_parts(rgb_dataset, tmp_path):
    out = tmp_path / "context.npz"
    parts = tmp_path / "context.npz.parts"
    parts.mkdir()
    np.savez(parts / "0002.npz", embeddings=np.full((2, 32), 7.0, np.float32), chunk_start=np.array([0, 16]))
    assert main(["features", "tiny/swin_t_rgb", "none", "--data", str(rgb_dataset), "--out", str(out),
                 "--size", "32", "--videos", str(rgb_dataset / "whole"), "--quiet"]) == 0
    context = load_chunk_embeddings(out)
    embeddings, starts = context.sequence("0001")
    assert starts.tolist() == [0, 16, 32]  # 55 frames of the whole video: 3 chunks, the 7-frame tail dropped
    assert (context.sequence("0002")[0] == 7.0).all()  # the finished part was kept, not recomputed


def test_features_refuses_a_pose_backbone(rgb_dataset, tmp_path, capsys):
    assert main(["features", "tiny/posec3d_joint", "none", "--data", str(rgb_dataset),
                 "--out", str(tmp_path / "x.npz")]) == 2
    assert "RGB" in capsys.readouterr().err


def test_face_features_align_with_context_chunks(rgb_dataset, tmp_path, capsys):
    out = tmp_path / "face.npz"
    assert main(["face-features", "--data", str(rgb_dataset), "--out", str(out), "--model", "resnet10t",
                 "--size", "32", "--quiet"]) == 0
    assert "faces found in" in capsys.readouterr().err
    face = load_chunk_embeddings(out)
    assert face.meta["stream"] == "face" and face.meta["model"] == "resnet10t"
    for video_id, ranges in CLIPS.items():
        embeddings, starts = face.sequence(video_id)
        assert starts.tolist() == _expected_starts(ranges)
        assert np.abs(embeddings).sum(axis=1).min() > 0


def test_face_box_follows_the_face_keypoints_and_falls_back_to_the_head():
    keypoint = np.zeros((NUM_KEYPOINTS, 2))
    score = np.zeros(NUM_KEYPOINTS)
    assert face_box(keypoint, score) is None
    keypoint[list(FACE_137)] = np.stack([np.linspace(100, 140, 70), np.linspace(50, 90, 70)], axis=1)
    score[list(FACE_137)] = 0.9
    x0, y0, x1, y1 = face_box(keypoint, score, margin=1.5)
    assert (x0 + x1) / 2 == pytest.approx(120) and (y0 + y1) / 2 == pytest.approx(70)
    assert x1 - x0 == pytest.approx(60) and y1 - y0 == pytest.approx(60)
    score[list(FACE_137)] = 0.0
    keypoint[[0, 15, 16]] = [(120, 70), (110, 60), (130, 60)]
    score[[0, 15, 16]] = 0.9
    head = face_box(keypoint, score, margin=1.5)
    assert head is not None and head[2] - head[0] > 20 * 1.5  # a wider margin around the sparser head points


def test_crop_square_pads_outside_the_frame_with_zeros():
    frame = np.full((20, 20, 3), 200, np.uint8)
    crop = crop_square(frame, (-10, -10, 10, 10), 20)
    assert crop.shape == (20, 20, 3)
    assert crop[:8, :8].max() == 0 and crop[12:, 12:].min() == 200
