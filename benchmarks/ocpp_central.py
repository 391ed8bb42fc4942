"""The OCPP baseline: a bare central system on the `ocpp` library and a `websockets` server that only answers
(BootNotification, Heartbeat, StatusNotification, transactions and meter values of 1.6 and 2.0.1), run as
its own process: `python -m benchmarks.ocpp_central --port 9000`; stations connect to /ocpp/<id>."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import resource
import sys
from datetime import UTC, datetime
from typing import Any

from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call_result as result16
from ocpp.v16.enums import AuthorizationStatus, RegistrationStatus
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call_result as result201
from websockets.asyncio.server import ServerConnection, serve

TRANSACTION_IDS = itertools.count(1)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Central16(ChargePoint16):  # type: ignore[misc]
    @on("BootNotification")  # type: ignore[untyped-decorator]
    def boot(self, **kwargs: Any) -> result16.BootNotification:
        return result16.BootNotification(current_time=now(), interval=300, status=RegistrationStatus.accepted)

    @on("Heartbeat")  # type: ignore[untyped-decorator]
    def heartbeat(self, **kwargs: Any) -> result16.Heartbeat:
        return result16.Heartbeat(current_time=now())

    @on("StatusNotification")  # type: ignore[untyped-decorator]
    def status(self, **kwargs: Any) -> result16.StatusNotification:
        return result16.StatusNotification()

    @on("StartTransaction")  # type: ignore[untyped-decorator]
    def start_transaction(self, **kwargs: Any) -> result16.StartTransaction:
        return result16.StartTransaction(
            transaction_id=next(TRANSACTION_IDS), id_tag_info={"status": AuthorizationStatus.accepted}
        )

    @on("MeterValues")  # type: ignore[untyped-decorator]
    def meter_values(self, **kwargs: Any) -> result16.MeterValues:
        return result16.MeterValues()


class Central201(ChargePoint201):  # type: ignore[misc]
    @on("BootNotification")  # type: ignore[untyped-decorator]
    def boot(self, **kwargs: Any) -> result201.BootNotification:
        return result201.BootNotification(current_time=now(), interval=300, status="Accepted")

    @on("Heartbeat")  # type: ignore[untyped-decorator]
    def heartbeat(self, **kwargs: Any) -> result201.Heartbeat:
        return result201.Heartbeat(current_time=now())

    @on("StatusNotification")  # type: ignore[untyped-decorator]
    def status(self, **kwargs: Any) -> result201.StatusNotification:
        return result201.StatusNotification()

    @on("TransactionEvent")  # type: ignore[untyped-decorator]
    def transaction_event(self, **kwargs: Any) -> result201.TransactionEvent:
        return result201.TransactionEvent()


async def handler(connection: ServerConnection) -> None:
    path = connection.request.path if connection.request is not None else "/"
    station_id = path.rstrip("/").rsplit("/", 1)[-1]
    cls = Central16 if connection.subprotocol == "ocpp1.6" else Central201
    try:
        await cls(station_id, connection).start()
    except Exception:
        return


async def main_async(port: int) -> None:
    async with serve(
        handler,
        "127.0.0.1",
        port,
        subprotocols=["ocpp1.6", "ocpp2.0.1"],  # type: ignore[list-item]
        compression=None,
        ping_interval=20,
        ping_timeout=20,
        backlog=4096,
    ) as server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ocpp_central", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main_async(args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
