"""A private PostgreSQL cluster for one test (initdb and pg_ctl on a free port, its data and socket in a temp
dir), so that restarting it under load breaks no one else's database."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.processes import free_port


def _bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


@dataclass
class PrivateCluster:
    root: Path
    port: int
    bin: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        # PostgreSQL refuses to run as root: as root, run it as the postgres user.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        result = subprocess.run(
            [*prefix, *args], capture_output=True, text=True, timeout=timeout, check=False, cwd=self.root
        )
        assert result.returncode == 0, f"{args[0]}: {result.stdout}{result.stderr}"
        return result

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-t", "30",
            "-o", options, *extra, action,
        )  # fmt: skip

    @classmethod
    def create(cls) -> PrivateCluster:
        bin_dir = _bin()
        assert bin_dir is not None, "no PostgreSQL server binaries under /usr/lib/postgresql"
        root = Path(tempfile.mkdtemp(prefix="ocpi-hub-fault-pg-"))
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
        cluster = cls(root, free_port(), bin_dir)
        cluster._run(
            str(bin_dir / "initdb"), "-D", str(cluster.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--no-sync",
        )  # fmt: skip
        cluster._ctl("start")
        cluster._run(
            str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "hub"
        )
        return cluster

    def restart(self) -> None:
        """`pg_ctl restart -m immediate`: every server process ends at once, without a checkpoint, as in a
        crash; the restart recovers from the WAL."""
        self._ctl("restart", "-m", "immediate")

    def destroy(self) -> None:
        try:
            self._ctl("stop", "-m", "immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
