"""The `ocpi-hub` command as a user runs it: JSON on stdout, one clear line on failure, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.processes import cli_env, free_port, run_cli
from tests.spec import EXAMPLES


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cli_env(tmp_path / "hub.db", base_url="https://ocpi.example.com")


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_help_lists_the_commands(env: dict[str, str], tmp_path: Path) -> None:
    result = run_cli(["--help"], env, tmp_path)
    assert result.returncode == 0
    for command in ("serve", "migrate", "partner"):
        assert command in result.stdout
    partner_help = run_cli(["partner", "--help"], env, tmp_path).stdout
    for command in ("invite", "register", "list", "remove", "update"):
        assert command in partner_help


def test_migrate_then_invite_prints_exactly_one_json_object(env: dict[str, str], tmp_path: Path) -> None:
    assert run_cli(["migrate"], env, tmp_path).returncode == 0
    result = run_cli(["partner", "invite", "--name", "Acme"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    invitation = json.loads(result.stdout)  # the whole of stdout is one JSON document
    assert set(invitation) == {"token", "versions_url"}
    assert invitation["versions_url"] == "https://ocpi.example.com/ocpi/versions"
    assert 0 < len(invitation["token"]) <= 64
    [partner] = json.loads(run_cli(["partner", "list"], env, tmp_path).stdout)
    assert (partner["name"], partner["status"]) == ("Acme", "INVITED")


def test_default_database_is_ocpi_hub_db_in_the_working_directory(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "unused.db")
    env.pop("OCPI_HUB_DATABASE_URL")
    assert run_cli(["migrate"], env, tmp_path).returncode == 0
    assert (tmp_path / "ocpi-hub.db").exists()


def test_invite_before_migrate_says_to_migrate(env: dict[str, str], tmp_path: Path) -> None:
    assert_one_line_error(run_cli(["partner", "invite"], env, tmp_path), "ocpi-hub migrate")


def test_register_with_bad_url_fails_in_one_line(env: dict[str, str], tmp_path: Path) -> None:
    run_cli(["migrate"], env, tmp_path)
    assert_one_line_error(
        run_cli(["partner", "register", "--versions-url", "ftp://x", "--token", "t"], env, tmp_path),
        "--versions-url",
    )


def test_register_with_unreachable_partner_fails_in_one_line(env: dict[str, str], tmp_path: Path) -> None:
    run_cli(["migrate"], env, tmp_path)
    url = f"http://127.0.0.1:{free_port()}/ocpi/versions"
    result = run_cli(["partner", "register", "--versions-url", url, "--token", "t"], env, tmp_path)
    assert_one_line_error(result, url)
    assert json.loads(run_cli(["partner", "list"], env, tmp_path).stdout) == []


def test_remove_unknown_partner_fails_in_one_line(env: dict[str, str], tmp_path: Path) -> None:
    run_cli(["migrate"], env, tmp_path)
    assert_one_line_error(run_cli(["partner", "remove", "42"], env, tmp_path), "no partner with id 42")


def test_invalid_parties_configuration_fails_in_one_line(env: dict[str, str], tmp_path: Path) -> None:
    env["OCPI_HUB_PARTIES"] = '[{"country_code": "NL", "party_id": "TOOLONG", "role": "CPO", "name": "x"}]'
    assert_one_line_error(run_cli(["migrate"], env, tmp_path), "OCPI_HUB_PARTIES")


def test_unsupported_database_url_fails_in_one_line(env: dict[str, str], tmp_path: Path) -> None:
    env["OCPI_HUB_DATABASE_URL"] = "mysql://root@localhost/x"
    assert_one_line_error(run_cli(["migrate"], env, tmp_path), "sqlite://", "postgresql://")


def spec_cdr_and_tariff(tmp_path: Path) -> tuple[Path, Path]:
    """The spec's CDR example and the Tariff it embeds (TIME 2.00/h, step 300 s): priced 4.00 / 4.40."""
    cdr = json.loads((EXAMPLES / "cdr_example.json").read_text())
    tariff_path, cdr_path = tmp_path / "tariff.json", tmp_path / "cdr.json"
    tariff_path.write_text(json.dumps(cdr["tariffs"][0]))
    cdr_path.write_text(json.dumps(cdr))
    return tariff_path, cdr_path


def test_price_prints_the_cost_fields_of_the_spec_cdr_example(env: dict[str, str], tmp_path: Path) -> None:
    tariff, cdr = spec_cdr_and_tariff(tmp_path)
    result = run_cli(["price", "--tariff", str(tariff), "--cdr", str(cdr)], env, tmp_path)
    assert result.returncode == 0, result.stderr
    costs = json.loads(result.stdout)
    assert costs["total_cost"] == {"excl_vat": 4.0, "incl_vat": 4.4}
    assert costs["total_time_cost"] == {"excl_vat": 4.0, "incl_vat": 4.4}
    assert costs["total_parking_cost"] == costs["total_parking_time_cost"] == {"excl_vat": 0, "incl_vat": 0}
    assert result.stderr.strip() == "time zone: UTC (default)"
    assert not (tmp_path / "hub.db").exists()  # looking for the Location created no database


def test_price_takes_the_time_zone_of_our_location_from_the_database(
    env: dict[str, str], tmp_path: Path
) -> None:
    from tests.fixtures_locations import make_location

    run_cli(["migrate"], env, tmp_path)
    locations = tmp_path / "locations.json"
    locations.write_text(json.dumps([make_location("LOC1", time_zone="Europe/Oslo")]))
    assert run_cli(["import", "locations", str(locations)], env, tmp_path).returncode == 0
    tariff, cdr = spec_cdr_and_tariff(tmp_path)
    body = json.loads(cdr.read_text())
    body.update(country_code="NL", party_id="GWY")
    body["cdr_location"]["id"] = "loc1"
    cdr.write_text(json.dumps(body))
    result = run_cli(["price", "--tariff", str(tariff), "--cdr", str(cdr)], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "time zone: Europe/Oslo (from Location loc1 in the database)"


def test_price_with_invalid_tariff_fails_in_one_line(env: dict[str, str], tmp_path: Path) -> None:
    tariff, cdr = spec_cdr_and_tariff(tmp_path)
    body = json.loads(tariff.read_text())
    body["elements"][0]["price_components"][0]["type"] = "KWH"
    tariff.write_text(json.dumps(body))
    assert_one_line_error(
        run_cli(["price", "--tariff", str(tariff), "--cdr", str(cdr)], env, tmp_path),
        "elements[0].price_components[0].type",
    )
