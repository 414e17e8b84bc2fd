"""Taylor video, optical flow and bring-your-own depth for the video models."""
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from competition.cli import main
from competition.core.errors import DataError
from competition.data.modalities import flow_frames, make_modality, taylor_frames
from competition.data.video import read_frames

sys.path.insert(0, str(Path(__file__).parent))
from model_fixtures import make_prepared  # noqa: E402


def _moving_square(frames=10, size=32, step=2):
    video = np.zeros((frames, size, size, 3), np.uint8)
    for t in range(frames):
        video[t, 10:18, 4 + step * t:12 + step * t] = 200
    return video


def test_taylor_video_keeps_motion_and_drops_still_content():
    still = np.full((9, 16, 16, 3), 90, np.uint8)
    assert taylor_frames(still).max() == 0
    video = _moving_square()
    taylor = taylor_frames(video, terms=3)
    assert taylor.shape == (10 - 3 - 2, 32, 32, 3) and taylor.dtype == np.uint8
    assert (taylor.reshape(5, -1).max(axis=1) == 255).all()  # each frame scaled to 0..255 over all channels
    assert taylor[:, :5].max() == 0  # rows the square never touches stay black
    # the leading edge brightens: where the square arrives, the first-order channel is positive
    assert taylor[0, 12, 12 + 2, 0] > 0


def _gray_video(values):
    """Frames [T, 2, 2, 3] whose pixel (0, 0) has the gray levels `values`, the rest 0."""
    video = np.zeros((len(values), 2, 2, 3), np.uint8)
    video[:, 0, 0] = np.asarray(values)[:, None]
    return video


def test_taylor_video_of_a_linear_ramp_is_its_slope_in_the_first_channel():
    out = taylor_frames(_gray_video(10 + 20 * np.arange(6)), terms=3)  # D1 = 20/255, D2 = D3 = 0
    assert out.shape == (1, 2, 2, 3)
    assert out[0, 0, 0].tolist() == [255, 0, 0]


def test_taylor_video_of_a_parabola_follows_the_published_weights():
    # f_i = c*i^2: D1 f_0 = c, D2 = 2c, D3.. = 0; x_i = c*i^2, so P_0 = 6, P_1 = 55c (sum of i^2, i < 6).
    # channel 1 = (6c + 55c * 2c) / 6, channel 2 = 6 * 2c / 6, channel 3 = 0.
    c = 5 / 255
    out = taylor_frames(_gray_video(5 * np.arange(6) ** 2), terms=3)[0, 0, 0].astype(float)
    first, second = (6 * c + 110 * c * c) / 6, 2 * c
    assert out[1] == 255 and out[2] == 0
    assert abs(out[0] - 255 * first / second) <= 1


def _taylor_py_reference(frames, terms):
    """taylor.py's incremental forward-difference table, frame by frame, in float64 (no vectorisation)."""
    gray = np.round(np.asarray(frames, np.float64) @ [0.299, 0.587, 0.114]) / 255
    length = terms + 3
    out = []
    for start in range(len(gray) - length + 1):
        table = [gray[start:start + length]]
        for _ in range(1, length):
            table.append(table[-1][1:] - table[-1][:-1])
        x = table[0] - table[0][0]
        weights = [sum(x[i] ** n for i in range(length)) / math.factorial(n) for n in range(terms)]
        rgb = np.stack([sum(weights[n] * table[c + n][0] for n in range(terms)) for c in (1, 2, 3)], -1) / length
        rgb = np.clip(rgb, 0, None)
        out.append((rgb * (255 / rgb.max()) if rgb.max() > 0 else rgb).astype(np.uint8))
    return np.stack(out)


@pytest.mark.parametrize("terms", [2, 3, 4])
def test_taylor_video_matches_a_reference_of_the_authors_algorithm(terms):
    frames = np.random.default_rng(terms).integers(0, 256, (12, 8, 9, 3)).astype(np.uint8)
    ours, reference = taylor_frames(frames, terms=terms).astype(int), _taylor_py_reference(frames, terms)
    assert ours.shape == reference.shape == (12 - terms - 2, 8, 9, 3)
    assert np.abs(ours - reference).max() <= 1  # float32 against float64, truncated to integers


def test_taylor_video_of_a_short_clip_has_one_frame():
    assert taylor_frames(_moving_square(frames=3), terms=3).shape[0] == 1


def test_flow_points_the_way_things_move():
    flow = flow_frames(_moving_square(step=2), bound=20.0)
    assert flow.shape == (9, 32, 32, 3)
    x, y = flow[..., 0].astype(int) - 128, flow[..., 1].astype(int) - 128
    inside = (slice(None), slice(11, 17), slice(10, 16))
    assert x[inside].mean() > 3 and abs(y[inside].mean()) < 3


def test_modality_command_writes_clips_and_lists_resumably(tmp_path, capsys):
    root = make_prepared(tmp_path / "prep", clips_per_class=(1, 1, 1), num_classes=2, frames=8)
    assert main(["modality", "taylor", str(root), "--jobs", "2", "--no-progress"]) == 0
    assert "6 clip videos written" in capsys.readouterr().out
    clips = sorted(p.name for p in (root / "taylor" / "clips").iterdir())
    assert clips == sorted(p.name for p in (root / "rgb" / "clips").iterdir())
    for split in ("train", "val", "test"):
        assert (root / "taylor" / f"{split}.txt").read_text() == (root / "rgb" / f"{split}.txt").read_text()
    assert len(read_frames(root / "taylor" / "clips" / clips[0])) == 8 - 5
    assert main(["modality", "taylor", str(root), "--no-progress"]) == 0  # resumes: nothing left to do
    assert "0 clip videos written" in capsys.readouterr().out
    assert not list((root / "taylor" / "clips").glob(".*"))  # no temporary files left behind


def test_depth_needs_a_video_for_every_clip(tmp_path):
    root = make_prepared(tmp_path / "prep", clips_per_class=(1, 1, 1), num_classes=2, frames=8)
    with pytest.raises(DataError, match="--source"):
        make_modality(root, "depth", progress=False)
    source = tmp_path / "depth"
    source.mkdir()
    first = sorted((root / "rgb" / "clips").iterdir())[0]
    (source / first.name).write_bytes(first.read_bytes())
    with pytest.raises(DataError, match="5 of 6 clips have no depth video"):
        make_modality(root, "depth", source=source, progress=False)
