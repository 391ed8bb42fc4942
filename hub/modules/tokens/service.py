"""Tokens storage and our eMSP's real-time answers (mod_tokens_cpo_interface, mod_tokens_emsp_interface).

Tokens partners push to us are stored as sent. Our own eMSP parties' Tokens are stamped with the time of the
change, and only when something changed, so re-importing the same data bumps nothing; every change to them
records a change event."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import ConfigDict
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.errors import (
    InvalidParametersError,
    NotEnoughInformationError,
    ObjectNotFoundError,
    UnknownTokenError,
)
from hub.hub_role.broadcast import broadcast
from hub.modules.objects import Owner, Writer, check_same, from_json, key, same_content, to_json, validate
from hub.modules.tokens.repository import TokenRepository, token_id
from hub.ocpi.base import (
    CiString36,
    DisplayText,
    OcpiModel,
    ci_equal,
    format_datetime,
    parse_datetime,
    utc_now,
)
from hub.ocpi.envelope import dump
from hub.ocpi.v221.tokens import AllowedType, LocationReferences, Token, TokenPatch, TokenType
from hub.tables.tokens import TokenRecord

MODULE = "tokens"


class TokenNotFoundError(UnknownTokenError):
    """mod_tokens_post_method: an unknown Token "SHALL" get HTTP 404 and status 2004, and no `data`."""

    http_status = 404


class AuthorizationPolicy(OcpiModel):
    """How our eMSP answers real-time authorizations of one of our Tokens, beyond `valid` (not an OCPI object,
    never published; set through the admin API)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # The answer for a valid Token (BLOCKED, EXPIRED, NO_CREDIT, NOT_ALLOWED); absent: ALLOWED.
    allowed: AllowedType | None = None
    # When set, the Token may charge only at these Locations, so the request needs its LocationReferences.
    location_ids: list[CiString36] | None = None
    # Shown to the driver (AuthorizationInfo.info).
    info: DisplayText | None = None


@dataclass(frozen=True)
class Decision:
    """Our eMSP's verdict on one authorization request."""

    allowed: AllowedType
    location: LocationReferences | None = None
    authorization_reference: str | None = None
    info: DisplayText | None = None


def decide(
    token: dict[str, Any], policy: AuthorizationPolicy | None, location: LocationReferences | None
) -> Decision:
    """Our eMSP's rules: an invalid Token is never ALLOWED (BLOCKED unless the policy names another refusal);
    the policy's refusal applies to a valid one; a Token limited to some Locations needs the request's
    LocationReferences (2002 without them) and is NOT_ALLOWED elsewhere. Opening hours and EVSE status are
    not looked at ("the eMSP SHALL NOT validate that charging is possible based on" them)."""
    policy = policy or AuthorizationPolicy()
    allowed = policy.allowed or AllowedType.ALLOWED
    if not token.get("valid") and allowed == AllowedType.ALLOWED:
        allowed = AllowedType.BLOCKED
    if allowed != AllowedType.ALLOWED:
        return Decision(allowed, info=policy.info)
    if policy.location_ids is not None:
        if location is None:
            raise NotEnoughInformationError(
                f"Token {token['uid']} may charge only at some Locations: send LocationReferences in the body"
            )
        if not any(ci_equal(location.location_id, allowed_id) for allowed_id in policy.location_ids):
            return Decision(AllowedType.NOT_ALLOWED, info=policy.info)
    # AuthorizationInfo.location: "Only the EVSEs the EV driver is allowed to charge at": all of them here.
    return Decision(
        AllowedType.ALLOWED,
        location=location,
        authorization_reference=uuid.uuid4().hex,
        info=policy.info,
    )


def authorization_info(token: dict[str, Any], decision: Decision) -> dict[str, Any]:
    """The AuthorizationInfo JSON, with the Token exactly as stored."""
    info: dict[str, Any] = {"allowed": decision.allowed.value, "token": token}
    if decision.location is not None:
        info["location"] = dump(decision.location)
    if decision.authorization_reference is not None:
        info["authorization_reference"] = decision.authorization_reference
    if decision.info is not None:
        info["info"] = dump(decision.info)
    return info


def read_policy(record: TokenRecord) -> AuthorizationPolicy | None:
    return None if record.policy is None else AuthorizationPolicy.model_validate_json(record.policy)


class TokenService:
    """Operations on one owner's Tokens within one database session."""

    def __init__(self, session: AsyncSession, owner: Owner, writer: Writer) -> None:
        self.repo = TokenRepository(session)
        self.owner = owner
        self.writer = writer

    def _name(self, uid: str, token_type: TokenType) -> str:
        return f"Token {uid} (type {token_type.value}) of {self.owner}"

    async def _record(self, uid: str, token_type: TokenType) -> TokenRecord | None:
        record = await self.repo.get(self.owner, token_id(uid, token_type))
        if record is not None and self.writer.local and record.partner_id is not None:
            raise InvalidParametersError(f"{self._name(uid, token_type)} belongs to a partner, not to us")
        return record

    async def _existing(self, uid: str, token_type: TokenType, hint: str = "") -> TokenRecord:
        record = await self._record(uid, token_type)
        if record is None:
            raise ObjectNotFoundError(f"{self._name(uid, token_type)} not found{hint}")
        return record

    def _check_identity(self, uid: str, token_type: TokenType, body: Token | TokenPatch) -> None:
        check_same("country_code", self.owner.country_code, body.country_code)
        check_same("party_id", self.owner.party_id, body.party_id)
        check_same("uid", uid, body.uid)
        # The URL's `type` defaults to RFID when left out (mod_tokens_cpo_put_request_parameters).
        check_same("type", token_type.value, None if body.type is None else body.type.value)

    async def _store(
        self, record: TokenRecord | None, uid: str, token_type: TokenType, body: dict[str, Any]
    ) -> None:
        if record is None:
            record = TokenRecord(
                country_code=self.owner.country_code,
                party_id=self.owner.party_id,
                object_key=key(token_id(uid, token_type)),
                partner_id=self.writer.partner_id,
                last_updated=utc_now(),
                body="",
            )
        record.body = to_json(body)
        record.last_updated = parse_datetime(body["last_updated"])
        record.partner_id = self.writer.partner_id
        await self.repo.save(record)

    async def get(self, uid: str, token_type: TokenType) -> dict[str, Any]:
        return from_json((await self._existing(uid, token_type)).body)

    async def put(self, uid: str, token_type: TokenType, token: Token) -> tuple[bool, bool]:
        """Create or replace a Token. Returns (created, changed)."""
        self._check_identity(uid, token_type, token)
        record = await self._record(uid, token_type)
        body = dump(token)
        unchanged = record is not None and from_json(record.body) == body
        if self.writer.local:
            if record is not None and same_content(body, from_json(record.body)):
                return False, False
            body["last_updated"] = format_datetime(utc_now())
        await self._store(record, uid, token_type, body)
        if self.writer.local:
            await self.repo.record_change(
                MODULE, self.owner, body["uid"], "PUT", body, object_type=body["type"]
            )
        else:
            await self._broadcast("PUT", body, body, unchanged=unchanged)
        return record is None, True

    async def patch(self, uid: str, token_type: TokenType, patch: TokenPatch) -> bool:
        """Change some fields of a Token (e.g. `valid`). Returns changed."""
        self._check_identity(uid, token_type, patch)
        # A PATCH of an unknown Token: 404; the owner "is expected" to PUT it (transport_and_format_patch).
        record = await self._existing(uid, token_type, ": PUT the whole Token")
        old = from_json(record.body)
        changes = patch.model_dump(mode="json", exclude_unset=True)
        body = dump(validate(Token, {**old, **changes}))
        if self.writer.local:
            if same_content(body, old):
                return False
            body["last_updated"] = format_datetime(utc_now())
        await self._store(record, uid, token_type, body)
        # The event names the Token by uid and type too: the change_event row has no column for the type.
        event = {**changes, "uid": body["uid"], "type": body["type"], "last_updated": body["last_updated"]}
        if self.writer.local:
            await self.repo.record_change(
                MODULE, self.owner, body["uid"], "PATCH", event, object_type=body["type"]
            )
        else:
            await self._broadcast("PATCH", event, body, unchanged=body == old)
        return True

    async def _broadcast(
        self, method: str, change: dict[str, Any], token: dict[str, Any], *, unchanged: bool
    ) -> None:
        owner = (self.owner.country_code, self.owner.party_id)
        await broadcast(
            self.repo.session,
            self.writer.partner_id,
            MODULE,
            owner,
            token["uid"],
            method,
            change,
            object_type=token["type"],
            unchanged=unchanged,
        )

    async def policy(self, uid: str, token_type: TokenType) -> AuthorizationPolicy:
        return read_policy(await self._existing(uid, token_type)) or AuthorizationPolicy()

    async def set_policy(self, uid: str, token_type: TokenType, policy: AuthorizationPolicy) -> None:
        """Replace how our eMSP answers real-time authorizations of this Token (not part of the Token: its
        last_updated stays and no change event is recorded)."""
        record = await self._existing(uid, token_type)
        rules = dump(policy)
        record.policy = to_json(rules) if rules else None
        await self.repo.save(record)


async def authorize(
    session: AsyncSession,
    owners: list[Owner],
    uid: str,
    token_type: TokenType,
    location: LocationReferences | None,
) -> dict[str, Any]:
    """Our eMSP's answer to POST {tokens}/{uid}/authorize: the AuthorizationInfo JSON."""
    record = await TokenRepository(session).get_local(token_id(uid, token_type), owners)
    if record is None:
        raise TokenNotFoundError(f"Unknown Token {uid} (type {token_type.value})")
    token = from_json(record.body)
    return authorization_info(token, decide(token, read_policy(record), location))
