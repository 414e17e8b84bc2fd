"""Taylor video, optical flow and bring-your-own depth for the video models."""
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
    first = taylor[..., 0]
    assert first.max() == 255  # each frame scaled to 0..255
    assert first[:, :5, :].max() == 0  # rows the square never touches stay black
    # the leading edge brightens: where the square arrives, the first-order term is positive
    assert first[0, 12, 12 + 2] > 0


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
