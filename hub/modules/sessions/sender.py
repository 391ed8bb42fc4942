"""Sessions, Sender interface (mod_sessions_cpo_interface): our CPO parties' Sessions, to the eMSP each is
billed to, and Charging Preferences for them."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from hub.deps import CallerDep, RoutingDep, SessionDep, SettingsDep
from hub.errors import InvalidParametersError, ObjectNotFoundError
from hub.modules.local_parties import sender_owners
from hub.modules.objects import parse_page
from hub.modules.sender_lists import cached_list, visibility
from hub.modules.sessions.service import repository, set_charging_preferences
from hub.modules.sessions.visibility import owns_token, page_for_token_owners, token_owners
from hub.ocpi.base import utc_now
from hub.ocpi.enums import Role
from hub.ocpi.envelope import OcpiResponse
from hub.ocpi.v221.sessions import ChargingPreferences, ChargingPreferencesResponse, Session
from hub.tables.sessions import SessionRecord
from hub.transport import ocpi_response

router = APIRouter()


@router.get("", response_model=OcpiResponse[list[Session]])
async def list_sessions(
    request: Request, caller: CallerDep, routing: RoutingDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """Our Sessions billed to the caller, paginated; date_from is required (date_to, offset, limit are not)."""
    # mod_sessions_cpo_get_request_parameters marks date_from "Required: yes", unlike every other list.
    if not request.query_params.get("date_from"):
        raise InvalidParametersError(
            "date_from: is required for the Sessions list (mod_sessions_cpo_get_request_parameters)"
        )
    page = parse_page(request, settings.page_limit)
    owners = sender_owners(settings, Role.CPO, routing)
    billed_to = await token_owners(session, caller, routing)
    return await cached_list(
        request,
        seen=visibility(owners, billed_to),
        page=page,
        base_url=settings.base_url,
        max_limit=settings.page_limit,
        query=lambda: page_for_token_owners(
            session, SessionRecord, owners=owners, token_owners=billed_to, page=page
        ),
    )


@router.put("/{session_id}/charging_preferences", response_model=OcpiResponse[ChargingPreferencesResponse])
async def put_charging_preferences(
    session_id: str,
    preferences: ChargingPreferences,
    caller: CallerDep,
    routing: RoutingDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Set the driver's Charging Preferences for one of our ongoing Sessions."""
    record = await repository(session).get_local(session_id, sender_owners(settings, Role.CPO, routing))
    # A Session billed to another eMSP is as unknown to the caller as one that does not exist.
    if record is None or not owns_token(
        await token_owners(session, caller, routing), record.token_country_code, record.token_party_id
    ):
        raise ObjectNotFoundError(f"Session {session_id} not found")
    answer = await set_charging_preferences(session, record, preferences, utc_now())
    return ocpi_response(answer.value)
