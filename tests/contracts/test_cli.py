"""`ocpi-hub conformance` as an operator meets it: exit 1 with the failing check in a report grouped by module
and interface role, and exit 2 with one `error:` line (never a traceback) when the run cannot start."""

from __future__ import annotations

import asyncio
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from contracts.callbacks import closed_port
from tests.contracts.fake_endpoint import FakeCpo
from tests.contracts.test_self_test import serving
from tests.processes import cli_env, run_cli


def conformance(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli(["conformance", *args], cli_env(tmp_path / "unused.db"), tmp_path)
    return result.returncode, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("ftp://partner.example/versions", "error: --versions-url must be an http:// or https:// URL"),
        (f"http://127.0.0.1:{closed_port()}/ocpi/versions", "error: cannot reach http://127.0.0.1:"),
    ],
    ids=["bad-url", "unreachable"],
)
def test_run_that_cannot_start_is_one_error_line_and_exit_2(tmp_path: Path, url: str, error: str) -> None:
    code, stdout, stderr = conformance(tmp_path, "--versions-url", url, "--token", "token-a")

    assert code == 2
    assert stdout == ""
    assert len(stderr.strip().splitlines()) == 1
    assert stderr.startswith(error)


def test_unknown_module_option_is_refused_by_name(tmp_path: Path) -> None:
    code, _stdout, stderr = conformance(
        tmp_path, "--versions-url", "http://x.test/v", "--token", "t", "--modules", "locations,nosuch"
    )

    assert code == 2
    assert stderr.startswith("error: --modules: 'nosuch' is not a module")


async def test_failing_endpoint_exits_1_with_the_check_in_the_report(tmp_path: Path) -> None:
    fake = FakeCpo({"forbidden_not_401"})
    junit = tmp_path / "report.xml"
    async with serving(fake) as versions_url:
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "hub", "conformance", "--versions-url", versions_url),
            *("--token", fake.token_a, "--junit", str(junit), "--result-wait", "2"),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=cli_env(tmp_path / "unused.db"),
            cwd=tmp_path,
        )
        stdout, stderr = await process.communicate()

    report = stdout.decode()
    assert process.returncode == 1, stderr.decode()
    transport = report.index("\ntransport ")
    failure = report.index("✗ transport.authorization_unknown_token_401")
    assert transport < failure < report.index("\ncredentials ")
    assert "spec: transport_and_format.asciidoc §Authorization header" in report
    assert "response: HTTP 403" in report
    assert report.rstrip().splitlines()[-1].startswith("FAIL: ")
    cases = {c.get("name"): c for c in ET.parse(junit).getroot().iter("testcase")}
    assert cases["transport.authorization_unknown_token_401"].find("failure") is not None
    assert cases["locations.sender.pagination_walk"].find("failure") is None
