"""A station's idToken checked by the token lookup of mod_tokens (ocpp-notes §3.6): OCPP IdTokenEnumType to
OCPI TokenType, AllowedType to the station's answer, and the CdrToken and AuthMethod a Session gets from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.modules.objects import Owner
from hub.modules.tokens.authorization import Authorization, AuthorizationSource
from hub.ocpi.v221.cdrs import AuthMethod
from hub.ocpi.v221.tokens import AllowedType, TokenType
from hub.ports import AuthorizationAnswer, AuthorizationStatus, IdToken

# 1.6 idTags carry no type: adapters call them ISO14443. An eMAID is a contract id, not a card uid; eMSPs
# push such tokens with type OTHER.
TOKEN_TYPES = {
    "ISO14443": TokenType.RFID,
    "ISO15693": TokenType.RFID,
    "CENTRAL": TokenType.APP_USER,
    "LOCAL": TokenType.AD_HOC_USER,
    "EMAID": TokenType.OTHER,
}
STATUSES = {
    AllowedType.ALLOWED: AuthorizationStatus.ACCEPTED,
    AllowedType.BLOCKED: AuthorizationStatus.BLOCKED,
    AllowedType.EXPIRED: AuthorizationStatus.EXPIRED,
    AllowedType.NO_CREDIT: AuthorizationStatus.NO_CREDIT,
}
# Placeholders of a Session started before anyone presented a token (2.0.1 started by plugging in).
NO_TOKEN = "UNKNOWN"


def token_type(token: IdToken) -> TokenType:
    """KeyCode, MacAddress, NoAuthorization and anything unknown are OTHER."""
    return TOKEN_TYPES.get(token.type.upper(), TokenType.OTHER)


def _unknown_to_emsp(authorization: Authorization) -> bool:
    # authorize_token answers the eMSP's 2004 ("unknown token") with this reason and no reference.
    return authorization.reason.startswith("the eMSP does not know")


def answer(authorization: Authorization) -> AuthorizationAnswer:
    """The station's answer. NOT_ALLOWED is NOT_AT_THIS_LOCATION when an eMSP (or our own eMSP's policy)
    decided, UNKNOWN when nobody knows the token, INVALID otherwise."""
    status = STATUSES.get(authorization.allowed)
    if status is None:
        if authorization.source == AuthorizationSource.UNKNOWN:
            status = AuthorizationStatus.UNKNOWN
        elif authorization.source == AuthorizationSource.REAL_TIME and _unknown_to_emsp(authorization):
            status = AuthorizationStatus.INVALID
        elif authorization.source in (AuthorizationSource.REAL_TIME, AuthorizationSource.OWN):
            status = AuthorizationStatus.NOT_AT_THIS_LOCATION
        else:
            status = AuthorizationStatus.INVALID
    token = authorization.token
    roaming = authorization.source in (AuthorizationSource.WHITELIST, AuthorizationSource.REAL_TIME) or (
        authorization.source == AuthorizationSource.NO_ANSWER and token is not None
    )
    return AuthorizationAnswer(
        status=status, roaming=roaming, group_id=None if token is None else token.group_id
    )


@dataclass(frozen=True)
class SessionAuth:
    """What a Session takes from the token that started or authorized it."""

    cdr_token: dict[str, Any]
    auth_method: AuthMethod
    authorization_reference: str | None
    answer: AuthorizationAnswer

    def dump(self) -> dict[str, Any]:
        return {
            "cdr_token": self.cdr_token,
            "auth_method": self.auth_method.value,
            "authorization_reference": self.authorization_reference,
            "answer": {
                "status": self.answer.status.value,
                "roaming": self.answer.roaming,
                "group_id": self.answer.group_id,
            },
        }

    @classmethod
    def load(cls, data: dict[str, Any]) -> SessionAuth:
        given = data["answer"]
        return cls(
            cdr_token=data["cdr_token"],
            auth_method=AuthMethod(data["auth_method"]),
            authorization_reference=data.get("authorization_reference"),
            answer=AuthorizationAnswer(
                AuthorizationStatus(given["status"]), bool(given["roaming"]), given.get("group_id")
            ),
        )


def _cdr_token(token: dict[str, Any]) -> dict[str, Any]:
    return {
        "country_code": token["country_code"],
        "party_id": token["party_id"],
        "uid": token["uid"],
        "type": token["type"],
        "contract_id": token["contract_id"],
    }


def ours(cpo: Owner, uid: str, kind: TokenType) -> dict[str, Any]:
    """The CdrToken of a token nobody knows (or of no token yet): owned by our CPO party, so that its Session
    and CDR are pushed to no eMSP."""
    return {
        "country_code": cpo.country_code,
        "party_id": cpo.party_id,
        "uid": uid,
        "type": kind.value,
        "contract_id": uid,
    }


def from_lookup(authorization: Authorization, cpo: Owner, token: IdToken) -> SessionAuth:
    """WHITELIST for a pushed (or our own) token, AUTH_REQUEST when an eMSP answered in real time."""
    known = authorization.token
    cdr_token = (
        _cdr_token(known.model_dump(mode="json"))
        if known is not None
        else ours(cpo, token.id_token, token_type(token))
    )
    method = (
        AuthMethod.AUTH_REQUEST
        if authorization.source == AuthorizationSource.REAL_TIME
        else AuthMethod.WHITELIST
    )
    return SessionAuth(cdr_token, method, authorization.authorization_reference, answer(authorization))


def from_command(token: dict[str, Any], authorization_reference: str | None) -> SessionAuth:
    """A START_SESSION's token: the CPO "SHALL NOT check the validity of the Token", so the station is told
    Accepted and the token is a roaming one."""
    return SessionAuth(
        _cdr_token(token),
        AuthMethod.COMMAND,
        authorization_reference,
        AuthorizationAnswer(AuthorizationStatus.ACCEPTED, roaming=True, group_id=token.get("group_id")),
    )


def no_token(cpo: Owner) -> SessionAuth:
    """A transaction started without a token (2.0.1 TxStartPoint EVConnected): its Session is PENDING."""
    return SessionAuth(
        ours(cpo, NO_TOKEN, TokenType.OTHER),
        AuthMethod.WHITELIST,
        None,
        AuthorizationAnswer(AuthorizationStatus.UNKNOWN),
    )
