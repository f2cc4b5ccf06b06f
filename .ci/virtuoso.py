"""Start and stop a private Virtuoso instance on loopback (for tests/test_push.py and by hand).

Debian's virtuoso-opensource (installed by .ci/install-virtuoso.sh) is run from
a copy of its packaged virtuoso.ini whose database files live in a temporary
folder and whose SQL and HTTP ports are bound to 127.0.0.1 on free ports. A
fresh database has the default DBA account (dba/dba), which never leaves the
loopback interface.

    python .ci/virtuoso.py            # start one, print its URLs, stop on Enter
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

PACKAGED_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
USER, PASSWORD = "dba", "dba"


def missing() -> str | None:
    """Why no instance can be started here (None when it can)."""
    for tool in ("virtuoso-t", "isql-vt", "inifile"):
        if shutil.which(tool) is None:
            return f"{tool} not found: run 'bash .ci/install-virtuoso.sh' as root to install virtuoso-opensource"
    if not PACKAGED_INI.is_file():
        return f"{PACKAGED_INI} not found (virtuoso-opensource is not installed as Debian packages it)"
    return None


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Virtuoso:
    """A private Virtuoso: ``start()``, then ``base`` is its HTTP root; ``stop()`` checkpoints and ends it by PID."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder or tempfile.mkdtemp(prefix="virtuoso-"))
        self.sql_port, self.http_port = free_port(), free_port()
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        """The HTTP root, e.g. http://127.0.0.1:PORT."""
        return f"http://127.0.0.1:{self.http_port}"

    def start(self, timeout: float = 60.0) -> Virtuoso:
        """Write the ini, start ``virtuoso-t -f`` in the background and wait until /sparql answers."""
        ini = self.folder / "virtuoso.ini"
        shutil.copy(PACKAGED_INI, ini)
        db = self.folder / "db"
        db.mkdir(exist_ok=True)
        settings = {
            "Database": {"DatabaseFile": db / "virtuoso.db", "ErrorLogFile": db / "virtuoso.log",
                         "LockFile": db / "virtuoso.lck", "TransactionFile": db / "virtuoso.trx",
                         "xa_persistent_file": db / "virtuoso.pxa"},
            "TempDatabase": {"DatabaseFile": db / "virtuoso-temp.db", "TransactionFile": db / "virtuoso-temp.trx"},
            "Parameters": {"ServerPort": f"127.0.0.1:{self.sql_port}", "NumberOfBuffers": 20000, "MaxDirtyBuffers": 15000,
                           "DirsAllowed": f"., {self.folder}, /usr/share/virtuoso-opensource-7/vad"},
            "HTTPServer": {"ServerPort": f"127.0.0.1:{self.http_port}"},
            "SPARQL": {"ResultSetMaxRows": 1000000},
        }
        for section, values in settings.items():
            for key, value in values.items():
                subprocess.run(["inifile", "-f", str(ini), "-s", section, "-k", key, "-v", str(value)], check=True)
        log = open(self.folder / "virtuoso-t.out", "wb")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(["virtuoso-t", "-f", "-c", str(ini)], cwd=self.folder, stdout=log, stderr=log,
                                        stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited with {self.process.returncode}: "
                                   f"{(self.folder / 'virtuoso-t.out').read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.base}/sparql?query=ASK%7B%7D", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"Virtuoso did not answer on {self.base}/sparql within {timeout} s")

    def stop(self) -> None:
        """Checkpoint (no slow log replay on a restart), then end the process by its PID."""
        if self.process is None or self.process.poll() is not None:
            return
        subprocess.run(["isql-vt", f"127.0.0.1:{self.sql_port}", USER, PASSWORD, "exec=checkpoint;"],
                       capture_output=True, timeout=60, check=False)
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def __enter__(self) -> Virtuoso:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":
    reason = missing()
    if reason:
        raise SystemExit(reason)
    with Virtuoso() as server:
        print(f"Graph Store: {server.base}/sparql-graph-crud-auth  SPARQL: {server.base}/sparql  (digest {USER}/{PASSWORD})")
        input("Enter to stop… ")
