"""Checkpoint files that cannot be read: the file named, and why, in words a user can act on.

Every load stays weights-only (models.openmmlab). Torch's own message for a refused file suggests switching
that protection off; ours never does: it says whether the file is missing, empty, cut short, not a checkpoint
at all, or holds Python objects besides tensors (and which), and what to do about it.
"""
import pickle
import re
import zipfile
from contextlib import contextmanager
from pathlib import Path

from competition.core.errors import DataError

CUT_SHORT = ("is truncated or damaged: it begins as a torch checkpoint but its end is missing (an interrupted "
             "download or copy?); copy or download it again")
NOT_A_CHECKPOINT = "is not a torch checkpoint (neither the zip archive torch.save writes nor a pickle of tensors)"
# Torch's texts for archives that open but whose records are broken.
_DAMAGED = ("PytorchStreamReader", "zip archive", "central directory", "magic number", "corrupt")


def checkpoint_problem(path):
    """Why the file at `path` cannot be a checkpoint, from its size and first bytes; None when it may be one.

    Cheap (no tensor is read); remote checkpoints (`https://...`) are not looked at.
    """
    if "://" in str(path):
        return None
    path = Path(path)
    if not path.exists():
        return "no such checkpoint"
    if path.is_dir():
        return "is a folder; give the checkpoint file (.pth) inside it"
    if path.stat().st_size == 0:
        return "is empty (an interrupted download or copy?)"
    with open(path, "rb") as handle:
        head = handle.read(2)
    if head == b"PK":  # what torch.save writes since torch 1.6: a zip archive, whose directory is at the end
        return None if zipfile.is_zipfile(path) else CUT_SHORT
    if head[:1] != b"\x80":  # the older format: a pickle (protocol 2 or later)
        return NOT_A_CHECKPOINT
    return None


def unreadable(path, error):
    """The DataError for a load of `path` that failed with `error` (torch's text is not passed on)."""
    text = str(error)
    refused = re.search(r"Unsupported global: GLOBAL ([\w.]+)", text)
    if refused:
        return DataError(path, f"holds Python objects besides tensors ({refused.group(1)}), which weights-only "
                               "loading refuses: unpickling them could run code from the file. Where the file was "
                               "made, save the weights alone, e.g. torch.save({'state_dict': model.state_dict()}, "
                               "path)")
    if isinstance(error, EOFError) or any(part in text for part in _DAMAGED):
        return DataError(path, CUT_SHORT)
    return DataError(path, NOT_A_CHECKPOINT)


def _is_read_failure(error):
    return isinstance(error, (pickle.UnpicklingError, EOFError)) or any(part in str(error) for part in _DAMAGED)


@contextmanager
def named_load_errors(path):
    """Check `path` before a load inside the block, and turn a failed read of it into a DataError naming it."""
    problem = checkpoint_problem(path)
    if problem:
        raise DataError(path, problem)
    try:
        yield
    except (pickle.UnpicklingError, EOFError, RuntimeError, OSError) as error:
        if _is_read_failure(error):
            raise unreadable(path, error) from None
        raise
