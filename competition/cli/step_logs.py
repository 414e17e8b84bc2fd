"""Run `miga` commands in this process with their whole output in a log file (used by `miga demo`).

The output is redirected at the file-descriptor level, so what worker processes, C libraries and loggers
created during the step write lands in the log too, not only Python's `print`.
"""
import contextlib
import os
import sys
import traceback
from pathlib import Path

_STREAMS = {}


def _descriptor_stream(fd):
    """A text stream writing to file descriptor `fd`, whatever it points to at the time; never closed (loggers
    made during a step keep it)."""
    if fd not in _STREAMS:
        _STREAMS[fd] = open(fd, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)
    return _STREAMS[fd]


@contextlib.contextmanager
def output_to(path):
    """Send this process's stdout and stderr (file descriptors 1 and 2, and Python's sys.stdout and sys.stderr,
    which a notebook or a test runner may have replaced) to the file `path` while the block runs."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    out, err = _descriptor_stream(1), _descriptor_stream(2)
    try:
        with open(path, "wb") as log:
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
            try:
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    yield
            finally:
                out.flush()
                err.flush()
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


def run_logged(command, argv, log):
    """`command(argv)` (a `miga` entry point) with all its output in `log`; returns its exit status.

    A traceback goes into the log and counts as exit status 1; KeyboardInterrupt is passed on.
    """
    with output_to(log):
        print("$ miga " + " ".join(argv), flush=True)
        try:
            return int(command(argv) or 0)
        except SystemExit as stop:  # argparse's errors
            return stop.code if isinstance(stop.code, int) else 1
        except Exception:  # noqa: BLE001 - any failure of the step is shown from its log
            traceback.print_exc()
            return 1


def tail(path, lines=20):
    """The last `lines` lines of a log, progress-bar redraws (carriage returns) reduced to their last state."""
    try:
        text = Path(path).read_bytes().decode(errors="replace")  # not read_text: it would turn \r into \n
    except OSError:
        return []
    shown = [line.rstrip("\r").rsplit("\r", 1)[-1] for line in text.split("\n")]
    return [line for line in shown if line.strip()][-lines:]
