"""CDRs: receiving partners' CDRs (mod_cdrs_emsp_interface), producing and storing our own
(mod_cdrs_cpo_interface, priced by hub.pricing), and the rules both obey. A CDR never changes once stored
(mod_cdrs_flow_and_lifecycle: "Changes are simply not allowed"); a correction is a Credit CDR."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.config import Settings
from hub.errors import InvalidParametersError, ObjectNotFoundError, UnknownLocationError
from hub.modules.locations.service import repository as location_repository
from hub.modules.objects import ObjectRepository, Owner, from_json, key, to_json, validate
from hub.modules.sessions.service import repository as session_repository
from hub.modules.tariffs.service import repository as tariff_repository
from hub.ocpi.base import (
    CiString36,
    CountryCode,
    DateTime,
    OcpiModel,
    PartyId,
    format_datetime,
    parse_datetime,
    utc_now,
)
from hub.ocpi.enums import Role
from hub.ocpi.envelope import dump
from hub.ocpi.v221.cdrs import (
    CDR,
    SESSION_ONLY_DIMENSIONS,
    CdrDimensionType,
    CdrLocationRef,
    CiString39,
    PricingInput,
)
from hub.ocpi.v221.tariffs import DecimalPrice, Tariff, TariffType
from hub.ocpi.v221.token_types import ProfileType, TokenType
from hub.pricing.engine import Cost, price_session, round4
from hub.tables.cdrs import CdrRecord
from hub.tables.sessions import SessionRecord

MODULE = "cdrs"

SECONDS_PER_HOUR = Decimal(3600)
# Tolerances of check_totals: what rounding to 4 decimals (types_number_type), and to cents, can explain.
ENERGY_TOLERANCE_KWH = Decimal("0.01")
ENERGY_TOLERANCE_SHARE = Decimal("0.001")
TIME_TOLERANCE_HOURS = Decimal("0.01")
COST_TOLERANCE = Decimal("0.01")


def repository(session: AsyncSession) -> ObjectRepository[CdrRecord]:
    return ObjectRepository(session, CdrRecord)


class DuplicateCdrError(InvalidParametersError):
    """A second CDR with the same (country_code, party_id, id): refused, the stored one stays as it is."""


# --- the totals rule --------------------------------------------------------------------------------


def _volume(cdr: CDR, kind: CdrDimensionType) -> tuple[Decimal, bool]:
    """Sum of one dimension over the charging periods, and whether any period carries it."""
    volumes = [d.volume for p in cdr.charging_periods for d in p.dimensions if d.type == kind]
    return sum(volumes, Decimal(0)), bool(volumes)


def _parts(cdr: CDR) -> list[DecimalPrice]:
    parts = (
        cdr.total_fixed_cost,
        cdr.total_energy_cost,
        cdr.total_time_cost,
        cdr.total_parking_cost,
        cdr.total_reservation_cost,
    )
    return [p for p in parts if p is not None]


def _cost_floor(cdr: CDR, parts: list[DecimalPrice], field: str) -> Decimal | None:
    """The least total_cost `field` (excl_vat or incl_vat) the parts allow: their sum, or less when a Tariff's
    max_price caps it (the smallest max_price among `tariffs`). None when a part lacks the field."""
    values = [getattr(p, field) for p in parts]
    if any(v is None for v in values):
        return None
    floor: Decimal = sum(values, Decimal(0))
    caps = [getattr(t.max_price, field) for t in cdr.tariffs or [] if t.max_price is not None]
    caps = [c for c in caps if c is not None]
    if caps:
        floor = min(floor, min(caps))
    return floor


def check_totals(cdr: CDR, original: CDR | None = None) -> None:
    """Refuse (2001, naming the total) a CDR whose totals do not add up. Checked, and only these:

    1. total_energy equals the sum of the ENERGY dimensions of the charging periods, within 0.01 kWh or 0.1%
       (whichever is more), when any period has an ENERGY dimension (periods need not carry one: the spec's
       own cdr_example has only TIME).
    2. total_time is at most end_date_time - start_date_time (+0.01 h), and at least the sum of the TIME and
       PARKING_TIME dimensions (-0.01 h): "Total duration of the charging session (including the duration of
       charging and not charging)".
    3. total_parking_time is at most total_time (+0.01 h) ("total_charging_time = total_time -
       total_parking_time"), and equals the sum of the PARKING_TIME dimensions (within 0.01 h) when any
       period has one.
    4. total_cost is not below the sum of the cost parts that are given (total_fixed_cost, total_energy_cost,
       total_time_cost, total_parking_cost, total_reservation_cost) less 0.01, for excl_vat, and for incl_vat
       when the total and every part given have it; unless the smallest max_price of the CDR's `tariffs` is
       lower, which then is the floor. A total above the sum is allowed: min_price raises only total_cost,
       and the parts are optional.
    5. A Credit CDR (credit=true) carries "the negative amounts of the original CDR" in total_cost only: its
       total_cost is not positive, rule 4 applies to the negated total, and when we hold the original CDR
       the credit's total_cost is exactly the original's negated.
    """
    energy, has_energy = _volume(cdr, CdrDimensionType.ENERGY)
    tolerance = max(ENERGY_TOLERANCE_KWH, abs(cdr.total_energy) * ENERGY_TOLERANCE_SHARE)
    if has_energy and abs(energy - cdr.total_energy) > tolerance:
        raise InvalidParametersError(
            f"total_energy: {cdr.total_energy} kWh differs from the sum of the ENERGY dimensions of "
            f"charging_periods ({energy} kWh)"
        )
    duration = Decimal((cdr.end_date_time - cdr.start_date_time).total_seconds()) / SECONDS_PER_HOUR
    if cdr.total_time > duration + TIME_TOLERANCE_HOURS:
        raise InvalidParametersError(
            f"total_time: {cdr.total_time} h is longer than end_date_time - start_date_time "
            f"({round4(duration)} h)"
        )
    time, _ = _volume(cdr, CdrDimensionType.TIME)
    parking, has_parking = _volume(cdr, CdrDimensionType.PARKING_TIME)
    if time + parking > cdr.total_time + TIME_TOLERANCE_HOURS:
        raise InvalidParametersError(
            f"total_time: {cdr.total_time} h is less than the TIME and PARKING_TIME dimensions of "
            f"charging_periods ({time + parking} h)"
        )
    if cdr.total_parking_time is not None:
        if cdr.total_parking_time > cdr.total_time + TIME_TOLERANCE_HOURS:
            raise InvalidParametersError(
                f"total_parking_time: {cdr.total_parking_time} h is longer than total_time ({cdr.total_time} h)"
            )
        if has_parking and abs(parking - cdr.total_parking_time) > TIME_TOLERANCE_HOURS:
            raise InvalidParametersError(
                f"total_parking_time: {cdr.total_parking_time} h differs from the sum of the PARKING_TIME "
                f"dimensions of charging_periods ({parking} h)"
            )
    _check_costs(cdr, original)


def _check_costs(cdr: CDR, original: CDR | None) -> None:
    """Rules 4 and 5 of check_totals."""
    total = cdr.total_cost
    if cdr.credit:
        if total.excl_vat > 0 or (total.incl_vat is not None and total.incl_vat > 0):
            raise InvalidParametersError(
                "total_cost: a Credit CDR carries the negated total_cost of the original CDR, so it cannot "
                "be positive"
            )
        if original is not None and not original.credit:
            expected = (
                -original.total_cost.excl_vat,
                None if original.total_cost.incl_vat is None else -original.total_cost.incl_vat,
            )
            if (total.excl_vat, total.incl_vat) != expected:
                raise InvalidParametersError(
                    f"total_cost: a Credit CDR for {original.id} SHALL carry its negated total_cost "
                    f"(excl_vat {expected[0]}, incl_vat {expected[1]})"
                )
    sign = Decimal(-1) if cdr.credit else Decimal(1)
    parts = _parts(cdr)
    for field in ("excl_vat", "incl_vat"):
        value = getattr(total, field)
        floor = _cost_floor(cdr, parts, field)
        if value is None or floor is None or not parts:
            continue
        if sign * value < floor - COST_TOLERANCE:
            raise InvalidParametersError(
                f"total_cost.{field}: {value} is below the sum of the cost parts ({floor})"
                + (", negated for this Credit CDR" if cdr.credit else "")
            )


# --- storing ------------------------------------------------------------------------------------------


def _record(owner: Owner, body: dict[str, Any], partner_id: int | None) -> CdrRecord:
    return CdrRecord(
        country_code=owner.country_code,
        party_id=owner.party_id,
        object_key=key(body["id"]),
        partner_id=partner_id,
        last_updated=parse_datetime(body["last_updated"]),
        body=to_json(body),
        token_country_code=body["cdr_token"]["country_code"].upper(),
        token_party_id=body["cdr_token"]["party_id"].upper(),
    )


async def _original(repo: ObjectRepository[CdrRecord], owner: Owner, cdr: CDR) -> CDR | None:
    if not cdr.credit or cdr.credit_reference_id is None:
        return None
    record = await repo.get(owner, cdr.credit_reference_id)
    return None if record is None else CDR.model_validate(from_json(record.body))


async def _insert(
    session: AsyncSession, repo: ObjectRepository[CdrRecord], record: CdrRecord, location: str
) -> None:
    try:
        async with session.begin_nested():
            await repo.save(record)
    except IntegrityError:
        # Another request stored the same CDR between our check and our insert.
        raise DuplicateCdrError(
            f"id: CDR {record.object_key} of {record.country_code}*{record.party_id} already exists; "
            "a CDR cannot be changed: send a Credit CDR with a new id",
            headers={"Location": location},
        ) from None


async def receive_cdr(session: AsyncSession, owner: Owner, cdr: CDR, partner_id: int, location: str) -> None:
    """Store a CDR a partner POSTs (the caller checked that `owner`, the CDR's party, is the partner's).

    - Its Location must be one the CPO gave us (2003), unless it is a home-charging CDR: those are "typically
      for home chargers", locations "that have not been published via the Location module".
    - Its totals must add up (check_totals, 2001).
    - The same (country_code, party_id, id) a second time is refused with 2001, whatever the body: "it cannot
      be changed or replaced once sent". The refusal carries the stored CDR's `Location`, so a sender
      unsure whether its first POST arrived can GET and compare.
    """
    repo = repository(session)
    existing = await repo.get(owner, cdr.id)
    if existing is not None:
        same = from_json(existing.body) == dump(cdr)
        raise DuplicateCdrError(
            f"id: CDR {cdr.id} of {owner} already exists"
            + (" with the same content" if same else " with different content")
            + "; a CDR cannot be changed: send a Credit CDR with a new id",
            headers={"Location": location},
        )
    if (
        not cdr.home_charging_compensation
        and await location_repository(session).get(owner, cdr.cdr_location.id) is None
    ):
        raise UnknownLocationError(
            f"cdr_location.id: Location {cdr.cdr_location.id} of {owner} is unknown: PUT the Location first"
        )
    check_totals(cdr, await _original(repo, owner, cdr))
    await _insert(session, repo, _record(owner, dump(cdr), partner_id), location)


async def get_cdr(session: AsyncSession, owner: Owner, cdr_id: str, *, local: bool) -> dict[str, Any]:
    record = await repository(session).get(owner, cdr_id)
    if record is None or (record.partner_id is None) != local:
        raise ObjectNotFoundError(f"CDR {cdr_id} of {owner} not found")
    return from_json(record.body)


# --- producing our own CDRs -----------------------------------------------------------------------------


class _DraftKeys(OcpiModel):
    """What produce_cdr must read before it can fill in the rest."""

    country_code: CountryCode
    party_id: PartyId
    id: CiString39
    session_id: CiString36 | None = None


class _Times(OcpiModel):
    start_date_time: DateTime
    end_date_time: DateTime


# Fields a CDR takes from our stored Session when the draft leaves them out.
_FROM_SESSION = (
    "start_date_time",
    "end_date_time",
    "cdr_token",
    "auth_method",
    "authorization_reference",
    "meter_id",
    "currency",
    "charging_periods",
)
_COST_FIELDS = (
    "total_cost",
    "total_fixed_cost",
    "total_energy_cost",
    "total_time_cost",
    "total_parking_cost",
    "total_reservation_cost",
)


def _find(items: Any, field: str, value: str) -> dict[str, Any] | None:
    for item in items or []:
        if isinstance(item, dict) and str(item.get(field, "")).upper() == value.upper():
            return item
    return None


def _price(cost: Cost) -> dict[str, Decimal]:
    price = {"excl_vat": cost.excl_vat}
    if cost.incl_vat is not None:
        price["incl_vat"] = cost.incl_vat
    return price


def _zone(location: dict[str, Any]) -> tzinfo:
    """The Location's time zone; pricing in a wrong zone would bill the wrong prices, so none is guessed."""
    name = str(location.get("time_zone"))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidParametersError(
            f"cdr_location.id: Location {location['id']} has time_zone {name!r}, not an IANA time zone: "
            "the CDR cannot be priced"
        ) from None


def _wanted_types(token_type: Any, preferences: dict[str, Any] | None) -> set[str | None]:
    """The Tariff types that fit the session (mod_tariffs_tariff_type)."""
    if token_type == TokenType.AD_HOC_USER:
        return {TariffType.AD_HOC_PAYMENT}
    profile = (preferences or {}).get("profile_type")
    if profile is not None and profile != ProfileType.REGULAR:
        return {f"PROFILE_{profile}"}
    return {TariffType.REGULAR, None}


def _valid_at(tariff: Tariff, moment: datetime) -> bool:
    return (tariff.start_date_time is None or tariff.start_date_time <= moment) and (
        tariff.end_date_time is None or moment < tariff.end_date_time
    )


async def _tariff(
    session: AsyncSession, owner: Owner, tariff_ids: Iterable[str], start: datetime, wanted: set[str | None]
) -> Tariff | None:
    """The Connector's Tariff for this CDR: among its tariff_ids that are our Tariffs valid at the session's
    start ("as they were at the start of the charging session"), the first of a type that fits the session,
    else the first."""
    repo = tariff_repository(session)
    candidates: list[Tariff] = []
    for tariff_id in tariff_ids:
        record = await repo.get(owner, tariff_id)
        if record is None or record.partner_id is not None:
            continue
        tariff = Tariff.model_validate(from_json(record.body))
        if _valid_at(tariff, start):
            candidates.append(tariff)
    for tariff in candidates:
        if tariff.type in wanted:
            return tariff
    return candidates[0] if candidates else None


def _cdr_periods(periods: list[dict[str, Any]], tariff_id: str) -> list[dict[str, Any]]:
    """Periods as a CDR carries them: Session-only dimensions dropped (CdrDimensionType: "SHALL therefor only
    be used in Sessions"), periods left empty dropped, and the Tariff that priced each named."""
    result = []
    for period in periods:
        dimensions = [
            d for d in period.get("dimensions") or [] if d.get("type") not in SESSION_ONLY_DIMENSIONS
        ]
        if dimensions:
            result.append(
                {**period, "dimensions": dimensions, "tariff_id": period.get("tariff_id") or tariff_id}
            )
    return result


async def _fill_from_session(
    session: AsyncSession, owner: Owner, session_id: str | None, body: dict[str, Any]
) -> SessionRecord | None:
    """Fill the fields the draft leaves out from our Session `session_id`; returns that Session if ours."""
    if session_id is None:
        return None
    record = await session_repository(session).get(owner, session_id)
    if record is None or record.partner_id is not None:
        return None
    ours = from_json(record.body)
    for field in _FROM_SESSION:
        if body.get(field) is None and ours.get(field) is not None:
            body[field] = ours[field]
    if body.get("cdr_location") is None:
        body["cdr_location"] = {
            "id": ours["location_id"],
            "evse_uid": ours["evse_uid"],
            "connector_id": ours["connector_id"],
        }
    return record


async def _our_connector(
    session: AsyncSession, owner: Owner, given: Any
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Our Location, EVSE and Connector named by the draft's cdr_location (2003 when not ours)."""
    if given is None:
        raise InvalidParametersError("cdr_location: is required (id, evse_uid and connector_id at least)")
    ref = validate(CdrLocationRef, given, prefix="cdr_location.")
    if ref.evse_uid is None or ref.connector_id is None:
        raise InvalidParametersError("cdr_location: id, evse_uid and connector_id are required")
    record = await location_repository(session).get(owner, ref.id)
    if record is None or record.partner_id is not None:
        raise UnknownLocationError(f"cdr_location.id: Location {ref.id} of {owner} is not one of ours")
    location = from_json(record.body)
    evse = _find(location.get("evses"), "uid", ref.evse_uid)
    if evse is None:
        raise UnknownLocationError(
            f"cdr_location.evse_uid: EVSE {ref.evse_uid} of Location {ref.id} not found"
        )
    connector = _find(evse.get("connectors"), "id", ref.connector_id)
    if connector is None:
        raise UnknownLocationError(
            f"cdr_location.connector_id: Connector {ref.connector_id} of EVSE {ref.evse_uid} not found"
        )
    return location, evse, connector


def _cdr_location(
    location: dict[str, Any], evse: dict[str, Any], connector: dict[str, Any], given: dict[str, Any]
) -> dict[str, Any]:
    """CdrLocation from our data; values the draft gives win (a CSMS may have kept them as at the start)."""
    built = {
        "id": location["id"],
        "name": location.get("name"),
        "address": location["address"],
        "city": location["city"],
        "postal_code": location.get("postal_code"),
        "state": location.get("state"),
        "country": location["country"],
        "coordinates": location["coordinates"],
        "evse_uid": evse["uid"],
        "evse_id": evse.get("evse_id") or "#NA",
        "connector_id": connector["id"],
        "connector_standard": connector["standard"],
        "connector_format": connector["format"],
        "connector_power_type": connector["power_type"],
        **given,
    }
    return {k: v for k, v in built.items() if v is not None}


def _dimension_sum(periods: list[dict[str, Any]], kind: CdrDimensionType) -> Decimal | None:
    volumes = [Decimal(str(d["volume"])) for p in periods for d in p["dimensions"] if d["type"] == kind]
    return sum(volumes, Decimal(0)) if volumes else None


async def produce_cdr(
    session: AsyncSession, settings: Settings, cdr_fields: dict[str, Any]
) -> dict[str, Any]:
    """Build, price, store and announce one of our own CDRs from `cdr_fields`, a CDR without costs.

    - The owner must be one of our CPO parties; the CDR's Location, EVSE and Connector must be ours (2003);
      an id we already hold is refused (2001: a CDR never changes).
    - Fields left out are taken from our Session `session_id` (token, times, periods, currency, ...), and
      `cdr_location` is completed from our Location, EVSE and Connector; total_energy defaults to the ENERGY
      dimensions, total_time to end - start, total_parking_time to the PARKING_TIME dimensions.
    - The Tariff is the Connector's (see _tariff); the charging periods are priced with it in the Location's
      time_zone by hub.pricing, which fills the six cost totals (any given are replaced); the Tariff is
      embedded in `tariffs` and named in every period's tariff_id.
    - The CDR must pass CDR validation and check_totals; it is stored with last_updated = now (its creation,
      the only last_updated a 2.2.1 CDR has), and a change event (method POST, as CDRs are pushed) is
      recorded in the same transaction.
    """
    keys = validate(_DraftKeys, cdr_fields)
    owner = Owner.of(keys.country_code, keys.party_id)
    if not any(
        p.role == Role.CPO and Owner.of(p.country_code, p.party_id) == owner for p in settings.parties
    ):
        raise InvalidParametersError(f"country_code/party_id: {owner} is not one of our CPO parties")
    repo = repository(session)
    if await repo.get(owner, keys.id) is not None:
        raise DuplicateCdrError(
            f"id: CDR {keys.id} of {owner} already exists; a CDR cannot be changed: send a Credit CDR with a new id"
        )
    body = {k: v for k, v in cdr_fields.items() if k not in _COST_FIELDS}
    ours = await _fill_from_session(session, owner, keys.session_id, body)
    location, evse, connector = await _our_connector(session, owner, body.get("cdr_location"))
    given = {k: v for k, v in (cdr_fields.get("cdr_location") or {}).items() if v is not None}
    body["cdr_location"] = _cdr_location(location, evse, connector, given)
    # The times first: the Tariff is chosen as it was at the start.
    times = validate(_Times, body)
    preferences = from_json(ours.charging_preferences) if ours and ours.charging_preferences else None
    tariff = await _tariff(
        session,
        owner,
        connector.get("tariff_ids") or [],
        times.start_date_time,
        _wanted_types((body.get("cdr_token") or {}).get("type"), preferences),
    )
    if tariff is None:
        raise InvalidParametersError(
            f"cdr_location.connector_id: Connector {connector['id']} of EVSE {evse['uid']} has no Tariff of "
            "ours valid at start_date_time: the CDR cannot be priced"
        )
    if body.get("currency") is None:
        body["currency"] = tariff.currency
    elif str(body["currency"]) != tariff.currency:
        raise InvalidParametersError(
            f"currency: {body['currency']} differs from the currency of Tariff {tariff.id} ({tariff.currency})"
        )
    body["charging_periods"] = _cdr_periods(list(body.get("charging_periods") or []), tariff.id)
    body["tariffs"] = [dump(tariff)]
    body["last_updated"] = format_datetime(utc_now())
    if body.get("total_energy") is None:
        body["total_energy"] = _dimension_sum(body["charging_periods"], CdrDimensionType.ENERGY) or 0
    if body.get("total_time") is None:
        elapsed = Decimal((times.end_date_time - times.start_date_time).total_seconds())
        body["total_time"] = round4(elapsed / SECONDS_PER_HOUR)
    if body.get("total_parking_time") is None:
        body["total_parking_time"] = _dimension_sum(body["charging_periods"], CdrDimensionType.PARKING_TIME)
    priced = price_session(tariff, validate(PricingInput, body), _zone(location))
    body["total_cost"] = _price(priced.total_cost)
    body["total_fixed_cost"] = _price(priced.total_fixed_cost)
    body["total_energy_cost"] = _price(priced.total_energy_cost)
    body["total_time_cost"] = _price(priced.total_time_cost)
    body["total_parking_cost"] = _price(priced.total_parking_cost)
    body["total_reservation_cost"] = _price(priced.total_reservation_cost)
    cdr = validate(CDR, body)
    check_totals(cdr)
    canonical: dict[str, Any] = dump(cdr)
    location_url = (
        f"{settings.base_url}/admin/cdrs/{owner.country_code}/{owner.party_id}/{quote(cdr.id, safe='')}"
    )
    await _insert(session, repo, _record(owner, canonical, None), location_url)
    token = canonical["cdr_token"]
    await repo.record_change(
        MODULE,
        owner,
        canonical["id"],
        "POST",
        canonical,
        token_owner=(token["country_code"].upper(), token["party_id"].upper()),
    )
    return canonical
