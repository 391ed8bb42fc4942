"""Who is calling: `Authorization: Token <base64>` resolved to a partner (transport_and_format_authorization_header)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.caller_cache import CallerCache, token_hashes
from hub.errors import ClientError, UnauthorizedError
from hub.ocpi.base import format_datetime
from hub.partners.repository import PartnerRepository
from hub.security import token_candidates
from hub.tables import PartnerRecord, PartnerStatus, TokenKind


@dataclass(frozen=True)
class Caller:
    """The partner behind a request and the token it presented."""

    partner: PartnerRecord
    token_kind: TokenKind
    token: str

    @property
    def partner_id(self) -> int:
        assert self.partner.id is not None
        return self.partner.id

    @property
    def registered(self) -> bool:
        return self.token_kind == TokenKind.ACTIVE and self.partner.status == PartnerStatus.REGISTERED


class PartnerSuspendedError(ClientError):
    """The operator suspended this partner: its token is known and valid, but it may not use the functional
    modules until resumed (HTTP 403, not 401, so that it does not take its token for wrong)."""

    http_status = 403
    default_message = "This partner is suspended by the operator of this platform"


async def authenticate(request: Request, session: AsyncSession) -> Caller:
    """Any known token, including CREDENTIALS_TOKEN_A: for the versions and credentials modules."""
    header = request.headers.get("Authorization")
    if not header:
        raise UnauthorizedError(
            "Missing Authorization header; send 'Authorization: Token <base64 credentials token>'"
        )
    candidates = token_candidates(header)
    if not candidates:
        raise UnauthorizedError("Malformed Authorization header; expected 'Token <base64 credentials token>'")
    match = await PartnerRepository(session).find_by_token(candidates)
    if match is None:
        raise UnauthorizedError("Unknown credentials token")
    return Caller(partner=match.partner, token_kind=match.kind, token=match.token)


async def authenticate_registered(request: Request, session: AsyncSession) -> Caller:
    """A registered partner's token: every functional module (token A is refused with HTTP 401)."""
    callers: CallerCache | None = getattr(request.app.state, "caller_cache", None)
    epoch = callers.epoch if callers is not None else 0
    caller = await authenticate(request, session)
    if not caller.registered:
        raise UnauthorizedError(
            "This token may only be used on the versions and credentials modules until registration completes"
        )
    if caller.partner.suspended_at is not None:
        raise PartnerSuspendedError(
            f"This partner is suspended by the operator of this platform since "
            f"{format_datetime(caller.partner.suspended_at)}: only the versions and credentials modules answer"
        )
    if callers is not None:
        callers.store(token_hashes(request.headers.get("Authorization")), caller.partner_id, epoch)
    return caller
