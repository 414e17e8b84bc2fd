"""`miga submission` and `miga validate`: the Kaggle files, and every way a submission can be wrong."""
import csv
import json
import shutil
import zipfile

import numpy as np
import pytest

from competition.cli import main
from competition.core.provenance import sha256_file
from competition.kaggle.formats import read_id_list
from tests.conftest import real_path
from tests.ensemble_fixtures import clip_ids, informative_model, noise_model, write_prediction_dirs


def read_rows(path):
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


def write_rows(path, rows):
    with open(path, "w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


def fit(tmp_path, track, val_ids, test_ids, classes, method="greedy"):
    rng = np.random.default_rng(8)
    labels = rng.integers(0, classes, len(val_ids))
    models = {"a": informative_model(rng, labels, classes, 0.7), "b": noise_model(rng, len(val_ids), classes)}
    dirs = write_prediction_dirs(tmp_path / "predictions", models, track=track, val_ids=val_ids, val_labels=labels,
                                 test_ids=test_ids, rng=rng)
    spec = tmp_path / "ensembles" / "blend.json"
    assert main(["ensemble", "--track", str(track), *map(str, dirs), "--out", str(spec), "--method", method,
                 "--quiet"]) == 0
    return spec, dirs


def test_track1_csv_zip_and_manifest(tmp_path, capsys):
    test_ids = clip_ids(3, 7, first_video=54)
    spec, dirs = fit(tmp_path, 1, clip_ids(4, 15), test_ids, 32)
    ids_file = tmp_path / "test_list.txt"
    ids_file.write_text("".join(f"{i}.mp4 0\n" for i in test_ids))
    assert main(["submission", "--track", "1", str(spec), "--out", str(tmp_path / "submissions"),
                 "--ids", str(ids_file)]) == 0
    out = tmp_path / "submissions"
    rows = read_rows(out / "blend_track1.csv")
    assert rows[0] == ["Id", "Target"] and [r[0] for r in rows[1:]] == test_ids
    assert all(0 <= int(r[1]) < 32 for r in rows[1:])
    with zipfile.ZipFile(out / "blend_track1.zip") as archive:
        assert archive.namelist() == ["blend_track1.csv"]
        assert archive.read("blend_track1.csv") == (out / "blend_track1.csv").read_bytes()
    manifest = json.loads((out / "blend_track1.manifest.json").read_text())
    assert manifest["files"]["blend_track1.csv"] == sha256_file(out / "blend_track1.csv")
    assert manifest["inputs"][0]["test_sha256"] == sha256_file(dirs[0] / "test.npz")
    assert manifest["ensemble"]["sha256"] == sha256_file(spec)
    assert "cv" in manifest["ensemble"]["scores"] and manifest["code_revision"]
    assert sorted(p.name for p in out.iterdir()) == ["blend_track1.csv", "blend_track1.manifest.json",
                                                      "blend_track1.zip"]
    # the written files pass the validator, zipped or not
    for name in ("blend_track1.csv", "blend_track1.zip"):
        assert main(["validate", "--track", "1", str(out / name), "--ids", str(ids_file)]) == 0


def test_track1_rows_follow_the_predictions_argmax(tmp_path):
    test_ids = clip_ids(2, 5)
    spec, dirs = fit(tmp_path, 1, clip_ids(4, 15), test_ids, 32, method="best")
    assert json.loads(spec.read_text())["weights"] == {"a": 1.0, "b": 0.0}
    assert main(["submission", "--track", "1", str(spec), "--out", str(tmp_path / "s")]) == 0
    with np.load(dirs[0] / "test.npz", allow_pickle=False) as npz:
        expected = dict(zip(npz["ids"].tolist(), npz["probs"].argmax(axis=1).tolist()))
    assert {r[0]: int(r[1]) for r in read_rows(tmp_path / "s" / "blend_track1.csv")[1:]} == expected


def test_track3_takes_columns_and_unpadded_ids_from_the_sample(tmp_path):
    test_videos = [f"{v:04d}" for v in (7, 54, 120, 3)]
    spec, _ = fit(tmp_path, 3, [f"{v:04d}" for v in range(30)], test_videos, 2)
    sample = write_rows(tmp_path / "sample_submission.csv",
                        [["video_id", "label"], ["3", "0"], ["7", "0"], ["54", "0"], ["120", "0"]])
    assert main(["submission", "--track", "3", str(spec), "--out", str(tmp_path / "s"), "--sample", str(sample)]) == 0
    rows = read_rows(tmp_path / "s" / "blend_track3.csv")
    assert rows[0] == ["video_id", "label"] and [r[0] for r in rows[1:]] == ["3", "7", "54", "120"]
    assert {r[1] for r in rows[1:]} <= {"0", "1"}
    assert not (tmp_path / "s" / "blend_track3.zip").exists()
    assert main(["validate", "--track", "3", str(tmp_path / "s" / "blend_track3.csv"), "--sample", str(sample)]) == 0


def test_track3_defaults_to_id_target_with_the_prepared_videos(tmp_path):
    test_videos = ["0101", "0102", "0103"]
    spec, _ = fit(tmp_path, 3, [f"{v:04d}" for v in range(30)], test_videos, 2)
    data = tmp_path / "prepared"
    data.mkdir()
    write_rows(data / "videos.csv", [["video_id", "split", "label"], ["0001", "train", "1"]]
               + [[v, "test", "-1"] for v in test_videos])
    assert main(["submission", "--track", "3", str(spec), "--out", str(tmp_path / "s"), "--data", str(data)]) == 0
    rows = read_rows(tmp_path / "s" / "blend_track3.csv")
    assert rows[0] == ["Id", "Target"] and [r[0] for r in rows[1:]] == test_videos
    # with the download's sample copied into the prepared dataset, its form wins
    write_rows(data / "sample_submission_track3.csv", [["video_id", "label"], ["101", "0"], ["102", "0"],
                                                        ["103", "0"]])
    assert main(["submission", "--track", "3", str(spec), "--out", str(tmp_path / "s"), "--data", str(data)]) == 0
    assert read_rows(tmp_path / "s" / "blend_track3.csv")[1][0] == "101"


def test_submission_refuses_test_files_that_miss_expected_ids(tmp_path, capsys):
    spec, _ = fit(tmp_path, 1, clip_ids(4, 15), clip_ids(2, 5), 32)
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("\n".join(clip_ids(2, 6)) + "\n")
    assert main(["submission", "--track", "1", str(spec), "--out", str(tmp_path / "s"), "--ids", str(ids_file)]) == 2
    error = capsys.readouterr().err
    assert "lack 2 id(s)" in error and "0000_5" in error and "0001_5" in error
    assert not (tmp_path / "s").exists()  # nothing half-written
    assert main(["submission", "--track", "3", str(spec), "--out", str(tmp_path / "s")]) == 2
    assert "Track 1 ensemble, asked for Track 3" in capsys.readouterr().err


# ---- the validator against the real winning Track 1 submission ----

@pytest.fixture(scope="module")
def winner():
    return real_path("imigue", "mmgesture_track1_prediction.csv")


@pytest.fixture(scope="module")
def test_list():
    return real_path("imigue", "iMiGUE_test_clips_list.txt")


def test_id_lists_in_every_form_give_the_same_4562_ids(test_list):
    from_txt = read_id_list(test_list)
    from_json = read_id_list(real_path("imigue", "mmgesture_test_list.json"))
    assert len(from_txt) == 4562 and from_txt == from_json


def test_the_real_winning_submission_is_valid(winner, test_list, tmp_path, capsys):
    for ids in (test_list, real_path("imigue", "mmgesture_test_list.json")):
        assert main(["validate", "--track", "1", str(winner), "--ids", str(ids)]) == 0
    assert "valid Track 1 submission (4562 rows" in capsys.readouterr().out
    one_per_line = tmp_path / "ids.txt"
    one_per_line.write_text("\n".join(read_id_list(test_list)) + "\n")
    with zipfile.ZipFile(tmp_path / "winner.zip", "w") as archive:
        archive.write(winner, "submission.csv")
    assert main(["validate", "--track", "1", str(tmp_path / "winner.zip"), "--ids", str(one_per_line)]) == 0


def corrupt(rows):
    header, body = rows[0], rows[1:]
    return {
        "wrong header": ([["id", "label"]] + body, "header is 'id,label', expected 'Id,Target'"),
        "missing rows": ([header] + body[:-3], "3 of the 4562 expected id(s) are missing: " + body[-3][0]),
        "extra id": ([header] + body + [["9999_0", "3"]], "1 id(s) are not in the expected set"),
        "duplicate id": ([header] + body[:10] + [body[4]] + body[10:],
                         f"1 duplicate id(s): {body[4][0]} (lines 6, 12)"),
        "label 32": ([header] + [body[0][:1] + ["32"]] + body[1:],
                     f"line 2 ({body[0][0]}): Target '32' is outside 0..31"),
        "label -1": ([header] + [body[0][:1] + ["-1"]] + body[1:], "Target '-1' is outside 0..31"),
        "float label": ([header] + [body[0][:1] + ["3.0"]] + body[1:], "Target '3.0' is not an integer label"),
        "text label": ([header] + [body[0][:1] + ["wave"]] + body[1:], "Target 'wave' is not an integer label"),
        "double minus": ([header] + [body[0][:1] + ["--3"]] + body[1:],
                         f"line 2 ({body[0][0]}): Target '--3' is not an integer label"),
        "superscript": ([header] + body[:2] + [body[2][:1] + ["²"]] + body[3:],
                        f"line 4 ({body[2][0]}): Target '²' is not an integer label"),
        "full-width digit": ([header] + [body[0][:1] + ["３"]] + body[1:],
                             f"line 2 ({body[0][0]}): Target '３' is not an integer label"),
        "extra column": ([header] + [body[0] + ["x"]] + body[1:], "line 2 has 3 fields, expected 2"),
        "empty line": ([header] + body[:5] + [[]] + body[5:], "line 7 is empty"),
        "padded id": ([header] + [["54_0", body[0][1]]] + body[1:], "54_0"),
    }


@pytest.mark.parametrize("case", sorted(corrupt([["Id", "Target"], ["0054_0", "1"]] * 20)))
def test_each_corrupted_variant_is_rejected_saying_what_is_wrong(case, winner, test_list, tmp_path, capsys):
    bad_rows, expected = corrupt(read_rows(winner))[case]
    bad = write_rows(tmp_path / "bad.csv", bad_rows)
    assert main(["validate", "--track", "1", str(bad), "--ids", str(test_list)]) == 2
    error = capsys.readouterr().err
    assert expected in error and "Traceback" not in error


def test_a_field_over_the_csv_limit_is_refused_with_its_line(tmp_path, capsys):
    ids = tmp_path / "ids.txt"
    ids.write_text("0054_0\n0054_1\n")
    text = "Id,Target\n0054_0,1\n0054_1," + "7" * 200_000 + "\n"
    (tmp_path / "big.csv").write_text(text)
    with zipfile.ZipFile(tmp_path / "big.zip", "w") as archive:
        archive.writestr("big.csv", text)
    for name, where in (("big.csv", "big.csv: line 3"), ("big.zip", "big.zip (big.csv inside): line 3")):
        for command in (["validate", "--track", "1", str(tmp_path / name), "--ids", str(ids)],
                        ["submit", str(tmp_path / name), "--track", "1", "-m", "m", "--dry-run"]):
            assert main(command) == 2
            error = capsys.readouterr().err
            assert where in error and "longer than 131072 characters" in error and "Traceback" not in error


def test_unreadable_files_are_rejected(winner, test_list, tmp_path, capsys):
    cases = {
        "empty.csv": (b"", "the file is empty"),
        "binary.csv": (b"\xff\xfe\x00\x81 not utf8", "not UTF-8"),
        "notzip.zip": (b"Id,Target\n", "not a zip archive"),
    }
    for name, (content, expected) in cases.items():
        (tmp_path / name).write_bytes(content)
        assert main(["validate", "--track", "1", str(tmp_path / name), "--ids", str(test_list)]) == 2
        assert expected in capsys.readouterr().err, name
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as archive:
        archive.write(winner, "a.csv")
        archive.write(winner, "b.csv")
    assert main(["validate", "--track", "1", str(tmp_path / "two.zip"), "--ids", str(test_list)]) == 2
    assert "exactly one .csv" in capsys.readouterr().err
    assert main(["validate", "--track", "1", str(tmp_path / "absent.csv"), "--ids", str(test_list)]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["validate", "--track", "1", str(winner), "--ids", str(tmp_path / "absent.txt")]) == 2
    assert "no such id list" in capsys.readouterr().err


def test_track3_labels_are_0_or_1_and_prepared_data_gives_the_ids(tmp_path, capsys):
    data = tmp_path / "prepared"
    data.mkdir()
    write_rows(data / "videos.csv", [["video_id", "split", "label"], ["0001", "val", "1"], ["0101", "test", "-1"],
                                     ["0102", "test", "-1"]])
    good = write_rows(tmp_path / "t3.csv", [["Id", "Target"], ["0101", "1"], ["0102", "0"]])
    assert main(["validate", "--track", "3", str(good), "--data", str(data)]) == 0
    bad = write_rows(tmp_path / "t3bad.csv", [["Id", "Target"], ["0101", "2"], ["0001", "0"]])
    assert main(["validate", "--track", "3", str(bad), "--data", str(data)]) == 2
    error = capsys.readouterr().err
    assert "Target '2' is outside 0..1" in error and "missing: 0102" in error and "0001" in error
    shutil.rmtree(data)
    data.mkdir()
    (data / "videos.csv").write_text("a,b\n1,2\n")
    assert main(["validate", "--track", "3", str(good), "--data", str(data)]) == 2
    assert "is not a prepared-dataset table" in capsys.readouterr().err


def test_a_validation_file_changed_since_the_fit_is_flagged(tmp_path, capsys):
    spec, dirs = fit(tmp_path, 1, clip_ids(4, 15), clip_ids(2, 5), 32)
    rng = np.random.default_rng(1)
    from competition.core.probabilities import load_probabilities, save_probabilities
    old = load_probabilities(dirs[1] / "val.npz")
    save_probabilities(dirs[1] / "val.npz", old.ids, noise_model(rng, len(old.ids), 32), old.labels, model="b",
                       track=1, split="val")  # the model was retrained after the ensemble was fitted
    assert main(["submission", "--track", "1", str(spec), "--out", str(tmp_path / "s")]) == 0
    assert "changed since" in capsys.readouterr().err
    manifest = json.loads((tmp_path / "s" / "blend_track1.manifest.json").read_text())
    assert manifest["validation_files_changed_since_fit"] == [str(dirs[1] / "val.npz")]
