"""The `ocpi-hub` command: serve, migrate, and manage partner registrations (credentials.asciidoc)."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.progress import Progress
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from hub.config import Settings
from hub.db import DatabaseUrlError, SessionMaker, create_engine, create_sessionmaker
from hub.ocpi.enums import Role
from hub.operator.imports import ImportFileError, ImportKind, ImportReport, import_objects
from hub.partners import registration
from hub.partners.client import PartnerClient
from hub.partners.http import partner_http
from hub.partners.registration import RegistrationError

T = TypeVar("T")

app = typer.Typer(
    help="ocpi-hub: an OCPI 2.2.1 roaming hub and gateway. Configure it with OCPI_HUB_* environment variables (see README).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
partner_app = typer.Typer(
    help="Register, list and remove OCPI partners (the credentials handshake).", no_args_is_help=True
)
app.add_typer(partner_app, name="partner")
import_app = typer.Typer(
    help="Import our own Locations or Tariffs from a JSON array of OCPI objects.", no_args_is_help=True
)
app.add_typer(import_app, name="import")


def _register_command_app() -> None:
    # hub.cli_commands reuses this module's helpers, so it is imported once they exist.
    from hub.cli_commands import app as commands_app

    app.add_typer(commands_app, name="command")
    from hub.cli_feeds import app as feeds_app

    app.add_typer(feeds_app, name="feed-token")
    from hub.cli_conformance import conformance

    app.command("conformance")(conformance)
    from hub import cli_push

    app.command("worker")(cli_push.worker)
    partner_app.command("status")(cli_push.partner_status)
    partner_app.command("resend")(cli_push.partner_resend)
    partner_app.command("retry")(cli_push.partner_retry)
    from hub import cli_hub

    cli_hub.register(app, partner_app)
    from hub import cli_stations

    cli_stations.register(app, import_app)
    from hub import cli_demo

    cli_demo.register(app)
    from hub import cli_report

    cli_report.register(app)
    from hub import cli_reconcile

    cli_reconcile.register(app)


class CliError(Exception):
    """Ends the command with one line on stderr and exit status 1."""


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = "OCPI_HUB_" + "_".join(str(p) for p in first["loc"][:1]).upper()
        raise CliError(f"invalid configuration: {field}: {first['msg']}") from None


def _run(action: Callable[[], T]) -> T:
    """Run a command body and turn every failure into one clear line, never a traceback."""
    try:
        return action()
    except CliError as exc:
        _fail(str(exc))
    except RegistrationError as exc:
        _fail(str(exc))
    except DatabaseUrlError as exc:
        _fail(str(exc))
    except (OperationalError, ProgrammingError) as exc:
        text = str(exc.orig) if exc.orig is not None else str(exc)
        if "no such table" in text or "does not exist" in text:
            _fail("the database has no ocpi-hub schema yet: run `ocpi-hub migrate` first")
        _fail(f"database error: {text.splitlines()[0]}")
    except KeyboardInterrupt:
        _fail("interrupted")
    except Exception as exc:
        _fail(f"{exc.__class__.__name__}: {exc}")
    raise AssertionError("unreachable")


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _print_json(value: Any) -> None:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    elif isinstance(value, list):
        value = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
    sys.stdout.write(json.dumps(value, indent=2) + "\n")


def _with_db(settings: Settings, body: Callable[[SessionMaker, PartnerClient], Awaitable[T]]) -> T:
    async def main() -> T:
        engine = create_engine(settings.database_url)
        async with partner_http() as http:
            try:
                return await body(
                    create_sessionmaker(engine), PartnerClient(http, timeout=settings.partner_timeout)
                )
            finally:
                await engine.dispose()

    return asyncio.run(main())


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    migrate: Annotated[
        bool,
        typer.Option(
            "--migrate/--no-migrate",
            help="apply pending migrations first (use --no-migrate in production, where `ocpi-hub migrate` runs as its own step)",
        ),
    ] = True,
) -> None:
    """Run the hub: the OCPI API, the admin API, the health probes and the OCPP endpoint /ocpp/{station_id}."""
    import uvicorn

    from hub.migrate import upgrade

    settings = _run(_settings)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if migrate:
        _run(lambda: upgrade(settings.database_url))
        typer.echo(f"database {_safe_url(settings.database_url)} is up to date", err=True)
    from hub.cli_stations import websocket_options

    options = _run(websocket_options)
    uvicorn.run(
        # The hub with the OCPP endpoint, composed in adapters/ (the hub imports no adapter).
        "adapters.app:create_gateway",
        factory=True,
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        proxy_headers=True,
        **options,
    )


@app.command()
def migrate() -> None:
    """Apply pending database migrations and exit."""
    from hub.migrate import upgrade

    settings = _run(_settings)
    _run(lambda: upgrade(settings.database_url))
    typer.echo(f"database {_safe_url(settings.database_url)} is up to date", err=True)


@partner_app.command("invite")
def partner_invite(
    name: Annotated[str | None, typer.Option(help="a name to recognise the partner by")] = None,
) -> None:
    """Create a pending registration; prints {"token", "versions_url"} to hand to the partner."""
    settings = _run(_settings)
    invitation = _run(lambda: asyncio.run(_invite(settings, name)))
    sys.stdout.write(json.dumps(invitation.model_dump(mode="json")) + "\n")


async def _invite(settings: Settings, name: str | None) -> registration.Invitation:
    engine = create_engine(settings.database_url)
    try:
        return await registration.invite(create_sessionmaker(engine), settings, name=name)
    finally:
        await engine.dispose()


@partner_app.command("register")
def partner_register(
    versions_url: Annotated[str, typer.Option("--versions-url", help="the partner's OCPI versions URL")],
    token: Annotated[str, typer.Option("--token", help="the credentials token A the partner gave us")],
    name: Annotated[str | None, typer.Option(help="a name to recognise the partner by")] = None,
) -> None:
    """Register with a partner: fetch its versions with token A, POST our credentials, store its token.
    `ocpi-hub serve` must be running at OCPI_HUB_BASE_URL: the partner calls us back during the handshake."""
    settings = _run(_settings)
    if not versions_url.startswith(("http://", "https://")):
        _fail(f"--versions-url must be an http:// or https:// URL, got {versions_url!r}")
    info = _run(
        lambda: _with_db(
            settings,
            lambda sm, client: registration.register(
                sm, client, settings, versions_url=versions_url, token_a=token, name=name
            ),
        )
    )
    _print_json(info)


@partner_app.command("update")
def partner_update(
    partner_id: Annotated[int, typer.Argument(metavar="ID", help="partner id from `partner list`")],
) -> None:
    """PUT our credentials to a partner: both tokens rotate and its endpoints are fetched again."""
    settings = _run(_settings)
    info = _run(
        lambda: _with_db(settings, lambda sm, client: registration.update(sm, client, settings, partner_id))
    )
    _print_json(info)


@partner_app.command("list")
def partner_list() -> None:
    """Every partner as JSON: status, roles and endpoints."""
    settings = _run(_settings)
    partners = _run(lambda: _with_db(settings, lambda sm, _client: registration.list_partners(sm)))
    _print_json(partners)


@partner_app.command("remove")
def partner_remove(
    partner_id: Annotated[int, typer.Argument(metavar="ID", help="partner id from `partner list`")],
) -> None:
    """Unregister a partner: DELETE on its credentials where reachable; its tokens stop working."""
    settings = _run(_settings)
    result = _run(
        lambda: _with_db(settings, lambda sm, client: registration.remove(sm, client, settings, partner_id))
    )
    if not result.notified:
        typer.echo(f"warning: {result.detail}", err=True)
    _print_json(result)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CliError(f"{path}: no such file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CliError(f"{path}: not valid JSON: {exc}") from None


def _import(kind: ImportKind, path: Path, skip_invalid: bool) -> None:
    settings = _run(_settings)
    items = _run(lambda: _read_json(path))

    async def body(sessionmaker: SessionMaker, _client: PartnerClient) -> ImportReport:
        count = len(items) if isinstance(items, list) else 0
        console = Console(stderr=True)
        with Progress(console=console, transient=True, disable=count < 200 or not console.is_terminal) as bar:
            task = bar.add_task(f"importing {kind}", total=count)
            return await import_objects(
                sessionmaker,
                settings,
                kind,
                items,
                skip_invalid=skip_invalid,
                progress=lambda n: bar.advance(task, n),
            )

    def run() -> ImportReport:
        try:
            return _with_db(settings, body)
        except ImportFileError as exc:
            raise CliError(f"{path}: {exc}") from None

    report = _run(run)
    for invalid in report.invalid:
        typer.echo(f"{'skipped' if report.written else 'error'}: {path}: {invalid}", err=True)
    _print_json(report.as_dict())
    if not report.written:
        typer.echo(
            f"error: nothing imported: {len(report.invalid)} invalid of {report.total} (use --skip-invalid to import the rest)",
            err=True,
        )
        raise typer.Exit(1)


SkipInvalid = Annotated[
    bool, typer.Option("--skip-invalid", help="import the valid objects even when some are invalid")
]
ImportFile = Annotated[
    Path, typer.Argument(metavar="FILE", help="a JSON array of OCPI objects owned by one of our CPO parties")
]


@import_app.command("locations")
def import_locations(file: ImportFile, skip_invalid: SkipInvalid = False) -> None:
    """Import Locations (with their EVSEs and Connectors). Nothing is written when any object is invalid;
    objects that did not change keep their last_updated."""
    _import(ImportKind.LOCATIONS, file, skip_invalid)


@import_app.command("tokens")
def import_tokens(
    file: Annotated[
        Path,
        typer.Argument(metavar="FILE", help="a JSON array of OCPI Tokens owned by one of our EMSP parties"),
    ],
    skip_invalid: SkipInvalid = False,
) -> None:
    """Import Tokens of our eMSP parties. Nothing is written when any Token is invalid; unchanged Tokens keep
    their last_updated."""
    _import(ImportKind.TOKENS, file, skip_invalid)


@import_app.command("tariffs")
def import_tariffs(file: ImportFile, skip_invalid: SkipInvalid = False) -> None:
    """Import Tariffs. Nothing is written when any object is invalid; unchanged Tariffs keep their last_updated."""
    _import(ImportKind.TARIFFS, file, skip_invalid)


async def _our_location_time_zone(
    settings: Settings, country_code: str | None, party_id: str | None, location_id: str
) -> str | None:
    """The time_zone of one of our own Locations, or None when it is not ours or the database has none."""
    from hub.modules.locations.service import repository
    from hub.modules.objects import Owner, from_json

    owners = [Owner.of(p.country_code, p.party_id) for p in settings.parties if p.role == Role.CPO]
    if country_code and party_id:
        owners = [o for o in owners if o == Owner.of(country_code, party_id)]
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            record = await repository(session).get_local(location_id, owners)
    except (OperationalError, ProgrammingError):
        return None
    finally:
        await engine.dispose()
    if record is None:
        return None
    zone = from_json(record.body).get("time_zone")
    return zone if isinstance(zone, str) else None


@app.command()
def price(
    tariff: Annotated[
        Path,
        typer.Option(
            "--tariff", metavar="TARIFF.json", help="an OCPI Tariff (bare or in an OCPI response envelope)"
        ),
    ],
    cdr: Annotated[
        Path,
        typer.Option(
            "--cdr",
            metavar="CDR.json",
            help="an OCPI CDR, or the CDR fields: start/end_date_time, charging_periods, totals, cdr_location",
        ),
    ],
    time_zone: Annotated[
        str | None,
        typer.Option(
            "--time-zone",
            metavar="NAME",
            help="IANA time zone of the Location (default: the Location's in our database, else UTC)",
        ),
    ] = None,
) -> None:
    """Price a CDR with a Tariff as mod_tariffs.asciidoc says; prints the CDR cost fields as one JSON object.
    Where min_price or max_price changes the total, only total_cost shows it (see "notes")."""
    from hub.pricing.command import cdr_location_key, price_command

    source = "from --time-zone"
    if time_zone is None:
        location = cdr_location_key(cdr)
        settings = _run(_settings)
        url = make_url(settings.database_url)
        # With no database file here, do not create an empty one just to look.
        no_database = (
            url.get_backend_name() == "sqlite" and bool(url.database) and not Path(str(url.database)).exists()
        )
        if location is not None and not no_database:
            country_code, party_id, location_id = location
            time_zone = asyncio.run(_our_location_time_zone(settings, country_code, party_id, location_id))
            source = f"from Location {location_id} in the database"
    raise typer.Exit(price_command(tariff, cdr, time_zone, time_zone_source=source))


_register_command_app()


def main() -> None:
    app()
