"""Errors about the user's input files, carrying the file (and row) that is wrong."""


class DataError(Exception):
    """Bad input data. The message names the file, the row where known, and what was expected."""

    def __init__(self, path, message, row=None):
        self.path = str(path)
        self.row = row
        self.reason = message
        where = f"{self.path}, row {row}" if row is not None else self.path
        super().__init__(f"{where}: {message}")

    def __reduce__(self):  # rebuilt from its arguments when it crosses a process boundary (prepare --jobs)
        return type(self), (self.path, self.reason, self.row)
