"""`ocpi-hub demo`: the whole loop with no setup; the demo lives in `adapters.demo` (it runs chargers and a second
platform), imported by its import string so that the hub imports no adapter."""

from __future__ import annotations

import importlib
from typing import Annotated

import typer

from hub.cli import CliError, _run


def demo(
    port: Annotated[
        int, typer.Option(help="the hub's TCP port on 127.0.0.1 (0: a free port)", min=0, max=65535)
    ] = 0,
    duration: Annotated[
        float | None, typer.Option(help="stop after this many seconds of running", min=0.1)
    ] = None,
    sessions: Annotated[
        int | None, typer.Option(help="stop once the demo eMSP has received this many CDRs", min=1)
    ] = None,
    speed: Annotated[
        float,
        typer.Option(
            help="run the chargers this many times faster (1: a charging cycle takes about 25 s)", min=0.1
        ),
    ] = 1.0,
    keep: Annotated[
        bool, typer.Option("--keep", help="keep the temporary directory with both databases")
    ] = False,
) -> None:
    """Run the whole loop on temporary SQLite databases, with no setup: the hub (CPO NL*DEM) with two
    Locations, a Tariff and its OCPP endpoint; a demo eMSP (DE*EMS) registered by the credentials handshake,
    whose Tokens the hub accepts; an OCPP 1.6 and an OCPP 2.0.1 simulated charger that change status and
    charge. Prints the URLs and tokens to explore with curl, then one line per push the eMSP receives (EVSE
    status, Session, priced CDR). Ctrl-C stops it; the temporary directory is removed unless --keep."""
    module = importlib.import_module("adapters.demo")
    options = module.DemoOptions(port=port, duration=duration, sessions=sessions, keep=keep, speed=speed)

    def body() -> int:
        try:
            code: int = module.run(options)
        except module.DemoError as exc:
            raise CliError(str(exc)) from None
        return code

    raise typer.Exit(_run(body))


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
