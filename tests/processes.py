"""Real `ocpi-hub` processes for CLI and end-to-end tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cli_env(database: Path, *, base_url: str = "http://127.0.0.1:8000", **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCPI_HUB_")}
    env.update(OCPI_HUB_DATABASE_URL=f"sqlite:///{database}", OCPI_HUB_BASE_URL=base_url, **extra)
    return env


def run_cli(
    args: list[str], env: dict[str, str], cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@dataclass
class HubProcess:
    """One `ocpi-hub serve` on a free port with its own SQLite file."""

    name: str
    workdir: Path
    parties: list[dict[str, str]]
    admin_token: str = "e2e-admin"
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database(self) -> Path:
        return self.workdir / f"{self.name}.db"

    @property
    def env(self) -> dict[str, str]:
        return cli_env(
            self.database,
            base_url=self.base_url,
            OCPI_HUB_PARTIES=json.dumps(self.parties),
            OCPI_HUB_ADMIN_TOKEN=self.admin_token,
            OCPI_HUB_LOG_LEVEL="warning",
        )

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(list(args), self.env, self.workdir)

    def cli_json(self, *args: str) -> Any:
        result = self.cli(*args)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with (self.workdir / f"{self.name}.log").open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hub", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env,
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {(self.workdir / f'{self.name}.log').read_text()}")
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)  # waiting for a socket to open: there is no event to await across processes
        raise RuntimeError(f"{self.name} did not become ready")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextmanager
def running(*hubs: HubProcess) -> Iterator[None]:
    try:
        for hub in hubs:
            hub.start()
        yield
    finally:
        for hub in hubs:
            hub.stop()
