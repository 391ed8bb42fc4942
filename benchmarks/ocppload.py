"""An OCPP-J load generator (1.6 and 2.0.1 frames built by hand, sent over `websockets`), run as its own
process so that it does not share the measured server's interpreter:

    python -m benchmarks.ocppload --url ws://127.0.0.1:8000/ocpp --mode status --stations 100 --out run.json

Every charger connects as `<url>/<prefix><n>`, sends its BootNotification and answers the server's CALLs
with `{"status": "Accepted"}`. Modes: `connect` holds the chargers (heartbeats) and writes `<out>.ready`
once all are booted (with `--grow 1000,5000`, one stage after the other: `<out>.ready.<k>` once the first
stage's chargers are booted, `<out>.held.<k>` with that stage's JSON once they were held for `--duration`,
then the next stage adds its chargers to those already held); `status` writes it too, waits for `<out>.go` and then sends StatusNotifications at `--rate` in all (one CALL in flight per charger,
each charger cycling over its connectors, the status flipping Available/Charging every cycle) and writes one
`<monotonic send time> <station> <connector> <wall-clock send time>` line per notification to `--sends`; `meter` starts one
transaction per charger and then keeps one MeterValues (1.6) or TransactionEvent Updated (2.0.1) in flight
per charger, closed loop. Writes one JSON object to `--out`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from benchmarks.stats import percentile

OCPP16, OCPP201 = "ocpp1.6", "ocpp2.0.1"
ID_TAG = "BENCHTAG01"


class CallFailedError(Exception):
    pass


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def raise_file_limit() -> int:
    """Each charger is a socket: raise the soft limit of open files to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


class Charger:
    def __init__(self, station_id: str, protocol: str) -> None:
        self.station_id, self.protocol = station_id, protocol
        self.ws: ClientConnection | None = None
        self.pending: dict[str, asyncio.Future[Any]] = {}
        self.ids = itertools.count(1)
        self.reader: asyncio.Task[None] | None = None
        self.last_sent = 0.0

    async def open(self, url: str, source: str | None) -> None:
        extra: dict[str, Any] = {"local_addr": (source, 0)} if source else {}
        self.ws = await connect(
            f"{url}/{self.station_id}",
            subprotocols=[Subprotocol(self.protocol)],
            compression=None,
            open_timeout=60,
            ping_interval=None,
            max_queue=None,
            **extra,
        )
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        try:
            async for raw in self.ws:
                message = json.loads(raw)
                if message[0] == 2:
                    await self.ws.send(json.dumps([3, message[1], {"status": "Accepted"}]))
                    continue
                future = self.pending.pop(message[1], None)
                if future is None or future.done():
                    continue
                if message[0] == 3:
                    future.set_result(message[2])
                else:
                    future.set_exception(CallFailedError(f"{message[2]}: {message[3]}"))
        except Exception as exc:
            for future in self.pending.values():
                if not future.done():
                    future.set_exception(CallFailedError(f"connection lost: {exc!r}"))
            raise
        finally:
            for future in self.pending.values():
                if not future.done():
                    future.set_exception(CallFailedError("connection closed"))

    async def call(
        self, action: str, payload: dict[str, Any], patience: float = 60.0
    ) -> tuple[float, float, Any]:
        """(send time, round trip seconds, CALLRESULT payload)."""
        assert self.ws is not None
        uid = str(next(self.ids))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending[uid] = future
        frame = json.dumps([2, uid, action, payload], separators=(",", ":"))
        sent = self.last_sent = time.monotonic()
        await self.ws.send(frame)
        result = await asyncio.wait_for(future, patience)
        return sent, time.monotonic() - sent, result

    async def boot(self) -> None:
        if self.protocol == OCPP16:
            payload: dict[str, Any] = {"chargePointVendor": "Bench", "chargePointModel": "Load"}
        else:
            payload = {"chargingStation": {"vendorName": "Bench", "model": "Load"}, "reason": "PowerUp"}
        _, _, result = await self.call("BootNotification", payload)
        if result.get("status") != "Accepted":
            raise CallFailedError(f"{self.station_id}: BootNotification {result}")

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        if self.reader is not None:
            with contextlib.suppress(BaseException):
                await self.reader


def status_payload(protocol: str, connector: int, charging: bool) -> tuple[str, dict[str, Any]]:
    if protocol == OCPP16:
        status = "Charging" if charging else "Available"
        return "StatusNotification", {
            "connectorId": connector,
            "errorCode": "NoError",
            "status": status,
            "timestamp": now(),
        }
    status = "Occupied" if charging else "Available"
    return "StatusNotification", {
        "timestamp": now(),
        "connectorStatus": status,
        "evseId": connector,
        "connectorId": 1,
    }


async def open_all(
    args: argparse.Namespace, report: dict[str, Any], first: int = 0, stations: int | None = None
) -> list[Charger]:
    """Connect and boot chargers `first` .. `stations` - 1, `--opening` at a time (source addresses spread
    over 127.0.x.y so that many connections to one port do not run out of ephemeral ports)."""
    count = args.stations if stations is None else stations
    chargers = [Charger(f"{args.prefix}{n}", args.protocol) for n in range(first, count)]
    gate = asyncio.Semaphore(args.opening)
    errors: list[str] = []

    async def one(index: int, charger: Charger) -> None:
        source = f"127.0.{args.source}.{1 + index % 200}" if args.source else None
        async with gate:
            try:
                await charger.open(args.url, source)
                await charger.boot()
            except Exception as exc:
                errors.append(f"{charger.station_id}: {exc!r}")

    started = time.monotonic()
    await asyncio.gather(*(one(first + i, c) for i, c in enumerate(chargers)))
    report["connect_seconds"] = time.monotonic() - started
    report["connect_errors"] = len(errors)
    report["first_errors"] = errors[:5]
    return chargers


async def grow(args: argparse.Namespace, report: dict[str, Any]) -> list[Charger]:
    """Connect mode by stages: each stage adds chargers to those already connected, is announced
    (`<out>.ready.<k>`), waits for `<out>.go.<k>`, holds all of them and reports (`<out>.held.<k>`)."""
    chargers: list[Charger] = []
    stages: list[dict[str, Any]] = []
    report["stages"] = stages
    try:
        for k, size in enumerate(int(s) for s in args.grow.split(",")):
            stage: dict[str, Any] = {"chargers": size}
            chargers += await open_all(args, stage, first=len(chargers), stations=size)
            Path(f"{args.out}.ready.{k}").write_text("ready\n")  # noqa: ASYNC240
            go = Path(f"{args.out}.go.{k}")
            while not go.exists():  # noqa: ASYNC110, ASYNC240
                await asyncio.sleep(0.05)
            await hold(args, chargers, stage, announce=False)
            stages.append(stage)
            # Written whole, then renamed: the harness reads it as soon as the name appears.
            partial = Path(f"{args.out}.held.{k}.partial")
            partial.write_text(json.dumps(stage) + "\n")  # noqa: ASYNC240
            partial.replace(f"{args.out}.held.{k}")  # noqa: ASYNC240
    except BaseException:
        await asyncio.gather(*(c.close() for c in chargers))
        raise
    return chargers


async def hold(
    args: argparse.Namespace, chargers: list[Charger], report: dict[str, Any], *, announce: bool = True
) -> None:
    if announce:
        Path(args.out + ".ready").write_text("ready\n")  # noqa: ASYNC240
    errors = 0
    heartbeats = 0

    async def pause(seconds: float) -> None:
        # Never past the end of the hold: a staggered start or the next beat may lie beyond it.
        await asyncio.sleep(max(0.0, min(seconds, until - time.monotonic())))

    async def beat(index: int, charger: Charger) -> None:
        nonlocal errors, heartbeats
        await pause(args.heartbeat * index / max(1, len(chargers)))
        while time.monotonic() < until:
            try:
                await charger.call("Heartbeat", {})
                heartbeats += 1
            except Exception:
                errors += 1
                return
            await pause(args.heartbeat)

    until = time.monotonic() + args.duration
    await asyncio.gather(*(beat(i, c) for i, c in enumerate(chargers) if c.ws is not None))
    report["heartbeats"] = heartbeats
    report["errors"] = errors


async def statuses(args: argparse.Namespace, chargers: list[Charger], report: dict[str, Any]) -> None:
    # The caller starts the clock (`<out>.go`) once the server is done with the connections.
    Path(args.out + ".ready").write_text("ready\n")  # noqa: ASYNC240
    go = Path(args.out + ".go")
    while not go.exists():  # noqa: ASYNC110, ASYNC240
        await asyncio.sleep(0.05)
    await asyncio.sleep(args.settle)
    sends: list[tuple[float, int, int, float]] = []
    rtts: list[float] = []
    errors = unanswered = 0
    count = len(chargers)
    started = time.monotonic() + 0.1
    until = started + args.duration

    async def run(index: int, charger: Charger) -> None:
        nonlocal errors, unanswered
        for k in itertools.count():
            planned = started + (index + k * count) / args.rate
            if planned >= until:
                return
            delay = planned - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            connector = 1 + k % args.connectors
            charging = (k // args.connectors) % 2 == 0
            action, payload = status_payload(args.protocol, connector, charging)
            # The wall clock too: the hub stamps the state it pushes with it (last_updated), which tells the
            # receiver which of an EVSE's changes a PATCH carries.
            wall = time.time()
            try:
                sent, rtt, _ = await charger.call(action, payload, args.patience)
            except TimeoutError:
                # Sent but not answered in time: the server has it, so it counts as a change sent.
                unanswered += 1
                sends.append((charger.last_sent, index, connector, wall))
                continue
            except Exception:
                errors += 1
                continue
            sends.append((sent, index, connector, wall))
            rtts.append(rtt)

    await asyncio.gather(*(run(i, c) for i, c in enumerate(chargers) if c.ws is not None))
    elapsed = time.monotonic() - started
    if args.sends:
        Path(args.sends).write_text(  # noqa: ASYNC240
            "".join(f"{t:.6f} {s} {c} {w:.6f}\n" for t, s, c, w in sorted(sends))
        )
    report.update(
        sent=len(sends), errors=errors, unanswered=unanswered, seconds=elapsed, rate=len(sends) / elapsed
    )
    report["rtt_ms"] = latency_summary(rtts)


async def meter(args: argparse.Namespace, chargers: list[Charger], report: dict[str, Any]) -> None:
    live = [c for c in chargers if c.ws is not None]
    transactions: dict[str, str] = {}
    for charger in live:
        if args.protocol == OCPP16:
            _, _, answer = await charger.call(
                "StartTransaction",
                {"connectorId": 1, "idTag": ID_TAG, "meterStart": 0, "timestamp": now()},
            )
            transactions[charger.station_id] = str(answer["transactionId"])
        else:
            tid = f"T-{charger.station_id}"
            await charger.call(
                "TransactionEvent",
                {
                    "eventType": "Started",
                    "timestamp": now(),
                    "triggerReason": "Authorized",
                    "seqNo": 0,
                    "transactionInfo": {"transactionId": tid, "chargingState": "Charging"},
                    "evse": {"id": 1, "connectorId": 1},
                    "idToken": {"idToken": ID_TAG, "type": "ISO14443"},
                    "meterValue": [
                        {
                            "timestamp": now(),
                            "sampledValue": [{"value": 0, "context": "Transaction.Begin"}],
                        }
                    ],
                },
            )
            transactions[charger.station_id] = tid
    rtts: list[float] = []
    errors: list[str] = []
    measuring = False

    async def run(charger: Charger) -> None:
        tid = transactions[charger.station_id]
        for n in itertools.count(1):
            if time.monotonic() >= until:
                return
            stamp = now()
            if args.protocol == OCPP16:
                action = "MeterValues"
                payload: dict[str, Any] = {
                    "connectorId": 1,
                    "transactionId": int(tid),
                    "meterValue": [
                        {
                            "timestamp": stamp,
                            "sampledValue": [
                                {
                                    "value": str(n * 10),
                                    "measurand": "Energy.Active.Import.Register",
                                    "unit": "Wh",
                                }
                            ],
                        }
                    ],
                }
            else:
                action = "TransactionEvent"
                payload = {
                    "eventType": "Updated",
                    "timestamp": stamp,
                    "triggerReason": "MeterValuePeriodic",
                    "seqNo": n,
                    "transactionInfo": {"transactionId": tid, "chargingState": "Charging"},
                    "meterValue": [
                        {
                            "timestamp": stamp,
                            "sampledValue": [{"value": n * 10, "measurand": "Energy.Active.Import.Register"}],
                        }
                    ],
                }
            try:
                _, rtt, _ = await charger.call(action, payload)
            except Exception as exc:
                errors.append(repr(exc))
                return
            if measuring:
                rtts.append(rtt)

    until = time.monotonic() + args.settle + args.duration
    tasks = [asyncio.create_task(run(c)) for c in live]
    await asyncio.sleep(args.settle)
    measuring = True
    started = time.monotonic()
    count_before = len(rtts)
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    done = len(rtts) - count_before
    report.update(calls=done, errors=len(errors), first_errors=errors[:5], seconds=elapsed)
    report["calls_per_second"] = done / elapsed if elapsed else 0.0
    report["rtt_ms"] = latency_summary(rtts)


def latency_summary(seconds: list[float]) -> dict[str, float | None]:
    ms = [s * 1000 for s in seconds]
    return {
        "p50": percentile(ms, 0.5),
        "p99": percentile(ms, 0.99),
        "max": max(ms) if ms else None,
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {"file_limit": raise_file_limit()}
    if args.grow:
        chargers = await grow(args, report)
        await asyncio.gather(*(c.close() for c in chargers))
        return report
    chargers = await open_all(args, report)
    try:
        if args.mode == "connect":
            await hold(args, chargers, report)
        elif args.mode == "status":
            await statuses(args, chargers, report)
        else:
            await meter(args, chargers, report)
    finally:
        await asyncio.gather(*(c.close() for c in chargers))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.ocppload", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--url", required=True, help="OCPP base URL, e.g. ws://127.0.0.1:8000/ocpp")
    parser.add_argument("--mode", choices=("connect", "status", "meter"), required=True)
    parser.add_argument("--protocol", choices=(OCPP16, OCPP201), default=OCPP16)
    parser.add_argument("--stations", type=int, required=True)
    parser.add_argument("--prefix", default="BENCH")
    parser.add_argument("--connectors", type=int, default=1, help="status mode: connectors per charger")
    parser.add_argument("--rate", type=float, default=100.0, help="status mode: notifications per second")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds measured (or held)")
    parser.add_argument("--settle", type=float, default=1.0, help="seconds between booting and measuring")
    parser.add_argument("--heartbeat", type=float, default=30.0, help="connect mode: seconds between beats")
    parser.add_argument("--grow", default="", help="connect mode: stages of chargers, e.g. 1000,5000")
    parser.add_argument("--opening", type=int, default=100, help="connections opened at a time")
    parser.add_argument("--source", type=int, default=0, help="third octet of the 127.0.x.y source addresses")
    parser.add_argument(
        "--patience", type=float, default=60.0, help="status mode: seconds a CALL waits for its answer"
    )
    parser.add_argument("--sends", default="", help="status mode: file of send times")
    parser.add_argument("--out", required=True, help="file the JSON result is written to")
    args = parser.parse_args(argv)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    result = asyncio.run(main_async(args))
    Path(args.out).write_text(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
