"""A throwaway PostgreSQL server for the tests: a fresh cluster in a temporary folder, TLS on, 127.0.0.1 only.

Uses the machine's PostgreSQL programs (Debian: apt-get install postgresql) and openssl. As root,
the server runs as the 'postgres' user (PostgreSQL refuses to run as root). COURSE_POSTGRES_URL,
when set, names an existing server to use instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

USER = "course"


def find_postgres_bin() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, or Debian's /usr/lib/postgresql/<version>/bin (newest)."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    for folder in reversed(versions):
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TemporaryPostgres:
    """Start with start(), read url, stop with stop(); everything lives in one temporary folder."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="course-postgres-"))
        self.port = _free_port()
        self.as_root = hasattr(os, "geteuid") and os.geteuid() == 0

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/postgres?sslmode=require"

    def _run(self, *command: str) -> None:
        if self.as_root:  # PostgreSQL will not run as root
            command = ("runuser", "-u", "postgres", "--", *command)
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")

    def start(self) -> TemporaryPostgres:
        data, sockets = self.folder / "data", self.folder / "sockets"
        sockets.mkdir()
        key, certificate = self.folder / "server.key", self.folder / "server.crt"
        subprocess.run(
            ["openssl", "req", "-x509", "-nodes", "-newkey", "rsa:2048", "-days", "2", "-subj", "/CN=localhost",
             "-keyout", str(key), "-out", str(certificate)],
            check=True, capture_output=True, timeout=120,
        )
        key.chmod(0o600)
        if self.as_root:
            shutil.chown(self.folder, "postgres")
            for path in (sockets, key, certificate):
                shutil.chown(path, "postgres")
        self._run(str(self.bindir / "initdb"), "-D", str(data), "-U", USER, "--auth=trust", "--no-sync")
        options = (
            f"-p {self.port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c ssl=on -c ssl_cert_file={certificate} -c ssl_key_file={key}"
        )
        self._run(str(self.bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(self.folder / "server.log"), "-w", "-t", "60", "start")
        return self

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")
        finally:
            time.sleep(0.1)
            shutil.rmtree(self.folder, ignore_errors=True)
