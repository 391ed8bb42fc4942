"""`ocpi-hub import stations` and the admin API's station mapping: a JSON array tying each station's OCPP
connectors to EVSEs and Connectors of one of our Locations, validated in full before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.config import Settings
from hub.db import SessionMaker
from hub.errors import describe_validation_errors
from hub.modules.local_parties import cpo_owners
from hub.modules.locations.service import repository as location_repository
from hub.modules.objects import Owner, from_json, key
from hub.ocpi.base import utc_now
from hub.operator.imports import ImportFileError, ImportReport, Invalid
from hub.stations.passwords import hash_password, verify_password
from hub.stations.repository import StationRepository
from hub.tables.stations import StationRecord

KIND = "stations"


class ConnectorMapping(BaseModel):
    """One OCPP connector and the OCPI EVSE and Connector it is. For OCPP 1.6 `evse` is the connectorId and
    `connector` stays 1; for 2.0.1 they are the evseId and the connectorId within that EVSE."""

    model_config = ConfigDict(extra="forbid")

    evse: int = Field(ge=1, description="OCPP 1.6 connectorId or 2.0.1 evseId")
    connector: int = Field(default=1, ge=1, description="OCPP 2.0.1 connectorId (1 for OCPP 1.6)")
    evse_uid: str = Field(min_length=1, max_length=36)
    connector_id: str = Field(min_length=1, max_length=36)


class StationEntry(BaseModel):
    """One station's mapping without its id (the admin API names the station in the URL)."""

    model_config = ConfigDict(extra="forbid")

    location_id: str = Field(min_length=1, max_length=36)
    country_code: str | None = Field(default=None, min_length=2, max_length=2)
    party_id: str | None = Field(default=None, min_length=3, max_length=3)
    password: str | None = Field(default=None, min_length=1, max_length=255)
    upstream_url: str | None = Field(default=None, max_length=255)
    connectors: list[ConnectorMapping] = Field(default_factory=list)

    @field_validator("upstream_url")
    @classmethod
    def _websocket_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parsed = urlsplit(value)
        if parsed.scheme not in ("ws", "wss") or not parsed.netloc:
            raise ValueError("must be a ws:// or wss:// URL (the existing CSMS's OCPP base URL)")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _unique_connectors(self) -> StationEntry:
        if (self.country_code is None) != (self.party_id is None):
            raise ValueError("give both country_code and party_id, or neither")
        seen: set[tuple[int, int]] = set()
        targets: set[tuple[str, str]] = set()
        for c in self.connectors:
            if (c.evse, c.connector) in seen:
                raise ValueError(f"evse {c.evse} connector {c.connector} is listed twice")
            if (key(c.evse_uid), key(c.connector_id)) in targets:
                raise ValueError(f"EVSE {c.evse_uid} Connector {c.connector_id} is listed twice")
            seen.add((c.evse, c.connector))
            targets.add((key(c.evse_uid), key(c.connector_id)))
        return self


class StationMapping(StationEntry):
    """One station of the import file."""

    # The last segment of the station's websocket URL; 2.0.1 allows 48 characters, real 1.6 chargers more.
    station_id: str = Field(min_length=1, max_length=64, pattern=r"^[^/\s]+$")


@dataclass
class Resolved:
    """A valid station with its Location's owner and the EVSE and Connector ids as the Location spells them."""

    index: int
    mapping: StationMapping
    owner: Owner
    connectors: list[dict[str, Any]]


def parse(items: Any) -> tuple[list[tuple[int, StationMapping]], list[Invalid]]:
    """Every item validated on its own; a station id twice is invalid."""
    if not isinstance(items, list):
        raise ImportFileError(f"expected a JSON array of stations, got a JSON {type(items).__name__}")
    valid: list[tuple[int, StationMapping]] = []
    invalid: list[Invalid] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        name = item.get("station_id") if isinstance(item, dict) else None
        prefix = f"station {name}: " if isinstance(name, str) else ""
        try:
            mapping = StationMapping.model_validate(item)
        except ValidationError as exc:
            reason = describe_validation_errors(exc.errors())
            invalid.append(Invalid(index, prefix + reason.removeprefix("body: ")))
            continue
        if mapping.station_id in seen:
            invalid.append(
                Invalid(index, f"station {mapping.station_id} repeats item {seen[mapping.station_id]}")
            )
            continue
        seen[mapping.station_id] = index
        valid.append((index, mapping))
    return valid, invalid


class _Locations:
    """Our own Locations, each read once per import."""

    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.owners = sorted(cpo_owners(settings), key=str)
        self._cache: dict[tuple[Owner, str], dict[str, Any] | None] = {}

    async def get(self, owner: Owner, location_id: str) -> dict[str, Any] | None:
        cache_key = (owner, key(location_id))
        if cache_key not in self._cache:
            record = await location_repository(self.session).get(owner, location_id)
            local = record is not None and record.partner_id is None
            self._cache[cache_key] = from_json(record.body) if local and record is not None else None
        return self._cache[cache_key]


def _find(items: list[dict[str, Any]] | None, field: str, value: str) -> dict[str, Any] | None:
    return next((item for item in items or [] if key(str(item.get(field, ""))) == key(value)), None)


async def _resolve(locations: _Locations, index: int, mapping: StationMapping) -> Resolved | Invalid:
    """The Location, EVSEs and Connectors the station names must exist among our own."""
    name = f"station {mapping.station_id}"
    if mapping.country_code is not None and mapping.party_id is not None:
        owner = Owner.of(mapping.country_code, mapping.party_id)
        if owner not in locations.owners:
            return Invalid(index, f"{name}: {owner} is not one of our CPO parties (OCPI_HUB_PARTIES)")
        candidates = [owner]
    else:
        candidates = list(locations.owners)
    found = [
        (o, body) for o in candidates if (body := await locations.get(o, mapping.location_id)) is not None
    ]
    if not found:
        return Invalid(
            index, f"{name}: Location {mapping.location_id} is not one of our Locations: import it first"
        )
    if len(found) > 1:
        parties = ", ".join(str(o) for o, _ in found)
        return Invalid(
            index,
            f"{name}: Location {mapping.location_id} exists for {parties}: give country_code and party_id",
        )
    owner, location = found[0]
    connectors: list[dict[str, Any]] = []
    for c in mapping.connectors:
        where = f"{name} evse {c.evse} connector {c.connector}"
        evse = _find(location.get("evses"), "uid", c.evse_uid)
        if evse is None:
            return Invalid(index, f"{where}: EVSE {c.evse_uid} is not in Location {location['id']}")
        connector = _find(evse.get("connectors"), "id", c.connector_id)
        if connector is None:
            return Invalid(index, f"{where}: Connector {c.connector_id} is not in EVSE {evse['uid']}")
        connectors.append(
            {
                "evse": c.evse,
                "connector": c.connector,
                "evse_uid": evse["uid"],
                "connector_id": connector["id"],
            }
        )
    return Resolved(index, mapping, owner, connectors)


def _claims(owner: Owner, location_id: str, connectors: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    return [
        (
            str(owner),
            key(location_id),
            key(c["evse_uid"]),
            key(c["connector_id"]),
            c["evse_uid"],
            c["connector_id"],
        )
        for c in connectors
    ]


async def _check_claims(repo: StationRepository, resolved: list[Resolved]) -> list[Invalid]:
    """One Connector is wired to one station: not to two of the file, nor to a station already mapped."""
    invalid: list[Invalid] = []
    owners: dict[tuple[str, ...], str] = {}
    for station in await repo.mapped_elsewhere([r.mapping.station_id for r in resolved]):
        if station.country_code is None or station.party_id is None or station.location_id is None:
            continue
        owner = Owner.of(station.country_code, station.party_id)
        for claim in _claims(owner, station.location_id, station.connectors):
            owners[claim[:4]] = station.station_id
    for r in resolved:
        for claim in _claims(r.owner, r.mapping.location_id, r.connectors):
            other = owners.get(claim[:4])
            if other is not None and other != r.mapping.station_id:
                invalid.append(
                    Invalid(
                        r.index,
                        f"station {r.mapping.station_id}: EVSE {claim[4]} Connector {claim[5]} is already "
                        f"mapped to station {other}",
                    )
                )
                break
            owners[claim[:4]] = r.mapping.station_id
    return invalid


def _apply(record: StationRecord, resolved: Resolved) -> bool:
    """Write the mapping into the record; False when nothing changed (a password that still verifies keeps
    its hash, so re-importing the same file changes nothing)."""
    mapping = resolved.mapping
    password_hash = record.password_hash
    if mapping.password is None:
        password_hash = None
    elif password_hash is None or not verify_password(mapping.password, password_hash):
        password_hash = hash_password(mapping.password)
    values: dict[str, Any] = {
        "country_code": resolved.owner.country_code,
        "party_id": resolved.owner.party_id,
        "location_id": mapping.location_id,
        "connectors": resolved.connectors,
        "password_hash": password_hash,
        "upstream_url": mapping.upstream_url,
        "auto_registered": False,
    }
    if all(getattr(record, field) == value for field, value in values.items()):
        return False
    for field, value in values.items():
        setattr(record, field, value)
    record.updated_at = utc_now()
    return True


async def import_stations(
    sessionmaker: SessionMaker, settings: Settings, items: Any, *, skip_invalid: bool = False
) -> ImportReport:
    """Validate everything first, then write in one transaction: an import is never partial by accident."""
    valid, invalid = parse(items)
    report = ImportReport(kind=KIND, total=len(items), invalid=invalid)
    async with sessionmaker() as session:
        locations = _Locations(session, settings)
        resolved: list[Resolved] = []
        for index, mapping in valid:
            outcome = await _resolve(locations, index, mapping)
            if isinstance(outcome, Invalid):
                report.invalid.append(outcome)
            else:
                resolved.append(outcome)
        repo = StationRepository(session)
        clashes = await _check_claims(repo, resolved)
        report.invalid.extend(clashes)
        report.invalid.sort(key=lambda i: i.index)
        if report.invalid and not skip_invalid:
            return report
        refused = {i.index for i in clashes}
        existing = await repo.by_ids([r.mapping.station_id for r in resolved])
        for r in resolved:
            if r.index in refused:
                continue
            record = existing.get(r.mapping.station_id)
            created = record is None
            if record is None:
                record = StationRecord(station_id=r.mapping.station_id)
            if _apply(record, r):
                session.add(record)
                if created:
                    report.created += 1
                else:
                    report.updated += 1
            else:
                report.unchanged += 1
        await session.commit()
    report.written = True
    return report
