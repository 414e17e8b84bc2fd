"""A throwaway PostgreSQL server on loopback for tests: initdb in a temp folder, pg_ctl start, one database.

The binaries come from the OS packages (`.ci/install-postgres.sh` installs them on Debian/Ubuntu). initdb
refuses to run as root, so as root the server runs as the `postgres` system user (through runuser).
`start()` raises `Unavailable` with the reason when the server cannot be had here; tests skip with it.
"""
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

USER = "miga"
DATABASE = "optuna"


class Unavailable(RuntimeError):
    pass


def find_bin_dir():
    """The folder of initdb/pg_ctl: on PATH, else the newest /usr/lib/postgresql/<version>/bin."""
    on_path = shutil.which("initdb")
    if on_path:
        folder = Path(on_path).resolve().parent  # e.g. a link in /usr/local/bin to the version's folder
        if all((folder / program).exists() for program in ("pg_ctl", "createdb")):
            return folder
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0)
    return Path(candidates[-1]).parent if candidates else None


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    def __init__(self):
        self.bin_dir = find_bin_dir()
        if self.bin_dir is None:
            raise Unavailable("PostgreSQL is not installed (no initdb on PATH or in /usr/lib/postgresql/*/bin); "
                              "run .ci/install-postgres.sh as root")
        self.as_user = None
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                raise Unavailable("running as root without runuser: initdb refuses root")
            try:
                import pwd
                pwd.getpwnam("postgres")
            except KeyError:
                raise Unavailable("running as root and there is no `postgres` system user to run the "
                                  "server (initdb refuses root)") from None
            self.as_user = "postgres"
        self.root = Path(tempfile.mkdtemp(prefix="miga-postgres-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.started = False

    def _run(self, program, *arguments, timeout=60):
        command = [str(self.bin_dir / program), *map(str, arguments)]
        if self.as_user:
            command = ["runuser", "-u", self.as_user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.root)
        if done.returncode != 0:
            raise Unavailable(f"{program} failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-800:]}")
        return done

    def start(self):
        if self.as_user:
            shutil.chown(self.root, user=self.as_user)
        self._run("initdb", "-D", self.data, "-U", USER, "--auth=trust", "--no-sync", "-E", "UTF8")
        # loopback only, sockets in our folder, small and unsafe-but-fast settings for a test server
        options = (f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c synchronous_commit=off "
                   f"-c full_page_writes=off -c max_connections=300 -c shared_buffers=16MB")
        self._run("pg_ctl", "-D", self.data, "-o", options, "-l", self.root / "server.log", "-w", "-t", "60",
                  "start", timeout=90)
        self.started = True
        self._run("createdb", "-h", "127.0.0.1", "-p", self.port, "-U", USER, DATABASE)
        return f"postgresql+psycopg2://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    def stop(self):
        try:
            if self.started:
                self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
