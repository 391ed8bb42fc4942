"""Settings (hub/config.py): defaults and OCPI_HUB_* environment variables."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from hub.config import DEFAULT_PARTIES, OCPI_VERSION, LocalParty, Settings
from hub.ocpi.enums import Role


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No OCPI_HUB_* variable from the caller's shell, and no .env file in the working directory."""
    for name in list(os.environ):
        if name.upper().startswith("OCPI_HUB_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def set_parties(monkeypatch: pytest.MonkeyPatch, parties: list[dict[str, Any]]) -> None:
    monkeypatch.setenv("OCPI_HUB_PARTIES", json.dumps(parties))


# --- defaults -------------------------------------------------------------------------------------


def test_settings_no_environment_defaults() -> None:
    settings = Settings()

    assert settings.database_url == "sqlite:///./ocpi-hub.db"
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.admin_token is None
    assert settings.partner_timeout == 10.0
    assert settings.page_limit == 100
    assert settings.log_level == "info"


def test_settings_no_environment_single_cpo_party_nl_gwy() -> None:
    settings = Settings()

    assert settings.parties == [LocalParty(country_code="NL", party_id="GWY", role=Role.CPO, name="ocpi-hub")]


def test_settings_default_parties_list_not_shared() -> None:
    first, second = Settings(), Settings()

    assert first.parties == second.parties == DEFAULT_PARTIES
    assert first.parties is not second.parties
    assert first.parties is not DEFAULT_PARTIES


def test_settings_no_environment_urls_derived_from_base_url() -> None:
    settings = Settings()

    assert OCPI_VERSION == "2.2.1"
    assert settings.versions_url == "http://127.0.0.1:8000/ocpi/versions"
    assert settings.version_details_url == "http://127.0.0.1:8000/ocpi/2.2.1"


# --- environment variables ------------------------------------------------------------------------


def test_settings_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCPI_HUB_DATABASE_URL", "postgresql://hub@db/hub")
    monkeypatch.setenv("OCPI_HUB_BASE_URL", "https://hub.example.com")
    monkeypatch.setenv("OCPI_HUB_PARTNER_TIMEOUT", "2.5")
    monkeypatch.setenv("OCPI_HUB_PAGE_LIMIT", "25")
    monkeypatch.setenv("OCPI_HUB_LOG_LEVEL", "debug")

    settings = Settings()

    assert settings.database_url == "postgresql://hub@db/hub"
    assert settings.base_url == "https://hub.example.com"
    assert settings.partner_timeout == 2.5
    assert settings.page_limit == 25
    assert settings.log_level == "debug"


def test_settings_dotenv_file_in_working_directory_read(clean_environment: Path) -> None:
    (clean_environment / ".env").write_text("OCPI_HUB_BASE_URL=https://from-dotenv.example.com/\n")

    assert Settings().base_url == "https://from-dotenv.example.com"


def test_settings_parties_json_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    set_parties(
        monkeypatch,
        [
            {"country_code": "NL", "party_id": "GWY", "role": "CPO", "name": "Gateway CPO"},
            {
                "country_code": "DE",
                "party_id": "MSP",
                "role": "EMSP",
                "name": "Gateway eMSP",
                "website": "https://msp.example.com",
            },
        ],
    )

    settings = Settings()

    assert settings.parties == [
        LocalParty(country_code="NL", party_id="GWY", role=Role.CPO, name="Gateway CPO"),
        LocalParty(
            country_code="DE",
            party_id="MSP",
            role=Role.EMSP,
            name="Gateway eMSP",
            website="https://msp.example.com",
        ),
    ]


def test_settings_parties_lower_case_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    set_parties(monkeypatch, [{"country_code": "nl", "party_id": "gwy", "role": "emsp", "name": "x"}])

    party = Settings().parties[0]

    assert (party.country_code, party.party_id, party.role) == ("NL", "GWY", Role.EMSP)
    assert party.role is Role.EMSP


def test_settings_same_party_different_roles_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    set_parties(
        monkeypatch,
        [
            {"country_code": "NL", "party_id": "GWY", "role": "CPO", "name": "a"},
            {"country_code": "NL", "party_id": "GWY", "role": "EMSP", "name": "b"},
        ],
    )

    assert [p.role for p in Settings().parties] == [Role.CPO, Role.EMSP]


@pytest.mark.parametrize(
    "second",
    [
        {"country_code": "NL", "party_id": "GWY", "role": "CPO", "name": "other name"},
        {"country_code": "nl", "party_id": "gwy", "role": "cpo", "name": "lower-cased"},
    ],
)
def test_settings_duplicate_parties_refused(monkeypatch: pytest.MonkeyPatch, second: dict[str, str]) -> None:
    set_parties(monkeypatch, [{"country_code": "NL", "party_id": "GWY", "role": "CPO", "name": "a"}, second])

    with pytest.raises(ValidationError, match="lists the same role, country_code and party_id twice"):
        Settings()


def test_settings_empty_parties_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCPI_HUB_PARTIES", "[]")

    with pytest.raises(ValidationError, match="must list at least one party"):
        Settings()


@pytest.mark.parametrize(
    ("party", "field"),
    [
        ({"country_code": "NLD", "party_id": "GWY", "role": "CPO", "name": "x"}, "country_code"),
        ({"country_code": "NL", "party_id": "GW", "role": "CPO", "name": "x"}, "party_id"),
        ({"country_code": "NL", "party_id": "GWY", "role": "BOSS", "name": "x"}, "role"),
        ({"country_code": "NL", "party_id": "GWY", "role": "CPO", "name": "x" * 101}, "name"),
        ({"country_code": "NL", "party_id": "GWY", "role": "CPO"}, "name"),
        ({"country_code": "NL", "party_id": "GWY", "role": "CPO", "name": "x", "colour": "red"}, "colour"),
    ],
)
def test_settings_invalid_party_refused(
    monkeypatch: pytest.MonkeyPatch, party: dict[str, str], field: str
) -> None:
    set_parties(monkeypatch, [party])

    with pytest.raises(ValidationError) as info:
        Settings()

    assert [e["loc"] for e in info.value.errors()] == [("parties", 0, field)]


def test_settings_parties_not_json_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCPI_HUB_PARTIES", "NL*GWY")

    with pytest.raises(Exception, match='error parsing value for field "parties"'):
        Settings()


# --- base_url -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://hub.example.com/", "https://hub.example.com"),
        ("https://hub.example.com///", "https://hub.example.com"),
        ("http://hub.example.com/prefix/", "http://hub.example.com/prefix"),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
    ],
)
def test_settings_base_url_trailing_slash_stripped(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: str
) -> None:
    monkeypatch.setenv("OCPI_HUB_BASE_URL", raw)

    settings = Settings()

    assert settings.base_url == expected
    assert settings.versions_url == f"{expected}/ocpi/versions"
    assert settings.version_details_url == f"{expected}/ocpi/2.2.1"


@pytest.mark.parametrize(
    "raw", ["ftp://hub.example.com", "hub.example.com", "", "/ocpi", "ws://hub.example.com"]
)
def test_settings_base_url_not_http_refused(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("OCPI_HUB_BASE_URL", raw)

    with pytest.raises(ValidationError, match="must be an http:// or https:// URL"):
        Settings()


def test_settings_base_url_keyword_validated_too() -> None:
    assert Settings(base_url="https://hub.example.com/").base_url == "https://hub.example.com"
    with pytest.raises(ValidationError, match="must be an http"):
        Settings(base_url="hub.example.com")


# --- admin_token ----------------------------------------------------------------------------------


def test_settings_admin_token_set_kept_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCPI_HUB_ADMIN_TOKEN", "s3cret")

    settings = Settings()

    assert settings.admin_token is not None
    assert settings.admin_token.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)


def test_settings_blank_admin_token_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCPI_HUB_ADMIN_TOKEN", "")

    assert Settings().admin_token is None


def test_settings_blank_admin_token_keyword_unset() -> None:
    assert Settings(admin_token=SecretStr("")).admin_token is None


def test_settings_whitespace_admin_token_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCPI_HUB_ADMIN_TOKEN", "   ")

    assert Settings().admin_token is None


# --- numeric bounds -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"), [("PAGE_LIMIT", "0"), ("PAGE_LIMIT", "1001"), ("PARTNER_TIMEOUT", "0")]
)
def test_settings_out_of_range_number_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(f"OCPI_HUB_{name}", value)

    with pytest.raises(ValidationError) as info:
        Settings()

    assert [e["loc"] for e in info.value.errors()] == [(name.lower(),)]


@pytest.mark.parametrize("value", ["1", "1000"])
def test_settings_page_limit_bounds_accepted(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("OCPI_HUB_PAGE_LIMIT", value)

    assert Settings().page_limit == int(value)


def test_settings_command_timeout_read_from_env_and_promised_by_commands(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from starlette.datastructures import State

    from hub.modules.commands.runner import command_settings, reported_timeout

    monkeypatch.setenv("OCPI_HUB_COMMAND_TIMEOUT", "7.5")
    monkeypatch.setenv("OCPI_HUB_PARTNER_TIMEOUT", "2")
    state = State()
    state.settings = Settings()
    assert command_settings(state).command_timeout == 7.5
    assert reported_timeout(state) == 10  # the charger's time plus the time to POST the result, rounded up
