"""A real 1.6 charger's MeterValues kept in the hub's memory between writes (hub.charging.live): when the
station's websocket closes, what they said is written to the transaction row, so the process that takes
the station next (here the same one, after its reconnect) continues from it; on both engines."""

from __future__ import annotations

from sqlmodel import col, select

from hub.tables.charging import TransactionRecord
from tests.ocpp.chargers import station
from tests.ocpp.test_charging_e2e import MIN, Site, fakes, site, wire  # noqa: F401 (fixtures)


async def row(at: Site, transaction_id: str) -> TransactionRecord:
    async with at.gateway.app.state.sessionmaker() as session:
        statement = select(TransactionRecord).where(
            col(TransactionRecord.station_id) == "CP16",
            col(TransactionRecord.transaction_id) == transaction_id,
        )
        record: TransactionRecord = (await session.exec(statement)).one()
        return record


async def test_readings_held_in_memory_are_written_when_the_station_disconnects(site: Site) -> None:  # noqa: F811
    t0 = site.t0
    async with station(site.gateway.ws, "CP16") as cp:
        await cp.boot()
        started = await cp.start_transaction(2, "CARD1", 1000, wire(t0))
        tx = started.transaction_id
        await cp.meter(2, tx, (wire(t0 + 10 * MIN), [{"value": "2000"}]))  # the first update is written
        power = {"value": "11000", "measurand": "Power.Active.Import", "unit": "W"}
        await cp.meter(2, tx, (wire(t0 + 20 * MIN), [{"value": "4000"}, power]))  # within the minute
        held = await row(site, str(tx))
        assert held.state["meter"]["last_wh"] == "2000"
    await site.gateway.until_state("CP16", "offline")
    kept = await row(site, str(tx))
    assert kept.state["meter"]["last_wh"] == "4000"
    assert kept.state["meter"]["periods"][0]["max_power_w"] == "11000"
    assert kept.last_event_at == t0 + 20 * MIN
    async with station(site.gateway.ws, "CP16") as cp:
        await cp.boot()
        await cp.stop_transaction(tx, 11000, wire(t0 + 60 * MIN), reason="EVDisconnected")
    await site.deliver()
    (cdr,) = site.emsp.model.cdrs
    assert cdr["total_energy"] == 10.0
    assert cdr["charging_periods"][0]["dimensions"][-1] == {"type": "MAX_POWER", "volume": 11.0}
