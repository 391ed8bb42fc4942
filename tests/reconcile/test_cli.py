"""`ocpi-hub reconcile` in this process (CliRunner, in a thread: the command runs its own event loop) on the
rig's database: the table, --json, --kind, --fix and the exit statuses (0 nothing, 3 found, 1 error, 2 usage)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from hub.cli import app
from tests.outbox.conftest import PARTIES
from tests.reconcile.conftest import Rig, cdrs, charge, give_loc3_a_tariff


@pytest.fixture
async def env(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> Rig:
    await rig.push_token("CARD1", whitelist="ALWAYS")
    monkeypatch.setenv("OCPI_HUB_DATABASE_URL", rig.hub.settings.database_url)
    monkeypatch.setenv("OCPI_HUB_PARTIES", json.dumps([p.model_dump(mode="json") for p in PARTIES]))
    for name in ("CDR_DELAY", "STUCK_HOURS", "ENERGY_TOLERANCE", "METRICS_MAX_AGE"):
        monkeypatch.delenv(f"OCPI_HUB_RECONCILE_{name}", raising=False)
    return rig


async def cli(*args: str) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, app, ["reconcile", *args])


async def test_nothing_found_exits_0(env: Rig) -> None:
    await charge(env, "TX1")
    await env.deliver()

    result = await cli("--cdr-delay", "0")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("0 findings (transaction_without_session 0, session_without_cdr 0,")


async def test_findings_are_a_table_or_json_and_exit_3(env: Rig) -> None:
    missing = await charge(env, "TX1", station="CP-FREE")
    await charge(env, "TX2", registers=(5000, 6000, 4000))  # the meter goes backwards
    await env.deliver()

    table = await cli("--cdr-delay", "0")
    as_json = await cli("--cdr-delay", "0", "--json")
    one_kind = await cli("--json", "--kind", "meter_backwards")
    not_yet = await cli("--kind", "session_without_cdr")  # the default delay (an hour) has not passed

    assert table.exit_code == 3, table.output
    assert "2 findings" in table.stdout
    assert "session_without_cdr" in table.stdout
    assert "meter went backwards: 4000 Wh" in table.stdout
    assert "Traceback" not in table.output
    assert as_json.exit_code == 3
    report = json.loads(as_json.stdout)
    assert report["counts"]["session_without_cdr"] == 1
    assert report["counts"]["meter_backwards"] == 1
    assert report["thresholds"] == {"cdr_delay": 0.0, "stuck_hours": 6.0, "energy_tolerance": "0.01"}
    (without_cdr,) = [f for f in report["findings"] if f["kind"] == "session_without_cdr"]
    assert without_cdr["evidence"]["session_id"] == missing
    assert json.loads(one_kind.stdout)["counts"] == {"meter_backwards": 1}
    assert (not_yet.exit_code, not_yet.stdout.split("\n")[0]) == (0, "0 findings (session_without_cdr 0)")


async def test_fix_makes_the_missing_cdr_once_and_exits_0_when_nothing_is_left(env: Rig) -> None:
    missing = await charge(env, "TX1", station="CP-FREE")
    await give_loc3_a_tariff(env.hub)

    fixed = await cli("--fix", "--cdr-delay", "0", "--kind", "session_without_cdr")
    again = await cli("--fix", "--cdr-delay", "0", "--kind", "session_without_cdr", "--json")

    assert fixed.exit_code == 0, fixed.output
    assert f"fixed: session {missing}: CDR {missing}, 2.0 kWh, total_cost 0.6 excl. VAT" in fixed.stdout
    assert "0 findings remain" in fixed.stdout
    assert again.exit_code == 0, again.output
    second = json.loads(again.stdout)
    assert (second["fixes"], second["remaining"]["counts"]) == ([], {"session_without_cdr": 0})
    assert [c.object_key for c in await cdrs(env.hub)] == [missing.upper()]


async def test_a_fix_that_cannot_be_made_exits_3_with_the_reason(env: Rig) -> None:
    missing = await charge(env, "TX1", station="CP-FREE", registers=(5000, 6000, 4000))
    await give_loc3_a_tariff(env.hub)

    result = await cli("--fix", "--cdr-delay", "0", "--kind", "session_without_cdr")

    assert result.exit_code == 3, result.output
    assert (
        f"not fixed: session {missing}: the meter of transaction CP-FREE/TX1 went backwards" in result.stdout
    )
    assert await cdrs(env.hub) == []


async def test_bad_input_is_one_error_line(env: Rig, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    unknown = await cli("--kind", "nonsense")
    negative = await cli("--stuck-hours", "0")
    monkeypatch.setenv("OCPI_HUB_RECONCILE_ENERGY_TOLERANCE", "-1")
    configured = await cli()
    monkeypatch.delenv("OCPI_HUB_RECONCILE_ENERGY_TOLERANCE")
    monkeypatch.setenv("OCPI_HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    unmigrated = await cli()

    assert unknown.exit_code == 2
    assert "nonsense" in unknown.stderr
    assert negative.exit_code == 2
    assert configured.exit_code == 1
    assert configured.stderr.startswith("error: invalid configuration: OCPI_HUB_RECONCILE_ENERGY_TOLERANCE: ")
    assert len(configured.stderr.strip().splitlines()) == 1
    assert unmigrated.exit_code == 1
    assert unmigrated.stderr.strip() == (
        "error: the database has no ocpi-hub schema yet: run `ocpi-hub migrate` first"
    )
