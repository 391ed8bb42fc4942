"""What a run knows about the endpoint under test and itself: configuration, the discovered endpoints, the
partner's roles, the credentials state, and what checks share (walked lists, objects they created)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from contracts.callbacks import CallbackServer
from contracts.http import OcpiClient, Reply
from contracts.result import CheckResult, not_applicable
from hub.ocpi.enums import CONFIGURATION_MODULES, ModuleID

ROLES = ("CPO", "EMSP", "HUB", "NAP", "NSP", "OTHER", "SCSP")


@dataclass(frozen=True)
class Party:
    country_code: str
    party_id: str

    @classmethod
    def parse(cls, text: str) -> Party:
        """`CC*PID` or `CC-PID` (ISO 3166 alpha-2 country code, 3-character party id)."""
        cleaned = text.strip().upper().replace("-", "*")
        country_code, _, party_id = cleaned.partition("*")
        if len(country_code) != 2 or len(party_id) != 3 or not (country_code + party_id).isalnum():
            raise ValueError(f"party must look like NL*ABC (country code * party id), got {text!r}")
        return cls(country_code, party_id)

    def __str__(self) -> str:
        return f"{self.country_code}*{self.party_id}"


DEFAULT_PARTY = Party("ZZ", "CTS")  # ZZ: an ISO 3166 user-assigned code, so no real party clashes


@dataclass(frozen=True)
class RunConfig:
    """One run: the endpoint, the token, what to check and how the suite is reached."""

    versions_url: str
    token: str
    read_only: bool = False
    roles: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()
    party: Party = DEFAULT_PARTY
    party_given: bool = False
    listen_host: str = "127.0.0.1"
    listen_port: int = 0
    public_url: str | None = None
    timeout: float = 15.0
    result_wait: float = 60.0
    max_pages: int = 200


@dataclass(frozen=True)
class Endpoint:
    identifier: str
    role: str
    url: str


@dataclass
class Context:
    config: RunConfig
    client: OcpiClient
    callbacks: CallbackServer | None
    versions: Reply | None = None
    details_url: str | None = None
    details: Reply | None = None
    endpoints: list[Endpoint] = field(default_factory=list)
    # The base64 attempt the endpoint refused when only the raw token worked (transport.authorization_base64).
    refused_base64: Reply | None = None
    token_a: str | None = None
    partner_credentials: dict[str, Any] | None = None
    registered: bool = False
    registration_problem: str | None = None
    cache: dict[str, Any] = field(default_factory=dict)
    results: list[CheckResult] = field(default_factory=list)

    @property
    def party(self) -> Party:
        return self.config.party

    def endpoint(self, module: str, role: str | None = None) -> str | None:
        for endpoint in self.endpoints:
            if endpoint.identifier == module and (role is None or endpoint.role == role):
                return endpoint.url.rstrip("/")
        return None

    def require(self, module: str, role: str | None = None) -> str:
        url = self.endpoint(module, role)
        if url is None:
            not_applicable(
                f"{module} {role or ''} is not announced in the version details".replace("  ", " ")
            )
        return url

    @property
    def credentials_url(self) -> str:
        return self.require(ModuleID.CREDENTIALS.value)

    @property
    def partner_roles(self) -> set[str]:
        """The roles the endpoint is checked as: --role, else those of its Credentials object."""
        if self.config.roles:
            return set(self.config.roles)
        roles = (self.partner_credentials or {}).get("roles") or []
        return {str(r.get("role", "")).upper() for r in roles if isinstance(r, dict)}

    @property
    def partner_parties(self) -> list[Party]:
        roles = (self.partner_credentials or {}).get("roles") or []
        parties: list[Party] = []
        for role in roles:
            try:
                party = Party(str(role["country_code"]).upper(), str(role["party_id"]).upper())
            except (KeyError, TypeError):
                continue
            if party not in parties:
                parties.append(party)
        return parties

    @property
    def is_hub(self) -> bool:
        return "HUB" in self.partner_roles

    def suite_roles(self) -> list[str]:
        """The roles the suite registers with: CPO to push to the partner's Receivers of CPO-owned objects,
        EMSP to push Tokens and send commands; EMSP alone when neither is announced."""
        receivers = {e.identifier for e in self.endpoints if e.role == "RECEIVER"}
        senders = {e.identifier for e in self.endpoints if e.role == "SENDER"}
        roles = []
        if receivers & {"locations", "tariffs", "sessions", "cdrs"} or senders & {"commands", "tokens"}:
            roles.append("CPO")
        if receivers & {"tokens", "commands", "chargingprofiles"} or senders & {
            "locations",
            "tariffs",
            "sessions",
            "cdrs",
        }:
            roles.append("EMSP")
        return roles or ["EMSP"]

    def routing(self, module: str) -> dict[str, str]:
        """Routing headers for a functional module (transport_and_format_message_routing): FROM the suite's
        party, TO the partner's when it has exactly one; none on configuration modules."""
        if module in {m.value for m in CONFIGURATION_MODULES}:
            return {}
        headers: dict[str, str] = {}
        if not self.config.read_only or self.config.party_given:
            headers["OCPI-from-country-code"] = self.party.country_code
            headers["OCPI-from-party-id"] = self.party.party_id
        parties = self.partner_parties
        if len(parties) == 1 and not self.is_hub:
            headers["OCPI-to-country-code"] = parties[0].country_code
            headers["OCPI-to-party-id"] = parties[0].party_id
        return headers

    async def get(self, module: str, url: str, **kwargs: Any) -> Reply:
        return await self.client.call("GET", url, headers=self.routing(module), **kwargs)

    async def send(self, method: str, module: str, url: str, **kwargs: Any) -> Reply:
        return await self.client.call(method, url, headers=self.routing(module), **kwargs)

    def require_callbacks(self) -> CallbackServer:
        if self.callbacks is None:
            not_applicable("read-only run: the suite serves no callback endpoints")
        return self.callbacks


def new_id(prefix: str = "CTS") -> str:
    """An object id no partner has yet: CiString(36)."""
    return f"{prefix}-{uuid.uuid4().hex[:12].upper()}"
