"""Distributed training and prediction under torchrun (2 CPU processes, gloo), compared with one process."""
import sys
from pathlib import Path

import numpy as np
import pytest

from competition.cli import main
from competition.core.errors import DataError
from competition.core.probabilities import load_probabilities

sys.path.insert(0, str(Path(__file__).parent))
from model_fixtures import make_prepared  # noqa: E402
from torchrun_helper import run_log, torchrun  # noqa: E402

pytestmark = pytest.mark.slow
CONFIG = "tiny/stgcnpp_joint"


@pytest.fixture(scope="module")
def pose_data(tmp_path_factory):
    """7 classes: 14 train, 7 val and 7 test clips, so two ranks see a padded last batch."""
    return make_prepared(tmp_path_factory.mktemp("pose"), clips_per_class=(2, 1, 1), num_classes=7, frames=12,
                         videos=False)


def test_torchrun_trains_and_predicts_like_one_process(pose_data, tmp_path):
    work = tmp_path / "work"
    torchrun("train", CONFIG, "--launcher", "pytorch", "--data-root", pose_data, "--work-dir", work, "--seed", "0")
    log = run_log(work)
    assert "Distributed training: True" in log and "MMDistributedDataParallel" in log
    checkpoint = work / "epoch_1.pth"
    assert checkpoint.is_file()

    torchrun("predict", CONFIG, checkpoint, "--split", "test", "--out", tmp_path / "two" / "stgcn",
             "--launcher", "pytorch", "--data-root", pose_data)
    assert main(["predict", CONFIG, str(checkpoint), "--split", "test", "--out", str(tmp_path / "one" / "stgcn"),
                 "--data-root", str(pose_data)]) == 0

    two = load_probabilities(tmp_path / "two" / "stgcn" / "test.npz", num_classes=32, track=1)
    one = load_probabilities(tmp_path / "one" / "stgcn" / "test.npz", num_classes=32, track=1)
    test_ids = [line.split()[0][:-4] for line in (pose_data / "rgb" / "test.txt").read_text().splitlines()]
    assert len(test_ids) % 2 == 1  # the sampler pads: the padding must not reach the file
    assert list(two.ids) == list(one.ids) == test_ids
    np.testing.assert_allclose(two.probs, one.probs, rtol=1e-4, atol=1e-6)


class _Dataset:
    """What `_in_dataset_order` reads of an mmaction2 dataset."""
    ann_file = "pose/imigue36.npz"

    def __init__(self, ids):
        self.ids = ids

    def __len__(self):
        return len(self.ids)

    def get_data_info(self, index):
        return {"frame_dir": self.ids[index]}


def _row(clip):
    return (clip, 0, np.full(2, 0.5, np.float32))


def test_gathered_rows_come_back_once_in_dataset_order():
    from models.runner.predict import _in_dataset_order

    # rank 0 took a, c, a (padding); rank 1 took b, d
    rows = [_row(c) for c in ("a", "b", "c", "d", "a")]
    assert [r[0] for r in _in_dataset_order(rows, _Dataset(["a", "b", "c", "d"]))] == ["a", "b", "c", "d"]
    assert [r[0] for r in _in_dataset_order(rows[::-1], _Dataset(["a", "b", "c", "d"]))] == ["a", "b", "c", "d"]


@pytest.mark.parametrize("rows, dataset, problem", [
    (("a", "b"), ("a", "b", "c"), "1 missing"),
    (("a", "b", "x"), ("a", "b"), "1 unknown"),
    (("a", "a"), ("a", "a"), "unique"),
])
def test_gathered_rows_that_miss_or_add_clips_are_refused(rows, dataset, problem):
    from models.runner.predict import _in_dataset_order

    with pytest.raises(DataError, match=problem):
        _in_dataset_order([_row(c) for c in rows], _Dataset(list(dataset)))


def test_launcher_pytorch_outside_torchrun_says_how_to_start_it(pose_data, tmp_path, monkeypatch):
    from models.runner.train import prepare_config, train

    for name in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    cfg = prepare_config(CONFIG, work_dir=tmp_path, data_root=pose_data, launcher="pytorch")
    assert cfg.env_cfg.dist_cfg.backend == "gloo" and cfg.model_wrapper_cfg.device_ids is None
    with pytest.raises(DataError, match="torchrun"):
        train(cfg)
