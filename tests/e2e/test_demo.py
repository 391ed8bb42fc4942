"""`ocpi-hub demo` as a user runs it: it prints the URLs and tokens to explore (and they work), then what the
demo eMSP receives (EVSE statuses, Sessions and a CDR priced with the demo Tariff), and stops cleanly after
--sessions or on SIGINT, exit status 0, its temporary directory removed and its ports closed."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from tests.processes import run_cli

pytestmark = pytest.mark.e2e

FAST = ["--speed", "4"]
CURL = re.compile(r'curl (?:-N )?-H "Authorization: ([^"]+)" (\S+)')
CDR = re.compile(
    r"CDR (\S+): (?P<kwh>[\d.]+) kWh, (?P<hours>[\d.]+) h \(\d+ s\), "
    r"total_cost (?P<excl>[\d.]+) EUR excl\. VAT, (?P<incl>[\d.]+) EUR incl\. VAT, tariff DEMO-TARIFF"
)


def demo_env() -> dict[str, str]:
    # No setup: nothing of a developer's own OCPI_HUB_* configuration reaches the demo.
    return {k: v for k, v in os.environ.items() if not k.startswith("OCPI_HUB_")}


def field(output: str, name: str) -> str:
    match = re.search(rf"^  {re.escape(name)} +(\S+)", output, re.MULTILINE)
    assert match, f"no {name!r} line in:\n{output}"
    return match.group(1)


def port_closed(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    with socket.socket() as sock:
        return sock.connect_ex((host, int(port))) != 0


def assert_cleaned_up(output: str) -> None:
    assert "-- demo stopped" in output
    assert not Path(field(output, "data")).exists()
    assert port_closed(field(output, "hub"))
    assert port_closed(field(output, "demo eMSP").removesuffix("/ocpi/versions"))


def test_the_demo_runs_a_charging_session_to_a_priced_cdr_and_exits(tmp_path: Path) -> None:
    result = run_cli(["demo", "--sessions", "1", "--duration", "60", *FAST], demo_env(), tmp_path, timeout=90)
    out = result.stdout
    assert result.returncode == 0, result.stderr + out

    hub = field(out, "hub")
    assert field(out, "OCPI versions") == f"{hub}/ocpi/versions"
    assert field(out, "OCPP endpoint").startswith(f"ws://{hub.removeprefix('http://')}/ocpp/")
    for token in ("eMSP's OCPI token", "admin token", "feed token"):
        assert len(field(out, token)) >= 32
    assert [url for _, url in CURL.findall(out)] == [
        f"{hub}/ocpi/2.2.1/sender/locations",
        f"{hub}/ocpi/2.2.1/sender/sessions",
        f"{hub}/admin/stations",
        f"{hub}/feeds/availability",
    ]

    events = out.split("What the demo eMSP receives")[1]
    # Both stations' Locations reached the eMSP as PUTs, then their EVSEs' statuses as PATCHes: EVSE 2 stays
    # Available while the first session charges on EVSE 1.
    for location in ("LOC-16", "LOC-201"):
        assert f"Location {location} PUT" in events
        assert f"EVSE {location}/{location}-2 status AVAILABLE" in events
        assert f"EVSE {location}/{location}-1 status CHARGING" in events
    assert re.search(
        r"Session \S+ PUT: status ACTIVE, 0\.000 kWh, at LOC-\d+/LOC-\d+-1, token DEMO-RFID-", events
    )
    assert re.search(r"Session \S+ PATCH: status COMPLETED, 1\.250 kWh", events)

    # The first CDR ends the demo; it is priced with DEMO-TARIFF: 0.30 EUR/kWh + 2.00 EUR/h, 21 % VAT.
    [cdr] = CDR.finditer(events)
    energy, hours = Decimal(cdr["kwh"]), Decimal(cdr["hours"])
    assert energy == Decimal("1.250")  # five meter ticks of 250 Wh
    assert 0 < hours < Decimal("0.01")
    excl = energy * Decimal("0.30") + hours * Decimal("2.00")
    assert abs(Decimal(cdr["excl"]) - excl) <= Decimal("0.0011"), cdr.group(0)
    assert abs(Decimal(cdr["incl"]) - excl * Decimal("1.21")) <= Decimal("0.0015"), cdr.group(0)
    assert_cleaned_up(out)


def _lines(process: subprocess.Popen[str]) -> tuple[queue.Queue[str], threading.Thread]:
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return lines, reader


def _until(lines: queue.Queue[str], seen: list[str], pattern: str, within: float) -> None:
    deadline = time.monotonic() + within
    while not any(re.search(pattern, line) for line in seen):
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no line matching {pattern!r} in:\n{''.join(seen)}"
        with contextlib.suppress(queue.Empty):
            seen.append(lines.get(timeout=remaining))


def test_the_printed_curl_lines_work_and_sigint_stops_the_demo_cleanly(tmp_path: Path) -> None:
    stderr = (tmp_path / "stderr.txt").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "hub", "demo", *FAST],
        env=demo_env(),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    lines, reader = _lines(process)
    try:
        seen: list[str] = []
        _until(lines, seen, r"EVSE LOC-201/LOC-201-1 status AVAILABLE", within=60)
        out = "".join(seen)
        curls = CURL.findall(out)
        locations = httpx.get(curls[0][1], headers={"Authorization": curls[0][0]}, timeout=10)
        assert locations.status_code == 200, locations.text
        assert sorted(loc["id"] for loc in locations.json()["data"]) == ["LOC-16", "LOC-201"]
        stations = httpx.get(curls[2][1], headers={"Authorization": curls[2][0]}, timeout=10)
        assert stations.status_code == 200, stations.text
        assert "DEMO-CP16" in stations.text
        assert "DEMO-CP201" in stations.text

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0, (tmp_path / "stderr.txt").read_text()
        _until(lines, seen, r"^-- demo stopped", within=5)
        assert_cleaned_up("".join(seen))
        # Cleanly: the chargers left between two calls, so nothing failed on either side of their sockets.
        assert "Traceback" not in (tmp_path / "stderr.txt").read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        reader.join(timeout=10)
        stderr.close()
        assert process.stdout is not None
        process.stdout.close()
