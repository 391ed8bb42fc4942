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

from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call_result as result16
from ocpp.v16.datatypes import IdTagInfo
from ocpp.v16.enums import AuthorizationStatus, RegistrationStatus
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call_result as result201
from ocpp.v201.enums import RegistrationStatusEnumType
from websockets.asyncio.server import ServerConnection, serve
from websockets.typing import Subprotocol

from adapters.ocpp.routing import on

TRANSACTION_IDS = itertools.count(1)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Central16(ChargePoint16):
    @on("BootNotification")
    def boot(self, **kwargs: Any) -> result16.BootNotification:
        return result16.BootNotification(current_time=now(), interval=300, status=RegistrationStatus.accepted)

    @on("Heartbeat")
    def heartbeat(self, **kwargs: Any) -> result16.Heartbeat:
        return result16.Heartbeat(current_time=now())

    @on("StatusNotification")
    def status(self, **kwargs: Any) -> result16.StatusNotification:
        return result16.StatusNotification()

    @on("StartTransaction")
    def start_transaction(self, **kwargs: Any) -> result16.StartTransaction:
        return result16.StartTransaction(
            transaction_id=next(TRANSACTION_IDS), id_tag_info=IdTagInfo(status=AuthorizationStatus.accepted)
        )

    @on("MeterValues")
    def meter_values(self, **kwargs: Any) -> result16.MeterValues:
        return result16.MeterValues()


class Central201(ChargePoint201):
    @on("BootNotification")
    def boot(self, **kwargs: Any) -> result201.BootNotification:
        return result201.BootNotification(
            current_time=now(), interval=300, status=RegistrationStatusEnumType.accepted
        )

    @on("Heartbeat")
    def heartbeat(self, **kwargs: Any) -> result201.Heartbeat:
        return result201.Heartbeat(current_time=now())

    @on("StatusNotification")
    def status(self, **kwargs: Any) -> result201.StatusNotification:
        return result201.StatusNotification()

    @on("TransactionEvent")
    def transaction_event(self, **kwargs: Any) -> result201.TransactionEvent:
        return result201.TransactionEvent()


async def handler(connection: ServerConnection) -> None:
    path = connection.request.path if connection.request is not None else "/"
    station_id = path.rstrip("/").rsplit("/", 1)[-1]
    cls = Central16 if connection.subprotocol == "ocpp1.6" else Central201
    try:
        await cls(station_id, connection).start()  # type: ignore[no-untyped-call]
    except Exception:
        return


async def main_async(port: int) -> None:
    async with serve(
        handler,
        "127.0.0.1",
        port,
        subprotocols=[Subprotocol("ocpp1.6"), Subprotocol("ocpp2.0.1")],
        compression=None,
        ping_interval=20,
        ping_timeout=20,
        backlog=4096,
    ) as server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.ocpp_central", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
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
