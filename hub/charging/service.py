"""`TransactionPort` on the hub's database: authorization of station tokens (mod_tokens), transactions made
OCPI Sessions (mod_sessions) and, at their end, priced CDRs (mod_cdrs), and the lookups the charger side of
commands needs (mod_commands)."""

from __future__ import annotations

from hub.config import Settings
from hub.db import SessionMaker
from hub.ocpi.v221.tokens import Token
from hub.partners.client import PartnerClient
from hub.ports import (
    AuthorizationAnswer,
    ChargerAddress,
    ChargerTarget,
    IdToken,
    RunningTransaction,
    TransactionOutcome,
    TransactionReport,
)


class ChargingHub:
    def __init__(self, sessionmaker: SessionMaker, settings: Settings, client: PartnerClient | None) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.client = client

    async def authorize(
        self, station_id: str, token: IdToken, *, evse: int | None = None
    ) -> AuthorizationAnswer:
        raise NotImplementedError

    async def transaction_event(self, station_id: str, report: TransactionReport) -> TransactionOutcome:
        raise NotImplementedError

    async def locate(self, target: ChargerTarget) -> ChargerAddress | None:
        raise NotImplementedError

    async def running_transaction(self, session_id: str) -> RunningTransaction | None:
        raise NotImplementedError

    async def remote_start(
        self, address: ChargerAddress, *, token: Token, authorization_reference: str | None
    ) -> int:
        raise NotImplementedError
