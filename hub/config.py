"""Settings of one ocpi-hub deployment, read from `OCPI_HUB_*` environment variables."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hub.ocpi.base import CountryCode, PartyId, String100, Url
from hub.ocpi.enums import Role, RoleIn

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


class Settings(BaseSettings):
    """Every field is an `OCPI_HUB_<FIELD>` environment variable; README lists them."""

    model_config = SettingsConfigDict(env_prefix="OCPI_HUB_", env_file=".env", extra="ignore")

    database_url: str = Field(default="sqlite:///./ocpi-hub.db", description="SQLAlchemy database URL")
    base_url: str = Field(default="http://127.0.0.1:8000", description="public URL partners reach us at")
    parties: list[LocalParty] = Field(default_factory=lambda: list(DEFAULT_PARTIES))
    admin_token: SecretStr | None = Field(default=None, description="bearer token of the /admin API")
    partner_timeout: float = Field(default=10.0, gt=0, description="seconds to wait for a partner's reply")
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

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parsed = urlsplit(value.strip())
        if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc:
            raise ValueError("must be an http:// or https:// URL")
        return value.strip().rstrip("/")

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

    @property
    def versions_url(self) -> str:
        return f"{self.base_url}/ocpi/versions"

    @property
    def version_details_url(self) -> str:
        return f"{self.base_url}/ocpi/{OCPI_VERSION}"
