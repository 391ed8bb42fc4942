"""`ocpi-hub demo`: the hub with its OCPP endpoint, a demo eMSP registered by the credentials handshake
(credentials.asciidoc), and two simulated chargers, on temporary SQLite databases; prints what the eMSP
receives until stopped."""

from __future__ import annotations

import asyncio
import base64
import logging
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr
from sqlmodel import col, func, select

from adapters.app import create_gateway
from adapters.demo import sample
from adapters.demo.chargers import Pace, run_charger
from adapters.demo.pushes import Push, ReceivedPushes, describe
from adapters.demo.servers import Server, bind
from hub.config import LocalParty, Settings
from hub.db import SessionMaker
from hub.feeds import tokens as feed_tokens
from hub.main import create_app
from hub.migrate import upgrade
from hub.operator.imports import ImportKind, ImportReport, import_objects
from hub.partners import registration
from hub.security import new_token
from hub.stations.imports import import_stations
from hub.stations.settings import OcppSettings, uvicorn_websocket_options
from hub.tables import PartnerRecord
from hub.tables.tokens import TokenRecord


@dataclass(frozen=True)
class DemoOptions:
    port: int = 0
    duration: float | None = None
    sessions: int | None = None
    keep: bool = False
    speed: float = 1.0


class DemoError(Exception):
    """The demo could not be set up; the message says which step failed."""


def _say(line: str) -> None:
    sys.stdout.write(f"{time.strftime('%H:%M:%S')}  {line}\n")
    sys.stdout.flush()


def _print(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _settings(database: Path, port: int, party: LocalParty, admin_token: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=f"sqlite:///{database}",
        base_url=f"http://127.0.0.1:{port}",
        parties=[party],
        admin_token=SecretStr(admin_token),
        push_worker=True,
        push_poll_interval=0.5,
        push_max_backoff=5.0,
        partner_timeout=10.0,
        log_level="warning",
    )


def _written(report: ImportReport, what: str) -> None:
    if not report.written:
        raise DemoError(f"the sample {what} did not import: {'; '.join(map(str, report.invalid))}")


async def _until(check: Callable[[], Awaitable[bool]], within: float) -> bool:
    # Another app's database: nothing here is woken by its commits, so look a few times a second.
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.1)
    return True


class Demo:
    def __init__(self, options: DemoOptions, workdir: Path) -> None:
        self.options = options
        self.workdir = workdir
        self.stop = asyncio.Event()
        self.pushes: asyncio.Queue[Push] = asyncio.Queue()
        self.cdrs = 0

    async def run(self) -> None:
        admin_token = new_token()
        try:
            hub_socket = bind(self.options.port)
        except OSError as exc:
            raise DemoError(f"--port {self.options.port}: {exc.strerror}") from None
        emsp_socket = bind(0)
        hub_settings = _settings(
            self.workdir / "hub.db", hub_socket.getsockname()[1], sample.CPO, admin_token
        )
        emsp_settings = _settings(
            self.workdir / "emsp.db", emsp_socket.getsockname()[1], sample.EMSP, new_token()
        )
        ocpp_settings = OcppSettings(_env_file=None, heartbeat_interval=60)
        hub_app = create_gateway(hub_settings, ocpp_settings=ocpp_settings)
        # The library logs every CALLERROR on both sides of the socket; a refused session gets the demo's line.
        logging.getLogger("ocpp").setLevel(logging.ERROR)
        emsp_app = create_app(emsp_settings)
        hub = Server(hub_app, hub_socket, **uvicorn_websocket_options(ocpp_settings))
        emsp = Server(ReceivedPushes(emsp_app, self.pushes.put_nowait), emsp_socket)
        chargers: list[asyncio.Task[None]] = []
        stop_chargers = asyncio.Event()
        printer: asyncio.Task[None] | None = None
        try:
            await hub.start()
            await emsp.start()
            hub_sm: SessionMaker = hub_app.state.sessionmaker
            emsp_sm: SessionMaker = emsp_app.state.sessionmaker

            invitation = await registration.invite(hub_sm, hub_settings, name=sample.EMSP.name)
            partner = await registration.register(
                emsp_sm,
                emsp_app.state.partner_client,
                emsp_settings,
                versions_url=invitation.versions_url,
                token_a=invitation.token,
                name=sample.CPO.name,
            )
            async with emsp_sm() as session:
                record = await session.get(PartnerRecord, partner.id)
            if record is None or record.token_out is None:
                raise DemoError("the eMSP holds no token for the hub after the handshake")
            emsp_token = record.token_out

            _written(
                await import_objects(hub_sm, hub_settings, ImportKind.TARIFFS, [sample.tariff()]), "Tariff"
            )
            locations = [sample.location(station) for station in sample.STATIONS]
            _written(await import_objects(hub_sm, hub_settings, ImportKind.LOCATIONS, locations), "Locations")
            mapping = [sample.station_mapping(station) for station in sample.STATIONS]
            _written(await import_stations(hub_sm, hub_settings, mapping), "stations")
            drivers = [sample.token(station) for station in sample.STATIONS]
            _written(await import_objects(emsp_sm, emsp_settings, ImportKind.TOKENS, drivers), "Tokens")

            async def tokens_arrived() -> bool:
                async with hub_sm() as session:
                    query = (
                        select(func.count())
                        .select_from(TokenRecord)
                        .where(col(TokenRecord.partner_id).is_not(None))
                    )
                    return int((await session.exec(query)).one()) >= len(drivers)

            if not await _until(tokens_arrived, 20):
                raise DemoError("the demo eMSP's Tokens did not reach the hub")
            feed = await feed_tokens.create(hub_sm, name="ocpi-hub demo")

            self._banner(hub_settings, emsp_settings, emsp_token, admin_token, feed.token)
            printer = asyncio.get_running_loop().create_task(self._print_pushes())
            pace = Pace.at(self.options.speed)
            ws_base = f"ws://127.0.0.1:{hub.port}/ocpp"
            for index, station in enumerate(sample.STATIONS):
                delay = index * (pace.plug_in + pace.ticks * pace.tick) / 2
                chargers.append(
                    asyncio.get_running_loop().create_task(
                        self._charger(station, ws_base, pace, stop_chargers, delay)
                    )
                )
            try:
                await asyncio.wait_for(self.stop.wait(), self.options.duration)
            except TimeoutError:
                _print(f"-- {self.options.duration:g} s are over")
        finally:
            # Between two messages, so that no answer of the hub's is left without its socket.
            stop_chargers.set()
            if chargers:
                await asyncio.wait(chargers, timeout=5)
            for task in chargers:
                task.cancel()
            await asyncio.gather(*chargers, return_exceptions=True)
            await hub.stop()
            await emsp.stop()
            if printer is not None:
                printer.cancel()
                await asyncio.gather(printer, return_exceptions=True)
                while not self.pushes.empty():
                    self._show(self.pushes.get_nowait())

    async def _charger(
        self, station: sample.DemoStation, ws_base: str, pace: Pace, stop: asyncio.Event, delay: float
    ) -> None:
        try:
            await run_charger(station, ws_base, pace, _say, stop, delay=delay)
        except Exception as exc:
            _say(f"charger {station.station_id} stopped: {exc.__class__.__name__}: {exc}")

    def _show(self, push: Push) -> None:
        _say(describe(push))
        if push.module == "cdrs" and push.accepted:
            self.cdrs += 1
            if self.options.sessions is not None and self.cdrs >= self.options.sessions:
                self.stop.set()

    async def _print_pushes(self) -> None:
        while True:
            self._show(await self.pushes.get())

    def _banner(
        self, hub: Settings, emsp: Settings, emsp_token: str, admin_token: str, feed_token: str
    ) -> None:
        base = hub.base_url
        ocpi = "Token " + base64.b64encode(emsp_token.encode()).decode()
        stations = ", ".join(f"{s.station_id} (OCPP {s.version})" for s in sample.STATIONS)
        drivers = ", ".join(f"{s.id_tag} at {s.station_id}" for s in sample.STATIONS)
        where = f"{self.workdir} (kept: --keep)" if self.options.keep else f"{self.workdir} (removed on exit)"
        _print(
            f"""ocpi-hub demo: our CPO {sample.CPO.country_code}*{sample.CPO.party_id} with two simulated chargers, and a \
demo eMSP {sample.EMSP.country_code}*{sample.EMSP.party_id} registered by the credentials handshake.

  hub                {base}
  OCPI versions      {hub.versions_url}
  OCPP endpoint      ws://127.0.0.1:{base.rsplit(":", 1)[1]}/ocpp/{{station_id}}: {stations}
  eMSP's OCPI token  {emsp_token}
  admin token        {admin_token}
  feed token         {feed_token}
  demo eMSP          {emsp.versions_url}
  driver tokens      {drivers} (RFID, whitelist ALWAYS, pushed to the hub by the eMSP)
  tariff             {sample.TARIFF_ID}: {sample.ENERGY_PRICE} {sample.CURRENCY}/kWh + {sample.TIME_PRICE} \
{sample.CURRENCY}/h charging, excl. {sample.VAT}% VAT
  data               {where}

Explore (in another terminal):
  curl -H "Authorization: {ocpi}" {base}/ocpi/2.2.1/sender/locations
  curl -H "Authorization: {ocpi}" {base}/ocpi/2.2.1/sender/sessions
  curl -H "Authorization: Bearer {admin_token}" {base}/admin/stations
  curl -N -H "Authorization: Bearer {feed_token}" {base}/feeds/availability

What the demo eMSP receives (Ctrl-C stops):"""
        )


def run(options: DemoOptions) -> int:
    """Run the demo until Ctrl-C, SIGTERM, --duration or --sessions; 0 when it stopped as asked."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    workdir = Path(tempfile.mkdtemp(prefix="ocpi-hub-demo-"))
    try:
        upgrade(f"sqlite:///{workdir / 'hub.db'}")
        # Same schema for the eMSP: a copy is faster than migrating twice.
        shutil.copy(workdir / "hub.db", workdir / "emsp.db")
        asyncio.run(_main(options, workdir))
    except KeyboardInterrupt:
        pass
    finally:
        if options.keep:
            _print(f"-- kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    _print("-- demo stopped")
    return 0


async def _main(options: DemoOptions, workdir: Path) -> None:
    demo = Demo(options, workdir)
    loop = asyncio.get_running_loop()
    handled: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, demo.stop.set)
            handled.append(sig)
        except (NotImplementedError, RuntimeError):
            pass  # no loop signal handlers here (Windows): Ctrl-C arrives as KeyboardInterrupt
    try:
        await demo.run()
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
