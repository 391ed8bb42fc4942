"""`ocpi-hub import stations` and `ocpi-hub ocpp-gateway`: the station mapping, and the OCPP endpoint as a
process of its own (its app is composed in `adapters.app`, started by import string)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from hub.cli import CliError, _fail, _print_json, _read_json, _run, _settings, _with_db
from hub.db import SessionMaker
from hub.limits.slow_clients import uvicorn_http_options
from hub.operator.imports import ImportFileError, ImportReport
from hub.partners.client import PartnerClient
from hub.stations.imports import import_stations
from hub.stations.settings import OcppSettings, uvicorn_websocket_options


def ocpp_settings() -> OcppSettings:
    try:
        return OcppSettings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = "OCPI_HUB_OCPP_" + "_".join(str(p) for p in first["loc"][:1]).upper()
        raise CliError(f"invalid configuration: {field}: {first['msg']}") from None


def websocket_options() -> dict[str, Any]:
    """The uvicorn options of `ocpi-hub serve` and `ocpi-hub ocpp-gateway`: the OCPP websockets', and the
    limits on slow and oversized HTTP clients."""
    return {**uvicorn_websocket_options(ocpp_settings()), **uvicorn_http_options(_settings())}


def import_stations_command(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help='a JSON array of {"station_id", "location_id", "password"?, "upstream_url"?, "connectors": '
            '[{"evse", "connector"?, "evse_uid", "connector_id"}]}',
        ),
    ],
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="import the valid stations even when some are invalid")
    ] = False,
) -> None:
    """Map OCPP stations to our Locations: each OCPP connector to an EVSE and Connector that must already
    exist. Nothing is written when any station is invalid; unchanged stations stay as they are."""
    settings = _run(_settings)
    items = _run(lambda: _read_json(file))

    async def body(sessionmaker: SessionMaker, _client: PartnerClient) -> ImportReport:
        return await import_stations(sessionmaker, settings, items, skip_invalid=skip_invalid)

    def run() -> ImportReport:
        try:
            return _with_db(settings, body)
        except ImportFileError as exc:
            raise CliError(f"{file}: {exc}") from None

    report = _run(run)
    for invalid in report.invalid:
        typer.echo(f"{'skipped' if report.written else 'error'}: {file}: {invalid}", err=True)
    _print_json(report.as_dict())
    if not report.written:
        _fail(
            f"nothing imported: {len(report.invalid)} invalid of {report.total} (use --skip-invalid to import the rest)"
        )


def ocpp_gateway(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 9000,
) -> None:
    """Run only the OCPP endpoint (ws://HOST:PORT/ocpp/{station_id}) on the hub's database, as its own
    process; the hub (`ocpi-hub serve`) or `ocpi-hub worker` pushes what its stations change."""
    import uvicorn

    settings = _run(_settings)
    options = _run(websocket_options)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    uvicorn.run(
        "adapters.app:create_ocpp_gateway",
        factory=True,
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        proxy_headers=True,
        **options,
    )


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    import_app.command("stations")(import_stations_command)
    app.command("ocpp-gateway")(ocpp_gateway)
