"""Our own data in a live hub, so every Sender list has pages to walk: Locations, Tariffs and Tokens, and
Sessions and CDRs billed to the suite's party, all through the admin API."""

from __future__ import annotations

from datetime import timedelta

import httpx

from contracts import samples
from contracts.context import DEFAULT_PARTY, Party
from hub.ocpi.base import format_datetime, utc_now
from tests.processes import HubProcess

CPO = Party("NL", "GWY")
EMSP = Party("NL", "GWM")
PARTIES = [
    {"country_code": CPO.country_code, "party_id": CPO.party_id, "role": "CPO", "name": "Gateway CPO"},
    {"country_code": EMSP.country_code, "party_id": EMSP.party_id, "role": "EMSP", "name": "Gateway eMSP"},
]
COUNT = 4  # with OCPI_HUB_PAGE_LIMIT=3, two pages per list


def seed(hub: HubProcess) -> None:
    start = utc_now() - timedelta(days=1)
    stamps = [format_datetime(start + timedelta(minutes=i)) for i in range(COUNT)]
    tariffs = [samples.tariff(CPO, f"T{i}", stamps[i]) for i in range(COUNT)]
    locations = []
    for i in range(COUNT):
        location = samples.location(CPO, f"L{i}", f"E{i}", "1", stamps[i])
        location["evses"][0]["connectors"][0]["tariff_ids"] = ["T0"]
        locations.append(location)
    tokens = [samples.token(EMSP, f"UID{i}", stamps[i]) for i in range(COUNT)]
    admin = {"Authorization": f"Bearer {hub.admin_token}"}
    with httpx.Client(base_url=hub.base_url, headers=admin, timeout=10) as client:
        for kind, objects in (("tariffs", tariffs), ("locations", locations), ("tokens", tokens)):
            response = client.post(f"/admin/import/{kind}", json=objects)
            assert response.status_code == 200, response.text
        for i in range(COUNT):
            begin = start + timedelta(hours=i)
            period = samples.charging_period(format_datetime(begin), 5.0)
            session = samples.session(
                CPO,
                f"S{i}",
                token_uid=f"{DEFAULT_PARTY.party_id}000{i}",
                site=("L0", "E0", "1"),
                start=begin,
                periods=[period],
                stamp=stamps[i],
                status="COMPLETED",
            )
            session["cdr_token"] = samples.cdr_token(DEFAULT_PARTY, f"{DEFAULT_PARTY.party_id}000{i}")
            session["end_date_time"] = format_datetime(begin + timedelta(hours=1))
            response = client.put(f"/admin/sessions/NL/GWY/S{i}", json=session)
            assert response.status_code in (200, 201), response.text
            response = client.post(
                "/admin/cdrs",
                json={
                    "country_code": CPO.country_code,
                    "party_id": CPO.party_id,
                    "id": f"C{i}",
                    "session_id": f"S{i}",
                    "end_date_time": session["end_date_time"],
                },
            )
            assert response.status_code == 201, response.text
