"""`miga submit` / `miga submissions` run the real kaggle client against a fake Kaggle on loopback.

KAGGLE_API_ENVIRONMENT=TEST sends the client to http://localhost:7777; the fake records what arrives.
Nothing leaves the machine: the home folder is a temporary one and only legacy username/key credentials
(which authenticate without a network call) are set.
"""
import zipfile

import pytest

from competition.cli import main
from competition.kaggle.client import COMPETITIONS
from tests.fake_kaggle import ECHO, port_is_free, port_lock, running_fake_kaggle

SECRET = "k3y-th4t-must-n3ver-be-pr1nted"
IDS = [f"0054_{k}" for k in range(6)]


@pytest.fixture
def kaggle_env(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / ".kaggle").mkdir(parents=True)
    for name in ("KAGGLE_API_TOKEN", "KAGGLE_KERNEL_RUN_TYPE", "KAGGLE_COMPETITION", "HTTP_PROXY", "HTTPS_PROXY",
                 "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(home / ".kaggle"))
    monkeypatch.setenv("KAGGLE_API_ENVIRONMENT", "TEST")
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    monkeypatch.setenv("KAGGLE_USERNAME", "miga-tester")
    monkeypatch.setenv("KAGGLE_KEY", SECRET)
    return home


@pytest.fixture
def fake(kaggle_env):
    with port_lock(), running_fake_kaggle() as service:
        yield service


@pytest.fixture
def files(tmp_path):
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("\n".join(IDS) + "\n")
    csv_path = tmp_path / "blend_track1.csv"
    csv_path.write_text("Id,Target\n" + "".join(f"{i},{k % 32}\n" for k, i in enumerate(IDS)))
    zip_path = tmp_path / "blend_track1.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.write(csv_path, csv_path.name)
    return ids_file, csv_path, zip_path


def run(capsys, *argv):
    status = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert SECRET not in out + err
    return status, out, err


def test_submit_uploads_the_validated_zip_with_the_message(fake, files, capsys):
    ids_file, _, zip_path = files
    status, out, _ = run(capsys, "submit", zip_path, "--track", 1, "-m", "greedy blend, 3 models", "--ids", ids_file)
    assert status == 0 and "Successfully submitted" in out
    start, = fake.rpc("StartSubmissionUpload")
    assert start["competitionName"] == COMPETITIONS[1]
    assert start["fileName"] == "blend_track1.zip" and start["contentLength"] == zip_path.stat().st_size
    assert list(fake.uploads.values()) == [zip_path.read_bytes()]
    create, = fake.rpc("CreateSubmission")
    assert create == {"competitionName": COMPETITIONS[1], "blobFileTokens": "blob-token-1",
                      "submissionDescription": "greedy blend, 3 models"}
    auth = [r.headers.get("Authorization", "") for r in fake.requests if r.method == "POST"]
    assert all(a.startswith("Basic ") for a in auth)  # the credentials went to the (fake) service only


def test_submit_a_csv_to_another_competition(fake, files, capsys):
    ids_file, csv_path, _ = files
    status, _, _ = run(capsys, "submit", csv_path, "--track", 3, "-m", "m", "--competition", "my-slug",
                       "--ids", ids_file)
    # a Track 1 file is not a Track 3 submission: labels above 1 are refused before anything is sent
    assert status == 2 and fake.requests == []
    status, _, _ = run(capsys, "submit", csv_path, "--track", 1, "-m", "m", "--competition", "my-slug")
    assert status == 0
    assert fake.rpc("CreateSubmission")[0]["competitionName"] == "my-slug"
    assert list(fake.uploads.values()) == [csv_path.read_bytes()]


def test_invalid_file_is_not_sent(fake, files, tmp_path, capsys):
    ids_file, _, _ = files
    bad = tmp_path / "bad.csv"
    bad.write_text("Id,Target\n0054_0,1\n0054_0,40\n")
    status, _, err = run(capsys, "submit", bad, "--track", 1, "-m", "m", "--ids", ids_file)
    assert status == 2 and "duplicate id" in err and "missing" in err and "outside 0..31" in err
    status, _, err = run(capsys, "submit", bad, "--track", 1, "-m", "m")  # without an id list: still checked
    assert status == 2 and "duplicate id" in err
    assert fake.requests == []


def test_dry_run_validates_and_sends_nothing(fake, files, capsys):
    ids_file, _, zip_path = files
    status, out, _ = run(capsys, "submit", zip_path, "--track", 1, "-m", "try", "--ids", ids_file, "--dry-run")
    assert status == 0 and "dry run" in out and COMPETITIONS[1] in out and "'try'" in out
    assert fake.requests == []


def test_no_credentials_gives_a_clear_message(kaggle_env, files, monkeypatch, capsys):
    monkeypatch.delenv("KAGGLE_USERNAME")
    monkeypatch.delenv("KAGGLE_KEY")
    _, _, zip_path = files
    with port_lock(), running_fake_kaggle() as service:
        status, out, err = run(capsys, "submit", zip_path, "--track", 1, "-m", "m")
        assert status == 1 and "no Kaggle credentials" in err and "kaggle.json" in err
        status, _, err = run(capsys, "submissions", "--track", 1)
        assert status == 1 and "no Kaggle credentials" in err
        assert service.requests == []


def test_network_failure_gives_a_clear_message(kaggle_env, files, capsys):
    _, _, zip_path = files
    with port_lock():
        assert port_is_free()
        status, _, err = run(capsys, "submit", zip_path, "--track", 1, "-m", "m")
        assert status == 1 and "cannot reach Kaggle" in err
        status, _, err = run(capsys, "submissions", "--track", 3)
        assert status == 1 and "cannot reach Kaggle" in err


@pytest.mark.parametrize("rpc,status_code,expected", [
    ("StartSubmissionUpload", 403, "HTTP 403"),
    ("StartSubmissionUpload", 404, "competition was not found"),
    ("CreateSubmission", 429, "daily submission limit"),
    ("CreateSubmission", 401, "credentials were refused"),
])
def test_service_errors_give_a_clear_message(fake, files, capsys, rpc, status_code, expected):
    ids_file, _, zip_path = files
    fake.failures[rpc] = (status_code, "refused by the fake")
    status, _, err = run(capsys, "submit", zip_path, "--track", 1, "-m", "m", "--ids", ids_file)
    assert status == 1 and expected in err and "refused by the fake" in err


def test_failed_upload_is_reported(fake, files, capsys, monkeypatch):
    ids_file, _, zip_path = files
    original = fake.answer

    def refuse_upload(handler, method, path, body):
        if method == "PUT":
            return 400, {"code": 400, "message": "bad upload"}
        return original(handler, method, path, body)

    monkeypatch.setattr(fake, "answer", refuse_upload)
    status, _, err = run(capsys, "submit", zip_path, "--track", 1, "-m", "m", "--ids", ids_file)
    assert status == 1 and "upload" in err
    assert fake.rpc("CreateSubmission") == []


def test_submissions_lists_past_scores(fake, capsys):
    fake.submissions = [
        {"ref": 2, "date": "2026-05-02T09:30:00Z", "description": "greedy blend", "fileName": "blend_track1.zip",
         "publicScore": "0.73213", "privateScore": "0.72100", "status": "COMPLETE"},
        {"ref": 1, "date": "2026-05-01T08:00:00Z", "description": "first try", "fileName": "a.zip",
         "status": "ERROR", "errorDescription": "Id column missing"},
    ]
    status, out, _ = run(capsys, "submissions", "--track", 3)
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split() == ["date", "file", "status", "public_score", "private_score", "description"]
    assert "0.73213" in lines[1] and "0.72100" in lines[1] and "greedy blend" in lines[1]
    assert "ERROR" in lines[2] and "Id column missing" in out
    listed, = fake.rpc("ListSubmissions")
    assert listed["competitionName"] == COMPETITIONS[3]
    fake.submissions = []
    assert run(capsys, "submissions", "--track", 1)[1].startswith("no submissions")


def test_credentials_echoed_by_the_server_are_never_printed(fake, files, capsys):
    import base64

    ids_file, _, zip_path = files
    fake.failures["StartSubmissionUpload"] = (400, "bad request; you sent " + ECHO)
    status, out, err = run(capsys, "submit", zip_path, "--track", 1, "-m", "m", "--ids", ids_file)
    assert status == 1 and "you sent" in err
    basic = base64.b64encode(f"miga-tester:{SECRET}".encode()).decode()
    assert "Authorization" in err and basic not in out + err and basic.rstrip("=") not in out + err
    assert "Basic ***" in err


@pytest.mark.parametrize("content, problem", [
    ('["miga-tester", "k3y"]', "it holds a JSON list, not an object"),
    ('{"username": "miga-tester", "key": "k3y-th4t-must', "it is not valid JSON"),
    ("", "it is empty"),
    ('{"username": "miga-tester", "key": 42}', "the value of 'key' is not a string"),
    ('{"username": "miga-tester"}', "it lacks 'key'"),
])
def test_a_malformed_kaggle_json_is_named_and_not_shown(kaggle_env, files, monkeypatch, capsys, content, problem):
    monkeypatch.delenv("KAGGLE_USERNAME")
    monkeypatch.delenv("KAGGLE_KEY")
    config = kaggle_env / ".kaggle" / "kaggle.json"
    config.write_text(content)
    config.chmod(0o600)
    _, _, zip_path = files
    with port_lock(), running_fake_kaggle() as service:
        for argv in (("submit", zip_path, "--track", 1, "-m", "m"), ("submissions", "--track", 1)):
            status, out, err = run(capsys, *argv)
            assert status == 1 and f"{config} is malformed: {problem}" in err, err
            assert "k3y" not in out + err and "miga-tester" not in out + err
        assert service.requests == []
