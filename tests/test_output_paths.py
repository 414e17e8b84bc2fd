"""Paths the user gives that cannot work are named as given: an output folder that is a file, a prediction
folder that does not exist, an OS error about a user's file; never a traceback."""
import numpy as np
import pytest

from competition.cli import main
from tests.ensemble_fixtures import clip_ids, informative_model, write_prediction_dirs

VAL_IDS = clip_ids(4, 10)


@pytest.fixture
def predictions(tmp_path):
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 32, len(VAL_IDS))
    models = {"pose": informative_model(rng, labels, 32, 0.6), "rgb": informative_model(rng, labels, 32, 0.5)}
    return write_prediction_dirs(tmp_path / "predictions", models, track=1, val_ids=VAL_IDS, val_labels=labels,
                                 test_ids=clip_ids(2, 5, first_video=50), rng=rng)


@pytest.fixture
def afile(tmp_path):
    path = tmp_path / "afile"
    path.write_text("a file, not a folder")
    return path


def run(capsys, *argv):
    status = main(list(map(str, argv)))
    _, err = capsys.readouterr()
    assert "Traceback" not in err
    return status, err


def test_a_prediction_folder_that_does_not_exist_is_named(predictions, tmp_path, capsys):
    missing = tmp_path / "nosuch"
    status, err = run(capsys, "ensemble", "--track", 1, predictions[0], missing, "--out", tmp_path / "e.json",
                      "--method", "mean")
    assert status == 2 and f"{missing}: no such prediction folder" in err and "val.npz:" not in err


def test_outputs_under_a_file_are_refused_before_any_work(predictions, afile, tmp_path, capsys):
    status, err = run(capsys, "ensemble", "--track", 1, *predictions, "--out", afile / "e.json", "--method", "mean")
    assert status == 2 and f"{afile}: is a file, not a folder" in err and "CV accuracy" not in err
    spec = tmp_path / "e.json"
    assert run(capsys, "ensemble", "--track", 1, *predictions, "--out", spec, "--method", "mean")[0] == 0
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join(clip_ids(2, 5, first_video=50)) + "\n")
    status, err = run(capsys, "submission", "--track", 1, spec, "--out", afile, "--ids", ids)
    assert status == 2 and f"{afile}: is a file, not a folder" in err
    status, err = run(capsys, "submission", "--track", 1, spec, "--out", afile / "deeper", "--ids", ids)
    assert status == 2 and f"{afile / 'deeper'}: cannot be made: {afile} is a file" in err
    status, err = run(capsys, "report", "--track", 1, "--ensemble", spec, "--out", afile)
    assert status == 2 and f"{afile}: is a file, not a folder" in err


def test_an_os_error_about_a_users_file_is_a_message(monkeypatch, capsys):
    from competition.cli import validate

    def denied(args):
        raise PermissionError(13, "Permission denied", "/data/prepared/clips.csv")

    monkeypatch.setattr(validate, "run", denied)
    status, err = run(capsys, "validate", "--track", 1, "x.csv", "--ids", "ids.txt")
    assert status == 2 and "miga validate: error: /data/prepared/clips.csv: Permission denied" in err

    def bug(args):
        raise FileNotFoundError(2, "No such file or directory", "/tmp/internal")

    monkeypatch.setattr(validate, "run", bug)  # not about the user's paths: a bug keeps its traceback
    with pytest.raises(FileNotFoundError):
        main(["validate", "--track", "1", "x.csv", "--ids", "ids.txt"])
