"""`miga demo`'s console: one line per step, each step's whole output in its log, the log's tail on failure,
and a second run on the same folder that resumes. (`make demo` itself runs in CI, .ci/run.)"""
import argparse
import os
import subprocess
import sys

import pytest

from competition.cli import demo
from competition.cli.step_logs import run_logged, tail


def noisy_command(argv):
    print("from print")
    os.write(1, b"from file descriptor 1\n")
    subprocess.run([sys.executable, "-c", "import sys; sys.stderr.write('from a child process\\n')"], check=True)
    sys.stderr.write("progress  10%\rprogress 100%\n")
    if argv == ["fail"]:
        raise RuntimeError("the step broke")
    return 0


def test_a_step_s_whole_output_goes_to_its_log_and_none_to_the_console(tmp_path, capfd):
    log = tmp_path / "logs" / "01-step.log"
    assert run_logged(noisy_command, ["ok"], log) == 0
    out, err = capfd.readouterr()
    assert out == err == ""
    text = log.read_text()
    for line in ("$ miga ok", "from print", "from file descriptor 1", "from a child process", "progress 100%"):
        assert line in text


def test_a_failing_step_leaves_its_traceback_in_the_log_and_the_tail_shows_it(tmp_path, capfd):
    log = tmp_path / "02-step.log"
    assert run_logged(noisy_command, ["fail"], log) == 1
    assert capfd.readouterr() == ("", "")
    lines = tail(log, 3)
    assert lines[-1] == "RuntimeError: the step broke" and "progress  10%" not in "\n".join(tail(log, 50))


@pytest.fixture
def two_steps(monkeypatch, tmp_path):
    """A demo of two real commands, the second failing until the file it validates exists."""
    ids = tmp_path / "ids.txt"
    ids.write_text("0001_0\n")
    submission = tmp_path / "sub.csv"

    def steps(out, *settings):
        return [("show synth's options", ["synth", "--help"]),
                ("validate a submission", ["validate", "--track", "1", str(submission), "--ids", str(ids)])]

    monkeypatch.setattr(demo, "steps", steps)
    monkeypatch.setattr(demo, "SUMMARIES", {})
    return submission


def run_demo(out, *options):
    parser = argparse.ArgumentParser()
    demo.add_arguments(parser)
    return demo.run(parser.parse_args(["--out", str(out), *options]))


def test_the_demo_prints_a_line_per_step_shows_a_failed_step_s_log_and_resumes(two_steps, tmp_path, capfd):
    out = tmp_path / "demo"
    assert run_demo(out) == 2
    console, errors = capfd.readouterr()
    lines = console.splitlines()
    assert lines[1].startswith("[ 1/2] show synth's options") and lines[1].endswith(" s")
    assert lines[2].startswith("[ 2/2] validate a submission") and "failed (exit 2)" in lines[2]
    log = out / "logs" / "02-validate-a-submission.log"
    assert f"last lines of {log}:" in errors and "sub.csv: no such file" in errors and str(log) in errors
    assert "usage: miga synth" in (out / "logs" / "01-show-synth-s-options.log").read_text()

    two_steps.write_text("Id,Target\n0001_0,3\n")  # the cause fixed: the rerun keeps step 1 and runs step 2
    assert run_demo(out) == 0
    console, _ = capfd.readouterr()
    assert "1 kept from the last run" in console.splitlines()[0]
    assert console.splitlines()[1].endswith(" kept") and console.splitlines()[2].endswith(" s")

    assert run_demo(out, "--epochs", "3") == 0  # other settings: the demo's folders go, it starts clean
    console, _ = capfd.readouterr()
    assert "starting clean" in console and " kept" not in console
