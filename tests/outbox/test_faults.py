"""Partners that fail: retries with backoff, refusals that go dead with their reason, a PATCH the partner cannot
apply replaced by a PUT, give-up after the window with a needs-resync mark while CDRs keep being retried, and
bad answers (timeouts, resets, HTML, huge bodies, no status_code, a partner down) recorded as failed attempts
without holding up other partners (issue 6 items 3-5, "Bad input and faults"; DESIGN decision 5)."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from hub.outbox.delivery import MAX_REPLY_BYTES
from tests.outbox.conftest import SILENCE, LogWatch, MakeHub, PushHub, make_cdr
from tests.outbox.fake_partner import PREFIX, Behaviour, FakePartner, Fakes

TOKEN = {
    "country_code": "NL",
    "party_id": "MSP",
    "uid": "TOK1",
    "type": "APP_USER",
    "contract_id": "NL-MSP-C00001",
    "issuer": "Gateway eMSP",
    "valid": True,
    "whitelist": "ALLOWED",
}


async def test_a_partner_answering_500_is_retried_with_backoff_and_every_attempt_recorded(
    hub: PushHub, fakes: Fakes
) -> None:
    emsp = await fakes("emsp")
    await hub.add_partner(emsp)
    emsp.then(Behaviour.HTTP_500, Behaviour.HTTP_500)
    async with hub.worker():
        await hub.put_location("LOC1", evses=1)
        await emsp.until(emsp.accepted)

    assert [r.answer for r in emsp.pushes()] == ["http_500", "http_500", "accepted"]
    arrivals = [r.at for r in emsp.pushes()]
    # backoff(1) and backoff(2) with a 0.2 s ceiling: at least half of it, never at once.
    assert all(later - earlier >= timedelta(seconds=0.09) for earlier, later in itertools.pairwise(arrivals))
    [row] = await hub.outbox()
    assert (row.state, row.attempts, row.last_error) == ("DELIVERED", 3, None)
    attempts = await hub.attempts(row.id or 0)
    assert [(a.method, a.outcome, a.http_status, a.ocpi_status) for a in attempts] == [
        ("PUT", "retry", 500, 3000),
        ("PUT", "retry", 500, 3000),
        ("PUT", "delivered", 200, 1000),
    ]
    assert all(a.url == f"{emsp.endpoint('locations')}/NL/GWY/LOC1" for a in attempts)
    assert all(a.duration_ms > 0 for a in attempts)
    assert "Generic server error" in (attempts[0].excerpt or "")


async def test_a_flapping_partner_gets_every_object_exactly_once(hub: PushHub, fakes: Fakes) -> None:
    emsp = await fakes("emsp")
    await hub.add_partner(emsp)
    emsp.behaviour = Behaviour.FLAPPING
    async with hub.worker():
        for tariff_id in ("T1", "T2", "T3", "T4"):
            await hub.put_tariff(tariff_id)
        await hub.put_location("LOC1", evses=1)
        await emsp.until(lambda: len(emsp.accepted()) == 5)
    await hub.drain()

    assert Counter(r.path for r in emsp.accepted()) == {
        f"{PREFIX}/tariffs/NL/GWY/{t}": 1 for t in ("T1", "T2", "T3", "T4")
    } | {f"{PREFIX}/locations/NL/GWY/LOC1": 1}
    assert "http_500" in {r.answer for r in emsp.pushes()}
    assert {r.state for r in await hub.outbox()} == {"DELIVERED"}


async def test_ocpi_2001_and_http_4xx_are_dead_with_the_reason_and_not_retried(
    hub: PushHub, fakes: Fakes
) -> None:
    invalid = await fakes("invalid", roles=[("EMSP", "DE", "MSP")])
    client_error = await fakes("client-error", roles=[("EMSP", "FR", "MSQ")])
    invalid.behaviour, client_error.behaviour = Behaviour.OCPI_2001, Behaviour.HTTP_400
    invalid_id = await hub.add_partner(invalid)
    client_error_id = await hub.add_partner(client_error)
    await hub.put_location("LOC1", evses=1)
    await hub.drain()
    await hub.drain()

    assert len(invalid.pushes()) == len(client_error.pushes()) == 1
    reasons = {row.partner_id: (row.state, row.last_error) for row in await hub.outbox()}
    assert reasons == {
        invalid_id: ("DEAD", "OCPI 2001 Invalid or missing parameters: name too long"),
        client_error_id: ("DEAD", "HTTP 400: OCPI 2000 Generic client error"),
    }
    view = (await hub.admin("GET", f"partners/{invalid_id}/outbox")).json()
    assert (view["pending"], view["dead"], view["modules"]["locations"]["dead"]) == (0, 1, 1)
    assert [(r["object_id"], r["state"], r["reason"]) for r in view["refused"]] == [
        ("LOC1", "DEAD", "OCPI 2001 Invalid or missing parameters: name too long")
    ]
    [failure] = view["recent_failures"]
    assert (failure["outcome"], failure["http_status"], failure["ocpi_status"]) == ("dead", 200, 2001)
    metrics = (await hub.client.get("/metrics")).text
    assert f'ocpi_hub_outbox_dead{{partner="{invalid_id}"}} 1.0' in metrics


async def test_a_refused_cdr_is_kept_and_sent_again_when_the_operator_retries(
    hub: PushHub, fakes: Fakes
) -> None:
    emsp = await fakes("emsp")
    partner_id = await hub.add_partner(emsp)
    await hub.put_tariff("T1")
    await hub.put_location("LOC1", evses=1, connectors=1, tariff_ids=["T1"])
    await hub.drain()
    emsp.behaviour = Behaviour.OCPI_2001
    cdr = (await hub.admin("POST", "cdrs", make_cdr("CDR1"))).json()["data"]
    await hub.drain()
    assert (await hub.outbox())[-1].state == "DEAD"

    emsp.behaviour = Behaviour.OK
    retried = await hub.admin("POST", f"partners/{partner_id}/outbox/retry")
    assert retried.json() == {"partner_id": partner_id, "requeued": 1}
    await hub.drain()
    assert [r.body for r in emsp.accepted("cdrs")] == [cdr]
    assert emsp.model.cdrs == [cdr]


async def test_a_patch_of_an_object_the_partner_lacks_is_replaced_by_a_put_of_the_whole_object(
    hub: PushHub, fakes: Fakes
) -> None:
    emsp = await fakes("emsp")
    await hub.add_partner(emsp)
    await hub.put_location("LOC1", evses=2)
    await hub.drain()
    emsp.forget()

    await hub.set_status("OUTOFORDER", evse_uid="LOC1-2")
    await hub.drain()

    stored = await hub.location()
    _, patch, put = emsp.pushes()
    assert (patch.method, patch.path, patch.answer) == (
        "PATCH",
        f"{PREFIX}/locations/NL/GWY/LOC1/LOC1-2",
        "missing",
    )
    assert (put.method, put.path, put.answer) == ("PUT", f"{PREFIX}/locations/NL/GWY/LOC1", "accepted")
    assert put.body == stored
    assert emsp.model.get("locations", "NL", "GWY", "LOC1") == stored
    row = (await hub.outbox())[-1]
    assert row.state == "DELIVERED"
    assert [(a.method, a.outcome, a.http_status) for a in await hub.attempts(row.id or 0)] == [
        ("PATCH", "missing", 404),
        ("PUT", "delivered", 200),
    ]


async def test_a_session_or_token_patch_the_partner_cannot_apply_is_replaced_by_a_put(
    make_hub: MakeHub, fakes: Fakes
) -> None:
    hub = await make_hub()
    emsp = await fakes("emsp", roles=[("EMSP", "DE", "MSP")])
    cpo = await fakes("cpo", roles=[("CPO", "BE", "CPO")])
    await hub.add_partner(emsp)
    await hub.add_partner(cpo)
    await hub.put_location("LOC1", evses=1)
    await hub.put_session("S1")
    await hub.admin("PUT", "tokens/NL/MSP/TOK1", TOKEN, type="APP_USER")
    await hub.drain()
    emsp.forget()
    cpo.forget()

    period = {"start_date_time": "2026-01-05T10:00:00Z", "dimensions": [{"type": "ENERGY", "volume": 1}]}
    await hub.patch_session("S1", {"charging_periods": [period], "last_updated": "2026-01-05T10:05:00Z"})
    await hub.admin("PATCH", "tokens/NL/MSP/TOK1", {"valid": False}, type="APP_USER")
    await hub.drain()

    session = (await hub.admin("GET", "sessions/NL/GWY/S1")).json()["data"]
    token = (await hub.admin("GET", "tokens/NL/MSP/TOK1", type="APP_USER")).json()["data"]
    assert [(r.method, r.path, r.answer) for r in emsp.pushes("sessions")[1:]] == [
        ("PATCH", f"{PREFIX}/sessions/NL/GWY/S1", "missing"),
        ("PUT", f"{PREFIX}/sessions/NL/GWY/S1", "accepted"),
    ]
    assert emsp.model.get("sessions", "NL", "GWY", "S1") == session
    assert session["charging_periods"] == [period]
    assert [(r.method, r.path, r.query, r.answer) for r in cpo.pushes()[1:]] == [
        ("PATCH", f"{PREFIX}/tokens/NL/MSP/TOK1", {"type": "APP_USER"}, "missing"),
        ("PUT", f"{PREFIX}/tokens/NL/MSP/TOK1", {"type": "APP_USER"}, "accepted"),
    ]
    assert cpo.model.objects == {("tokens", "NL", "MSP", "TOK1", "APP_USER"): token}
    assert token["valid"] is False


async def test_state_pushes_are_given_up_after_the_window_and_marked_needs_resync_while_cdrs_are_retried(
    make_hub: MakeHub, fakes: Fakes
) -> None:
    hub = await make_hub(push_give_up_after=0.6)
    emsp = await fakes("emsp")
    partner_id = await hub.add_partner(emsp)
    emsp.behaviour = Behaviour.HTTP_500

    with LogWatch("hub.outbox") as log:
        async with hub.worker():
            await hub.put_tariff("T1")
            await hub.put_location("LOC1", evses=1, connectors=1, tariff_ids=["T1"])
            cdr = (await hub.admin("POST", "cdrs", make_cdr("CDR1"))).json()["data"]
            await log.until(lambda: log.count("needs a resync") == 2, within=10)
            seen = len(emsp.pushes())
            # The CDR is tried on after the others were given up, and delivered once the partner recovers.
            await emsp.until(lambda: len(emsp.pushes()) >= seen + 2)
            emsp.behaviour = Behaviour.OK
            await emsp.until(lambda: emsp.accepted("cdrs"))

    assert "module tariffs: pushes given up after 0.6 s (HTTP 500" in " ".join(log.messages)
    assert {r.module for r in emsp.pushes()[seen:]} == {"cdrs"}
    assert [r.body for r in emsp.accepted()] == [cdr]
    states = {row.module: row.state for row in await hub.outbox()}
    assert states == {"tariffs": "GAVE_UP", "locations": "GAVE_UP", "cdrs": "DELIVERED"}

    view = (await hub.admin("GET", f"partners/{partner_id}/outbox")).json()
    assert view["needs_resync"] == ["locations", "tariffs"]
    assert view["modules"]["locations"]["gave_up"] == 1
    assert view["modules"]["locations"]["resync_reason"].startswith("HTTP 500")
    metrics = (await hub.client.get("/metrics")).text.splitlines()
    assert [line for line in metrics if line.startswith("ocpi_hub_partner_needs_resync{")] == [
        f'ocpi_hub_partner_needs_resync{{module="{module}",partner="{partner_id}"}} 1.0'
        for module in ("locations", "tariffs")
    ]

    # The operator resends: the partner gets our current state once, and the marks are cleared.
    resent = await hub.admin("POST", f"partners/{partner_id}/resend", {})
    assert resent.json()["queued"] == {"locations": 1, "tariffs": 1}
    await hub.drain()
    assert sorted(r.path for r in emsp.accepted() if r.module != "cdrs") == [
        f"{PREFIX}/locations/NL/GWY/LOC1",
        f"{PREFIX}/tariffs/NL/GWY/T1",
    ]
    assert (await hub.admin("GET", f"partners/{partner_id}/outbox")).json()["needs_resync"] == []


BAD_ANSWERS = {
    Behaviour.SLOW: (f"no answer within {SILENCE:g} s", None),
    Behaviour.RESET: ("Error", None),
    Behaviour.HTML: ("HTTP 200 but not an OCPI response: <html><body><h1>Gateway Timeout", 200),
    Behaviour.HUGE: (f"HTTP 200 with a reply over {MAX_REPLY_BYTES} bytes", 200),
    Behaviour.NO_STATUS_CODE: ("HTTP 200 but not an OCPI response: {", 200),
    "down": ("ConnectError", None),
}


async def test_bad_answers_are_failed_attempts_with_the_reason_and_hold_up_no_other_partner(
    make_hub: MakeHub, fakes: Fakes
) -> None:
    # Retries wait at least half a second: the drain sees each bad partner once or twice.
    hub = await make_hub(push_max_backoff=30.0, partner_timeout=SILENCE)
    good = await fakes("good", roles=[("EMSP", "DE", "MSP")])
    good_id = await hub.add_partner(good)
    broken: dict[Behaviour | str, tuple[FakePartner, int]] = {}
    for n, bad in enumerate(BAD_ANSWERS):
        fake = await fakes(str(bad), roles=[("EMSP", "FR", f"B{n:02d}")])
        broken[bad] = fake, await hub.add_partner(fake)
        if bad == "down":
            await fake.stop()
        else:
            fake.behaviour = Behaviour(bad)
    await hub.put_location("LOC1", evses=1)

    delivering = asyncio.get_running_loop().create_task(hub.drain())
    # The good partner is served while the bad ones are still being waited for (the drain is not over).
    await good.until(good.accepted, within=30)
    assert not delivering.done()
    # The slow partner still holds its request while the good one has been served.
    assert [r.answered for r in broken[Behaviour.SLOW][0].pushes()] == [False]
    await delivering

    rows = {row.partner_id: row for row in await hub.outbox()}
    assert rows[good_id].state == "DELIVERED"
    for bad, (fake, partner_id) in broken.items():
        reason, http_status = BAD_ANSWERS[bad]
        failed = rows[partner_id]
        attempts = await hub.attempts(failed.id or 0)
        assert failed.state == "PENDING", bad
        assert failed.attempts == len(attempts) in (1, 2), bad
        assert reason in (failed.last_error or ""), (bad, failed.last_error)
        assert {(a.outcome, a.http_status) for a in attempts} == {("retry", http_status)}, bad
        assert all(a.duration_ms > 0 for a in attempts)
        if bad == Behaviour.RESET:
            # A reset is a blip: retried at once within the attempt (3 tries, each of which the transport
            # sends twice, as aiohttp re-sends an idempotent PUT whose connection broke), then left to the
            # backoff.
            assert [r.answer for r in fake.pushes()] == ["reset"] * 3 * 2 * len(attempts)
            assert "Timeout" not in (failed.last_error or "")
        if bad == Behaviour.HUGE:
            assert all(a.excerpt is not None and 100 < len(a.excerpt) < 1000 for a in attempts)
        if bad == Behaviour.HTML:
            assert all("Gateway Timeout" in (a.excerpt or "") for a in attempts)

    # The worker carries on: the next change reaches the good partner.
    await hub.set_status("CHARGING")
    await hub.drain()
    assert [r.method for r in good.accepted()] == ["PUT", "PATCH"]
    assert good.model.get("locations", "NL", "GWY", "LOC1") == await hub.location()


async def test_a_hanging_partner_does_not_delay_the_others_in_the_background_loop(
    make_hub: MakeHub, fakes: Fakes
) -> None:
    hub = await make_hub(partner_timeout=5.0)
    fast = await fakes("fast", roles=[("EMSP", "DE", "MSP")])
    slow = await fakes("slow", roles=[("EMSP", "FR", "MSQ")])
    await hub.add_partner(fast)
    await hub.add_partner(slow)
    slow.behaviour = Behaviour.SLOW
    async with hub.worker():
        await hub.put_location("LOC1", evses=1)
        await fast.until_accepted(1)
        for count, status in enumerate(("CHARGING", "AVAILABLE", "BLOCKED"), start=2):
            await hub.set_status(status)
            await fast.until_accepted(count)
        # Every change reached the fast partner while the slow one still sat on the first push.
        assert [(r.method, r.answered) for r in slow.pushes()] == [("PUT", False)]
        slow.release()
        await slow.until(lambda: slow.pushes()[0].answered)
    assert fast.model.get("locations", "NL", "GWY", "LOC1") == await hub.location()


async def test_outcomes_that_could_not_be_recorded_are_recorded_by_the_next_step_not_sent_again(
    hub: PushHub, fakes: Fakes
) -> None:
    emsp = await fakes("emsp")
    await hub.add_partner(emsp)
    for tariff_id in ("T1", "T2", "T3"):
        await hub.put_tariff(tariff_id)
    worker = hub.delivery
    write = worker._write_results
    failures = 0

    async def database_away_once(results: Any) -> int:
        nonlocal failures
        if failures == 0:
            failures += 1
            raise OperationalError("UPDATE outbox", {}, Exception("server closed the connection"))
        return await write(results)

    worker._write_results = database_away_once  # type: ignore[method-assign]
    with pytest.raises(OperationalError):
        await hub.drain()
    assert failures == 1
    await hub.drain()

    assert Counter(r.path for r in emsp.accepted()) == {
        f"{PREFIX}/tariffs/NL/GWY/{t}": 1 for t in ("T1", "T2", "T3")
    }
    rows = await hub.outbox()
    assert {r.state for r in rows} == {"DELIVERED"}
    for row in rows:
        assert row.id is not None
        assert len(await hub.attempts(row.id)) == 1
