"""May this Token charge here now? The CPO side of mod_tokens_real-time_authorization and the WhitelistType.

The answer comes from the Tokens eMSPs pushed to us, or in real time from the Token's eMSP.

Which answer counts, per Token.whitelist:

=================  =====================================================================================
ALWAYS             the pushed Token only ("realtime authorization is not possible/allowed")
ALLOWED            real time when the eMSP gives an answer; otherwise (unreachable, or it refused the
                   request itself) the pushed Token ("The CPO may choose which version ... to use")
ALLOWED_OFFLINE    real time; the pushed Token only when the eMSP cannot be reached ("communication
                   between CPO and eMSP is offline"); a request the eMSP refuses is NOT_ALLOWED
NEVER              real time only; no answer is NOT_ALLOWED
=================  =====================================================================================

"Cannot be reached": no partner with the Token's EMSP role or no Tokens SENDER endpoint, a transport error or
timeout, HTTP 5xx/429, OCPI 3xxx/4xxx, or a reply that is not an AuthorizationInfo. "Refused": HTTP 4xx or
OCPI 2xxx other than 2004 (e.g. 2002, the eMSP wanting a Location we did not give).

A pushed Token with `valid = false` is BLOCKED when the pushed Token decides, but does not skip real-time
authorization ("If a Token is: valid = false, when the whitelist field requires real-time authorization, the
CPO SHALL do a real-time authorization, the state of the Token might have changed"). An answer of 2004 means
the eMSP does not know the Token: NOT_ALLOWED, whatever the whitelist.

A Token nobody pushed to us has no known eMSP. When exactly one registered partner could answer for it (an
EMSP or HUB role with a Tokens SENDER endpoint) we ask that one, without OCPI-to-* headers (a Hub routes it,
as open routing allows); with several we ask none, so that a card's uid is not shown to eMSPs that do not
issue it, and the answer is NOT_ALLOWED (source UNKNOWN). Our own eMSP parties' Tokens are decided here by
the rules of our own Sender interface.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.errors import NotEnoughInformationError
from hub.modules.objects import Owner, from_json
from hub.modules.tokens.repository import (
    TokenRepository,
    authorizing_partners,
    own_location_owner,
    tokens_sender_url,
)
from hub.modules.tokens.service import decide, read_policy
from hub.ocpi.base import DisplayText, ci_equal
from hub.ocpi.enums import Role
from hub.ocpi.envelope import dump
from hub.ocpi.headers import PartyRef, RoutingHeaders
from hub.ocpi.status import StatusCode
from hub.ocpi.v221.tokens import (
    AllowedType,
    AuthorizationInfo,
    LocationReferences,
    Token,
    TokenType,
    WhitelistType,
)
from hub.partners.client import PartnerClient, PartnerError, PartnerRejectedError
from hub.partners.repository import PartnerRepository
from hub.tables.tokens import TokenRecord

log = logging.getLogger("hub.tokens")

__all__ = ["Authorization", "AuthorizationSource", "authorize_token"]


class AuthorizationSource(StrEnum):
    """Where an Authorization's answer came from."""

    WHITELIST = "WHITELIST"  # the Token its eMSP pushed to us
    REAL_TIME = "REAL_TIME"  # the eMSP's answer to POST {tokens}/{uid}/authorize
    OWN = "OWN"  # one of our own eMSP parties' Tokens, decided here
    NO_ANSWER = "NO_ANSWER"  # real time was required and the eMSP could not be asked or gave no answer
    UNKNOWN = "UNKNOWN"  # nobody pushed the Token to us and there was no single partner to ask


@dataclass(frozen=True)
class Authorization:
    """The answer to "may this Token charge here now?". Charge only when `allowed` is ALLOWED (`accepted`)."""

    allowed: AllowedType
    source: AuthorizationSource
    # The Token as the eMSP last told us (its real-time answer, else the pushed Token); None when unknown.
    token: Token | None = None
    # To be copied into the Session and CDR (AuthorizationInfo.authorization_reference).
    authorization_reference: str | None = None
    # The Location and the EVSEs the eMSP allowed, when it answered for a Location.
    location: LocationReferences | None = None
    # Text for the driver, from the eMSP.
    info: DisplayText | None = None
    # Why, in one line, for logs and the operator.
    reason: str = ""

    @property
    def accepted(self) -> bool:
        return self.allowed == AllowedType.ALLOWED


@dataclass(frozen=True)
class _Answered:
    info: AuthorizationInfo


@dataclass(frozen=True)
class _Failed:
    reason: str
    # True: the eMSP could not be reached at all; False: it answered, refusing the request itself.
    offline: bool


@dataclass(frozen=True)
class _UnknownToEmsp:
    reason: str


_Outcome = _Answered | _Failed | _UnknownToEmsp


async def authorize_token(
    session: AsyncSession,
    client: PartnerClient,
    *,
    uid: str,
    token_type: TokenType,
    location_id: str | None = None,
    evse_uids: Sequence[str] | None = None,
    cpo: Owner | None = None,
    real_time_timeout: float | None = None,
) -> Authorization:
    """May the Token (`uid`, `token_type`) charge at `location_id` (and `evse_uids`) now?

    Reads only; the one partner call is a real-time authorization (mod_tokens_post_method) with the
    LocationReferences when `location_id` is given. `cpo` is the CPO party asking (OCPI-from-*), by
    default the owner of `location_id` when it is one of our Locations. `real_time_timeout` bounds the
    real-time call in seconds (the partner client's own timeout applies too); a charger waiting for the
    answer should set it, so that the whitelist can still decide in time.
    """
    location = (
        LocationReferences(location_id=location_id, evse_uids=list(evse_uids) if evse_uids else None)
        if location_id is not None
        else None
    )
    if cpo is None and location_id is not None:
        cpo = await own_location_owner(session, location_id)
    repo = TokenRepository(session)
    pushed = _best(await repo.pushed(uid, token_type))
    if pushed is None:
        own = await repo.own(uid, token_type)
        if own is not None:
            return _own(own, location)
        return await _unknown(session, client, uid, token_type, location, cpo, real_time_timeout)

    token = Token.model_validate_json(pushed.body)
    if token.whitelist == WhitelistType.ALWAYS:
        return _whitelisted(token, "whitelist ALWAYS: the pushed Token decides")
    emsp = PartyRef(token.country_code, token.party_id)
    partner_id = await PartnerRepository(session).registered_role_owner(
        Role.EMSP.value, token.country_code, token.party_id
    )
    if partner_id is None:
        outcome: _Outcome = _Failed(f"no registered partner has the EMSP role {emsp}", offline=True)
    else:
        outcome = await _ask(
            session, client, partner_id, emsp, uid, token_type, location, cpo, real_time_timeout
        )

    if isinstance(outcome, _Answered):
        return _real_time(outcome.info, location)
    if isinstance(outcome, _UnknownToEmsp):
        return Authorization(
            AllowedType.NOT_ALLOWED, AuthorizationSource.REAL_TIME, token, reason=outcome.reason
        )
    if token.whitelist == WhitelistType.ALLOWED or (
        token.whitelist == WhitelistType.ALLOWED_OFFLINE and outcome.offline
    ):
        return _whitelisted(
            token, f"whitelist {token.whitelist.value}, no real-time answer: {outcome.reason}"
        )
    return Authorization(
        AllowedType.NOT_ALLOWED,
        AuthorizationSource.NO_ANSWER,
        token,
        reason=f"whitelist {token.whitelist.value} needs a real-time answer: {outcome.reason}",
    )


def _best(records: Sequence[TokenRecord]) -> TokenRecord | None:
    """Two eMSPs pushing the same uid and type is unlikely; when it happens a valid Token beats an invalid
    one, then the most recently updated wins (`records` come newest first)."""
    for record in records:
        if from_json(record.body).get("valid"):
            return record
    return records[0] if records else None


def _whitelisted(token: Token, reason: str) -> Authorization:
    allowed = AllowedType.ALLOWED if token.valid else AllowedType.BLOCKED
    return Authorization(
        allowed, AuthorizationSource.WHITELIST, token, reason=f"{reason} (valid={str(token.valid).lower()})"
    )


def _own(record: TokenRecord, location: LocationReferences | None) -> Authorization:
    body = from_json(record.body)
    token = Token.model_validate(body)
    try:
        decision = decide(body, read_policy(record), location)
    except NotEnoughInformationError as exc:
        return Authorization(AllowedType.NOT_ALLOWED, AuthorizationSource.OWN, token, reason=exc.message)
    return Authorization(
        decision.allowed,
        AuthorizationSource.OWN,
        token,
        authorization_reference=decision.authorization_reference,
        location=decision.location,
        info=decision.info,
        reason=f"our own Token of {record.country_code}*{record.party_id}",
    )


def _real_time(info: AuthorizationInfo, location: LocationReferences | None) -> Authorization:
    allowed, reason = info.allowed, "the eMSP answered in real time"
    # AuthorizationInfo.location lists "Only the EVSEs the EV driver is allowed to charge at".
    if (
        allowed == AllowedType.ALLOWED
        and location is not None
        and location.evse_uids
        and info.location is not None
        and info.location.evse_uids
        and not any(ci_equal(a, b) for a in location.evse_uids for b in info.location.evse_uids)
    ):
        allowed, reason = AllowedType.NOT_ALLOWED, "the eMSP allowed other EVSEs than these"
    return Authorization(
        allowed,
        AuthorizationSource.REAL_TIME,
        info.token,
        authorization_reference=info.authorization_reference,
        location=info.location,
        info=info.info,
        reason=reason,
    )


async def _unknown(
    session: AsyncSession,
    client: PartnerClient,
    uid: str,
    token_type: TokenType,
    location: LocationReferences | None,
    cpo: Owner | None,
    real_time_timeout: float | None,
) -> Authorization:
    candidates = await authorizing_partners(session)
    if len(candidates) != 1:
        return Authorization(
            AllowedType.NOT_ALLOWED,
            AuthorizationSource.UNKNOWN,
            reason=f"no eMSP pushed this Token to us and {len(candidates)} partners could answer: none asked",
        )
    outcome = await _ask(
        session, client, candidates[0], None, uid, token_type, location, cpo, real_time_timeout
    )
    if isinstance(outcome, _Answered):
        return _real_time(outcome.info, location)
    if isinstance(outcome, _UnknownToEmsp):
        return Authorization(AllowedType.NOT_ALLOWED, AuthorizationSource.REAL_TIME, reason=outcome.reason)
    return Authorization(
        AllowedType.NOT_ALLOWED,
        AuthorizationSource.NO_ANSWER,
        reason=f"no eMSP pushed this Token to us and real time gave no answer: {outcome.reason}",
    )


async def _ask(
    session: AsyncSession,
    client: PartnerClient,
    partner_id: int,
    emsp: PartyRef | None,
    uid: str,
    token_type: TokenType,
    location: LocationReferences | None,
    cpo: Owner | None,
    real_time_timeout: float | None,
) -> _Outcome:
    """POST {tokens}/{uid}/authorize?type= to the partner's Tokens SENDER endpoint."""
    partner = await PartnerRepository(session).get(partner_id)
    endpoint = await tokens_sender_url(session, partner_id)
    if partner is None or partner.token_out is None:
        return _Failed(f"partner {partner_id} has no token for us to call it with", offline=True)
    if endpoint is None:
        return _Failed(f"partner {partner_id} announced no tokens SENDER endpoint", offline=True)
    url = f"{endpoint.rstrip('/')}/{quote(uid, safe='')}/authorize?type={token_type.value}"
    headers = RoutingHeaders(
        to=emsp, from_=None if cpo is None else PartyRef(cpo.country_code, cpo.party_id)
    ).as_headers()
    try:
        async with asyncio.timeout(real_time_timeout):
            reply = await client.call(
                "POST",
                url,
                token=partner.token_out,
                raw_token=partner.send_raw_token,
                json=None if location is None else dump(location),
                headers=headers,
            )
    except TimeoutError:
        log.warning("POST %s: no answer within %s s", url, real_time_timeout)
        return _Failed(f"POST {url}: no answer within {real_time_timeout} s", offline=True)
    except PartnerRejectedError as exc:
        if exc.ocpi_status == StatusCode.UNKNOWN_TOKEN:
            return _UnknownToEmsp(f"the eMSP does not know this Token ({exc})")
        log.warning("real-time authorization refused: %s", exc)
        return _Failed(str(exc), offline=False)
    except PartnerError as exc:
        log.warning("real-time authorization failed: %s", exc)
        return _Failed(str(exc), offline=True)
    try:
        return _Answered(AuthorizationInfo.model_validate(reply.data))
    except ValidationError as exc:
        log.warning("POST %s: not an AuthorizationInfo: %s", url, exc)
        return _Failed(f"POST {url}: the answer is not an AuthorizationInfo", offline=True)
