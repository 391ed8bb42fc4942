"""The hub's authorization answers as OCPP says them: 1.6 IdTagInfo (§7.2 AuthorizationStatus, §7.29) and 2.0.1
IdTokenInfoType (AuthorizationStatusEnumType); ocpp-notes §3.6. Pure translation."""

from __future__ import annotations

from datetime import UTC, datetime

from ocpp.v16.datatypes import IdTagInfo
from ocpp.v16.enums import AuthorizationStatus as Status16
from ocpp.v201.datatypes import IdTokenInfoType, IdTokenType
from ocpp.v201.enums import AuthorizationStatusEnumType as Status201
from ocpp.v201.enums import IdTokenEnumType

from hub.ports import AuthorizationAnswer, AuthorizationStatus

# 1.6 knows no NoCredit, NotAtThisLocation or Unknown: the driver may not charge, so Invalid.
STATUS_16: dict[AuthorizationStatus, Status16] = {
    AuthorizationStatus.ACCEPTED: Status16.accepted,
    AuthorizationStatus.BLOCKED: Status16.blocked,
    AuthorizationStatus.EXPIRED: Status16.expired,
    AuthorizationStatus.INVALID: Status16.invalid,
    AuthorizationStatus.NO_CREDIT: Status16.invalid,
    AuthorizationStatus.NOT_AT_THIS_LOCATION: Status16.invalid,
    AuthorizationStatus.CONCURRENT_TX: Status16.concurrent_tx,
    AuthorizationStatus.UNKNOWN: Status16.invalid,
}
STATUS_201: dict[AuthorizationStatus, Status201] = {
    AuthorizationStatus.ACCEPTED: Status201.accepted,
    AuthorizationStatus.BLOCKED: Status201.blocked,
    AuthorizationStatus.EXPIRED: Status201.expired,
    AuthorizationStatus.INVALID: Status201.invalid,
    AuthorizationStatus.NO_CREDIT: Status201.no_credit,
    AuthorizationStatus.NOT_AT_THIS_LOCATION: Status201.not_at_this_location,
    AuthorizationStatus.CONCURRENT_TX: Status201.concurrent_tx,
    AuthorizationStatus.UNKNOWN: Status201.unknown,
}
# IdTagInfo.parentIdTag is an IdToken: CiString20Type.
PARENT_ID_TAG_MAX = 20

# The hub answers "may not charge" when it has no answer to give.
REFUSED = AuthorizationAnswer(status=AuthorizationStatus.INVALID)


def ocpp_datetime(value: datetime) -> str:
    """A dateTime as both versions write it: UTC with milliseconds and Z."""
    moment = value.astimezone(UTC) if value.tzinfo is not None else value
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def id_tag_info(answer: AuthorizationAnswer | None) -> IdTagInfo:
    """1.6 idTagInfo; the group id is its parentIdTag when it fits one."""
    answer = answer or REFUSED
    group = answer.group_id if answer.group_id and len(answer.group_id) <= PARENT_ID_TAG_MAX else None
    return IdTagInfo(
        status=STATUS_16[answer.status],
        parent_id_tag=group,
        expiry_date=ocpp_datetime(answer.expiry) if answer.expiry is not None else None,
    )


def id_token_info(answer: AuthorizationAnswer | None) -> IdTokenInfoType:
    """2.0.1 idTokenInfo; the group id is its groupIdToken, of type Central (an identifier the CSMS side
    gave, not one read from a card)."""
    answer = answer or REFUSED
    group = IdTokenType(id_token=answer.group_id, type=IdTokenEnumType.central) if answer.group_id else None
    return IdTokenInfoType(
        status=STATUS_201[answer.status],
        cache_expiry_date_time=ocpp_datetime(answer.expiry) if answer.expiry is not None else None,
        group_id_token=group,
    )
