"""Settings of one ocpi-hub deployment, read from `OCPI_HUB_*` environment variables."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from hub.ocpi.base import CountryCode, PartyId, String100, Url
from hub.ocpi.enums import InterfaceRole, ModuleID, Role, RoleIn

OCPI_VERSION = "2.2.1"


class LocalParty(BaseModel):
    """One OCPI party this platform is (DESIGN: local parties)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    country_code: CountryCode
    party_id: PartyId
    role: RoleIn
    name: String100
    website: Url | None = None


DEFAULT_PARTIES = [LocalParty(country_code="NL", party_id="GWY", role=Role.CPO, name="ocpi-hub")]

# Every module this build implements, both interface roles (the default of OCPI_HUB_MODULES).
ALL_MODULES: tuple[str, ...] = tuple(module.value for module in ModuleID)


def parse_module_switches(value: Any) -> tuple[str, ...]:
    """OCPI_HUB_MODULES: module ids, each optionally `:SENDER` or `:RECEIVER`, separated by commas or spaces
    (or a JSON list). Returned normalised: `locations`, `tariffs:RECEIVER`."""
    if isinstance(value, str):
        text = value.strip()
        items: list[Any] = json.loads(text) if text.startswith("[") else text.replace(",", " ").split()
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ValueError("must be a list of module ids, e.g. credentials,locations,tariffs:RECEIVER")
    known = ", ".join(ALL_MODULES)
    switches: list[str] = []
    for item in items:
        module, _, role = str(item).strip().partition(":")
        if module.lower() not in ALL_MODULES:
            raise ValueError(f"unknown module {module!r} (known: {known})")
        entry = module.lower()
        if role:
            if role.upper() not in (InterfaceRole.SENDER, InterfaceRole.RECEIVER):
                raise ValueError(f"{item!r}: the interface role after ':' must be SENDER or RECEIVER")
            entry += f":{role.upper()}"
        if entry not in switches:
            switches.append(entry)
    if not switches:
        raise ValueError(f"must list at least one module (known: {known})")
    return tuple(switches)


class Settings(BaseSettings):
    """Every field is an `OCPI_HUB_<FIELD>` environment variable; README lists them."""

    model_config = SettingsConfigDict(env_prefix="OCPI_HUB_", env_file=".env", extra="ignore")

    database_url: str = Field(default="sqlite:///./ocpi-hub.db", description="SQLAlchemy database URL")
    base_url: str = Field(default="http://127.0.0.1:8000", description="public URL partners reach us at")
    parties: list[LocalParty] = Field(default_factory=lambda: list(DEFAULT_PARTIES))
    admin_token: SecretStr | None = Field(default=None, description="bearer token of the /admin API")
    internal_tokens: Annotated[tuple[SecretStr, ...], NoDecode] = Field(
        default=(),
        description="bearer tokens of internal CSMS instances for POST /internal/v1/events, separated by "
        "commas; none: that API is off (HTTP 403)",
    )
    partner_timeout: float = Field(default=10.0, gt=0, description="seconds to wait for a partner's reply")
    routing_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Hub role: seconds to wait for the party a request is forwarded to before answering 4002",
    )
    command_timeout: float = Field(
        default=30.0,
        gt=0,
        description="seconds to wait for a charger's answer to a command or profile request",
    )
    page_limit: int = Field(
        default=100, ge=1, le=1000, description="maximum page size of list GETs (X-Limit)"
    )
    log_level: str = Field(default="info")
    push_give_up_after: float = Field(
        default=900.0,
        gt=0,
        description="seconds a push of a Location, Tariff, Token or Session is retried before the partner's "
        "module is marked needs-resync (CDRs and command results are retried until accepted)",
    )
    push_max_backoff: float = Field(
        default=300.0, gt=0, description="longest wait in seconds between two attempts of one push"
    )
    push_poll_interval: float = Field(
        default=1.0,
        gt=0,
        description="seconds between the delivery worker's looks at the outbox when nothing woke it",
    )
    push_worker: bool = Field(
        default=True,
        description="run the delivery worker inside `ocpi-hub serve` (off: run `ocpi-hub worker`)",
    )
    outbox_retention: float = Field(
        default=86400.0, gt=0, description="seconds delivered pushes and their attempts are kept"
    )
    auth_cache_seconds: float = Field(
        default=2.0,
        ge=0,
        le=10,
        description="seconds a partner's token, once checked, is trusted by cached list GETs without the "
        "database; a token revoked by another process stops working after at most this long (0: off)",
    )
    list_cache_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=0,
        description="bytes of pre-rendered Sender list pages kept until our data changes (0: off)",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1,
        description="largest request body of the OCPI, internal and feed APIs in bytes (larger: HTTP 413)",
    )
    admin_max_body_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=1,
        description="largest request body of the admin API in bytes (imports are large; larger: HTTP 413)",
    )
    body_timeout: float = Field(
        default=30.0, gt=0, description="seconds a client may take to send a request body (then HTTP 408)"
    )
    header_timeout: float = Field(
        default=10.0,
        gt=0,
        description="seconds a client may take to send a request's line and headers before it is cut off",
    )
    max_header_bytes: int = Field(
        default=64 * 1024, ge=1024, description="largest request line and headers in bytes (larger: HTTP 400)"
    )
    keep_alive_timeout: float = Field(
        default=5.0, gt=0, description="seconds an idle keep-alive connection stays open"
    )
    rate_limit_per_second: float = Field(
        default=0.0,
        ge=0,
        description="OCPI requests per second allowed per partner token, refilled continuously (0: off)",
    )
    rate_limit_burst: int = Field(
        default=200, ge=1, description="OCPI requests a partner may send at once above the rate"
    )
    process_lease_seconds: float = Field(
        default=30.0,
        gt=0,
        description="seconds a process holding OCPP websockets owns its stations without renewing its lease "
        "(renewed every third of it); once expired, another process marks them offline",
    )
    modules: Annotated[tuple[str, ...], NoDecode] = Field(
        default=ALL_MODULES,
        description="modules announced in the version details and served, e.g. `credentials,locations,"
        "tariffs:RECEIVER` (a module alone means both interface roles); credentials is always on",
    )

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parsed = urlsplit(value.strip())
        if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc:
            raise ValueError("must be an http:// or https:// URL")
        return value.strip().rstrip("/")

    @field_validator("modules", mode="before")
    @classmethod
    def _module_switches(cls, value: Any) -> tuple[str, ...]:
        return parse_module_switches(value)

    @field_validator("internal_tokens", mode="before")
    @classmethod
    def _token_list(cls, value: Any) -> tuple[str, ...]:
        items = value.split(",") if isinstance(value, str) else list(value)
        texts = [item.get_secret_value() if isinstance(item, SecretStr) else str(item) for item in items]
        return tuple(text.strip() for text in texts if text.strip())

    @field_validator("admin_token")
    @classmethod
    def _blank_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is not None and value.get_secret_value().strip() else None

    @model_validator(mode="after")
    def _parties_unique(self) -> Settings:
        if not self.parties:
            raise ValueError("OCPI_HUB_PARTIES must list at least one party")
        keys = [(p.role, p.country_code, p.party_id) for p in self.parties]
        if len(set(keys)) != len(keys):
            raise ValueError("OCPI_HUB_PARTIES lists the same role, country_code and party_id twice")
        return self

    def module_switched_on(self, module: ModuleID, role: InterfaceRole) -> bool:
        """Is this module's interface role announced and served? Credentials always is (every party needs it)."""
        if module == ModuleID.CREDENTIALS:
            return True
        return module.value in self.modules or f"{module.value}:{role.value}" in self.modules

    @property
    def versions_url(self) -> str:
        return f"{self.base_url}/ocpi/versions"

    @property
    def version_details_url(self) -> str:
        return f"{self.base_url}/ocpi/{OCPI_VERSION}"
