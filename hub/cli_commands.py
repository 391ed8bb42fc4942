"""`ocpi-hub command ...`: send OCPI commands to a CPO partner and follow their results (mod_commands_cpo_interface)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any

import httpx
import typer

from hub import __version__
from hub.config import Settings
from hub.db import SessionMaker, create_engine, create_sessionmaker
from hub.modules.commands import outgoing
from hub.modules.commands.outgoing import CommandView, SendError
from hub.ocpi.v221.commands import CommandType
from hub.partners.client import PartnerClient
from hub.tables.commands import CommandDirection, CommandState

app = typer.Typer(
    help="Send commands (start/stop a session, reserve, cancel a reservation, unlock a connector) to a CPO "
    "partner and follow their results. `ocpi-hub serve` must be reachable at OCPI_HUB_BASE_URL: the CPO posts "
    "the result there.",
    no_args_is_help=True,
    add_completion=False,
)

# The network partners are reached through; tests put an in-process one here.
TRANSPORT: httpx.AsyncBaseTransport | None = None

# Seconds between looks at the database while --wait waits for a result that another process (`ocpi-hub
# serve`) receives: there is nothing to await across processes.
POLL_INTERVAL = 0.5


def _cli() -> ModuleType:
    # hub.cli registers this sub-app, so it is imported only when a command runs (no import cycle).
    from hub import cli

    return cli


def _fields(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _token(value: str) -> Any:
    """--token: an OCPI Token as inline JSON, or the path of a JSON file holding one."""
    cli = _cli()
    if value.lstrip().startswith("{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise cli.CliError(f"--token is not valid JSON: {exc}") from None
    return cli._read_json(Path(value))


async def _with_client(settings: Settings, body: Any) -> Any:
    engine = create_engine(settings.database_url)
    async with httpx.AsyncClient(
        transport=TRANSPORT, headers={"User-Agent": f"ocpi-hub/{__version__}"}
    ) as http:
        try:
            return await body(
                create_sessionmaker(engine), PartnerClient(http, timeout=settings.partner_timeout)
            )
        finally:
            await engine.dispose()


async def _wait(sessionmaker: SessionMaker, view: CommandView) -> CommandView:
    """Until the result is in, the response said no result follows, or the CPO's timeout has passed."""
    while not view.final:
        await asyncio.sleep(POLL_INTERVAL)
        again = await outgoing.get_view(sessionmaker, view.id)
        if again is None:
            break
        view = again
    return view


def _send(command: CommandType, partner_id: int, fields: dict[str, Any], wait: bool) -> None:
    cli = _cli()
    settings = cli._run(cli._settings)

    async def body(sessionmaker: SessionMaker, client: PartnerClient) -> CommandView:
        try:
            view = await outgoing.send_command(sessionmaker, client, settings, partner_id, command, fields)
        except SendError as exc:
            raise cli.CliError(str(exc)) from None
        return await _wait(sessionmaker, view) if wait else view

    view: CommandView = cli._run(lambda: asyncio.run(_with_client(settings, body)))
    cli._print_json(view)
    if view.state == CommandState.SEND_FAILED:
        typer.echo(f"error: {view.error}", err=True)
        raise typer.Exit(1)


Partner = Annotated[
    int, typer.Option("--partner", metavar="ID", help="the CPO partner's id (`partner list`)")
]
Wait = Annotated[
    bool,
    typer.Option(
        "--wait", help="wait for the CommandResult (or the CPO's timeout) and print the final state"
    ),
]
LocationId = Annotated[str, typer.Option("--location-id", help="Location.id at the CPO")]
EvseUid = Annotated[str | None, typer.Option("--evse-uid", help="EVSE.uid of that Location")]
ConnectorId = Annotated[str | None, typer.Option("--connector-id", help="Connector.id of that EVSE")]
TokenOption = Annotated[
    str,
    typer.Option(
        "--token", metavar="JSON|FILE", help="the OCPI Token (one of ours), inline JSON or a JSON file"
    ),
]
AuthorizationReference = Annotated[
    str | None,
    typer.Option("--authorization-reference", help="our reference, repeated in the Session and CDR"),
]
ReservationId = Annotated[str, typer.Option("--reservation-id", help="our id of the reservation")]


@app.command("start-session")
def start_session(
    partner: Partner,
    location_id: LocationId,
    token: TokenOption,
    evse_uid: EvseUid = None,
    connector_id: ConnectorId = None,
    authorization_reference: AuthorizationReference = None,
    wait: Wait = False,
) -> None:
    """START_SESSION: start charging with one of our Tokens (authorized by us: the CPO does not check it)."""
    fields = _fields(
        token=_cli()._run(lambda: _token(token)),
        location_id=location_id,
        evse_uid=evse_uid,
        connector_id=connector_id,
        authorization_reference=authorization_reference,
    )
    _send(CommandType.START_SESSION, partner, fields, wait)


@app.command("stop-session")
def stop_session(
    partner: Partner,
    session_id: Annotated[str, typer.Option("--session-id", help="Session.id at the CPO")],
    wait: Wait = False,
) -> None:
    """STOP_SESSION: stop a running Session."""
    _send(CommandType.STOP_SESSION, partner, _fields(session_id=session_id), wait)


@app.command("reserve-now")
def reserve_now(
    partner: Partner,
    location_id: LocationId,
    reservation_id: ReservationId,
    expiry_date: Annotated[
        str, typer.Option("--expiry-date", help="when the reservation ends (RFC 3339, UTC)")
    ],
    token: TokenOption,
    evse_uid: EvseUid = None,
    authorization_reference: AuthorizationReference = None,
    wait: Wait = False,
) -> None:
    """RESERVE_NOW: reserve an EVSE (or any EVSE of the Location) for one of our Tokens; the same Location and
    reservation id replaces the reservation."""
    fields = _fields(
        token=_cli()._run(lambda: _token(token)),
        expiry_date=expiry_date,
        reservation_id=reservation_id,
        location_id=location_id,
        evse_uid=evse_uid,
        authorization_reference=authorization_reference,
    )
    _send(CommandType.RESERVE_NOW, partner, fields, wait)


@app.command("cancel-reservation")
def cancel_reservation(partner: Partner, reservation_id: ReservationId, wait: Wait = False) -> None:
    """CANCEL_RESERVATION: cancel one of our reservations."""
    _send(CommandType.CANCEL_RESERVATION, partner, _fields(reservation_id=reservation_id), wait)


@app.command("unlock-connector")
def unlock_connector(
    partner: Partner,
    location_id: LocationId,
    evse_uid: Annotated[str, typer.Option("--evse-uid", help="EVSE.uid of that Location")],
    connector_id: Annotated[str, typer.Option("--connector-id", help="Connector.id of that EVSE")],
    wait: Wait = False,
) -> None:
    """UNLOCK_CONNECTOR: unlock a stuck Connector (operators and helpdesks only, never the driver)."""
    fields = _fields(location_id=location_id, evse_uid=evse_uid, connector_id=connector_id)
    _send(CommandType.UNLOCK_CONNECTOR, partner, fields, wait)


@app.command("show")
def show(command_id: Annotated[int, typer.Argument(metavar="ID", help="the command's id")]) -> None:
    """One command as JSON: its CommandResponse, its CommandResult, or TIMED_OUT."""
    cli = _cli()
    settings = cli._run(cli._settings)

    async def body(sessionmaker: SessionMaker, _client: PartnerClient) -> CommandView:
        found = await outgoing.get_view(sessionmaker, command_id)
        if found is None:
            raise cli.CliError(f"no command with id {command_id}")
        return found

    cli._print_json(cli._run(lambda: asyncio.run(_with_client(settings, body))))


@app.command("list")
def list_commands(
    direction: Annotated[
        CommandDirection | None, typer.Option(help="SENT (by us) or RECEIVED (from partners); default both")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="at most this many, newest first")] = 100,
) -> None:
    """The latest commands, sent and received, as a JSON array, newest first."""
    cli = _cli()
    settings = cli._run(cli._settings)

    async def body(sessionmaker: SessionMaker, _client: PartnerClient) -> list[CommandView]:
        return await outgoing.list_views(sessionmaker, direction=direction, limit=limit)

    views = cli._run(lambda: asyncio.run(_with_client(settings, body)))
    sys.stdout.write(json.dumps([v.model_dump(mode="json") for v in views], indent=2) + "\n")
