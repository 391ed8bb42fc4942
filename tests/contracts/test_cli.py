"""`ocpi-hub conformance` as an operator meets it: exit 1 with the failing check in a report grouped by module
and interface role, and exit 2 with one `error:` line (never a traceback) when the run cannot start."""

from __future__ import annotations

import asyncio
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from contracts.callbacks import closed_port
from hub.cli import app
from tests.contracts.fake_endpoint import FakeCpo
from tests.contracts.test_self_test import serving
from tests.processes import cli_env, run_cli


def conformance(*args: str) -> Result:
    return CliRunner().invoke(app, ["conformance", *args])


def test_unreachable_endpoint_is_one_error_line_and_exit_2_from_a_real_process(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/ocpi/versions"

    result = run_cli(
        ["conformance", "--versions-url", url, "--token", "token-a"], cli_env(tmp_path / "x.db"), tmp_path
    )

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"error: cannot reach {url}: ConnectError: All connection attempts failed"
    ]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ["--versions-url", "ftp://partner.example/versions"],
            "error: --versions-url must be an http:// or https:// URL",
        ),
        (
            ["--versions-url", "http://x.test/v", "--modules", "locations,nosuch"],
            "error: --modules: 'nosuch' is not a module",
        ),
        (
            ["--versions-url", "http://x.test/v", "--role", "CPO,BANK"],
            "error: --role BANK is not one of CPO, EMSP",
        ),
        (
            ["--versions-url", "http://x.test/v", "--party", "NLX"],
            "error: --party: party must look like NL*ABC",
        ),
    ],
    ids=["bad-url", "unknown-module", "unknown-role", "bad-party"],
)
def test_bad_option_is_one_error_line_and_exit_2(args: list[str], error: str) -> None:
    result = conformance(*args, "--token", "token-a")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(error)


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
