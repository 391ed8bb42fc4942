"""Transactions become OCPI Sessions and CDRs (ocpp-notes §3.3): the Session PUT at the start, PATCHes at most
once a minute and at once on state changes, kWh from the register, charging and parking periods, and at the
end the CDR priced with the Connector's Tariff, delivered to the token owner's eMSP."""

from __future__ import annotations

from datetime import timedelta

from tests.charging.conftest import T0, Rig

MIN = timedelta(minutes=1)


async def test_a_1_6_transaction_becomes_a_session_and_a_priced_cdr(rig: Rig) -> None:
    await rig.push_token("CARD1", whitelist="ALWAYS")
    started = await rig.start(station="CP16", transaction_id=None, seq_no=None, charging_state=None)
    assert started.transaction_id is not None
    assert started.transaction_id.isdigit()
    assert started.authorization is not None
    assert started.authorization.status == "ACCEPTED"
    assert started.session_id is not None
    await rig.deliver()
    (put,) = rig.new_session_pushes()
    assert put.method == "PUT"
    assert put.body["kwh"] == 0
    assert put.body["status"] == "ACTIVE"
    assert put.body["auth_method"] == "WHITELIST"
    assert put.body["cdr_token"] == {
        "country_code": "DE",
        "party_id": "MSP",
        "uid": "CARD1",
        "type": "RFID",
        "contract_id": "DE-MSP-CARD1",
    }
    assert (put.body["location_id"], put.body["evse_uid"], put.body["connector_id"]) == (
        "LOC1",
        "LOC1-1",
        "1",
    )
    assert put.body["currency"] == "EUR"
    assert put.body["start_date_time"] == "2026-03-02T10:00:00Z"

    tx = started.transaction_id
    # 1.6 MeterValues without transactionId: the open transaction of that connector.
    update = await rig.update(T0 + 30 * MIN, None, 6000, transaction_id=None, station="CP16", evse=1)
    assert update.session_id == started.session_id
    await rig.deliver()
    (first,) = rig.new_session_pushes()
    assert (first.method, first.body["kwh"]) == ("PATCH", 5.0)
    ended = await rig.end(T0 + 60 * MIN, None, 11000, transaction_id=tx, station="CP16")
    assert ended.transaction_id == tx
    await rig.deliver()
    (final,) = rig.new_session_pushes()
    assert final.method == "PATCH"
    assert final.body["status"] == "COMPLETED"
    assert final.body["kwh"] == 10.0
    assert final.body["end_date_time"] == "2026-03-02T11:00:00Z"
    (cdr,) = rig.emsp.model.cdrs
    assert cdr["id"] == started.session_id
    assert cdr["session_id"] == started.session_id
    assert cdr["total_energy"] == 10.0
    assert cdr["total_time"] == 1.0
    # 10 kWh at 0.30 EUR, 20 % VAT.
    assert cdr["total_cost"] == {"excl_vat": 3.0, "incl_vat": 3.6}
    assert cdr["cdr_token"]["uid"] == "CARD1"
    assert cdr["auth_method"] == "WHITELIST"
    record = await rig.transaction(tx, station="CP16")
    assert record.cdr_id == started.session_id
    assert record.ended_at is not None
