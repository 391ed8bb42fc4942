"""Real processes for the benchmarks: servers on free loopback ports, started, waited for and always
stopped, and what they cost (RSS and CPU from /proc)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a child: ours without OCPI_HUB_* settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCPI_HUB_")}
    env.update(extra)
    return env


@dataclass
class Process:
    """One child process in its own process group (so that everything it started stops with it)."""

    name: str
    argv: Sequence[str]
    env: dict[str, str]
    cwd: Path = ROOT
    log: Path | None = None
    popen: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self) -> Process:
        output = open(self.log, "ab") if self.log is not None else subprocess.DEVNULL  # noqa: SIM115
        self.popen = subprocess.Popen(
            list(self.argv),
            env=self.env,
            cwd=self.cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout)

    def rss_mib(self) -> float:
        """Resident memory of the process, in MiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def cpu_seconds(self) -> float:
        """User + system CPU time the process used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def uvicorn_argv(app: str, port: int, *, factory: bool = True, extra: Sequence[str] = ()) -> list[str]:
    """The uvicorn settings every benchmarked server runs with, ours and the baselines alike."""
    argv = python(
        "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
        "--no-access-log", "--ws-per-message-deflate", "false", *extra,
    )  # fmt: skip
    if factory:
        argv.append("--factory")
    return argv


def wait_http(url: str, process: Process, timeout: float = 60.0) -> None:
    """Wait until `url` answers (any status), or fail when the process died or time ran out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise RuntimeError(f"{process.name} exited before answering (see {process.log})")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{process.name} did not answer {url} within {timeout:.0f} s")


@contextlib.contextmanager
def running(*processes: Process) -> Iterator[tuple[Process, ...]]:
    """Start the processes and stop every one of them however the block ends."""
    started: list[Process] = []
    try:
        for process in processes:
            started.append(process.start())
        yield processes
    finally:
        for process in reversed(started):
            process.stop()
