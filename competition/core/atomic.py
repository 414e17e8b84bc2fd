"""Atomic file writes: a file appears complete under its final name, or not at all."""
import contextlib
import csv
import io
import os
import tempfile
from pathlib import Path

from competition.core.errors import DataError

_UMASK = os.umask(0)
os.umask(_UMASK)


def check_folder(folder, role="an output folder"):
    """DataError when `folder` cannot be a folder: it, or the first of its parents that exists, is a file."""
    folder = Path(folder)
    for existing in (folder, *folder.parents):
        if existing.is_dir():
            return folder
        if existing.exists():
            if existing == folder:
                raise DataError(folder, f"is a file, not a folder ({role})")
            raise DataError(folder, f"cannot be made: {existing} is a file, not a folder ({role})")
    return folder


def make_folder(folder, role="an output folder"):
    """`folder` and its parents, created where missing; DataError when a file stands in the way."""
    check_folder(folder, role).mkdir(parents=True, exist_ok=True)
    return Path(folder)


@contextlib.contextmanager
def atomic_path(path, suffix=None):
    """Yield a temporary path beside `path`; on success it is renamed onto `path`, on error removed.

    `suffix` keeps the temporary file's extension for writers that choose the format by it
    (defaults to the final path's own suffix).
    """
    path = Path(path)
    if path.is_dir():
        raise DataError(path, "is a folder; a file is to be written here")
    make_folder(path.parent, f"the folder {path.name} is written into")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix if suffix is None else suffix,
                               dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes owner-only files; give the usual permissions
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(path, text: str):
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_bytes(path, data: bytes):
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def csv_text(header, rows):
    """CSV text with a header line and `\n` line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_csv(path, header, rows):
    write_text(path, csv_text(header, rows))
