"""`ocpi-hub report utilisation`: sessions, energy, occupancy, time all EVSEs were busy and refused starts per
Location and EVSE of ours, from the status history and Sessions in the database (hub/analytics)."""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from hub.analytics.report import NoDataError, Utilisation, day_range, history_rows, utilisation, write_csv
from hub.analytics.report import text_table as render_text
from hub.cli import CliError, _run, _settings
from hub.db import create_engine
from hub.ocpi.base import utc_now

app = typer.Typer(help="Reports on our own Locations.", no_args_is_help=True)
INSTALL_REPORTS = "pip install 'ocpi-hub[reports]'"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@app.callback()
def reports() -> None:
    """Reports on our own Locations."""


def parse_day(option: str, value: str) -> date:
    """A YYYY-MM-DD date, or CliError naming the option."""
    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise CliError(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


def _compute(database_url: str, start: datetime, end: datetime) -> Utilisation:
    async def main() -> Utilisation:
        engine = create_engine(database_url)
        try:
            console = Console(stderr=True)
            with Progress(console=console, transient=True, disable=not console.is_terminal) as bar:
                total = await history_rows(engine, start, end) if console.is_terminal else None
                task = bar.add_task("status history", total=total)
                return await utilisation(engine, start, end, progress=lambda n: bar.advance(task, n))
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except NoDataError as exc:
        raise CliError(str(exc)) from None


def _check_png() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise CliError(f"--png needs matplotlib, which is not installed: {INSTALL_REPORTS}") from None


def _write_csv(report: Utilisation, path: Path) -> int:
    try:
        with path.open("w", encoding="utf-8", newline="") as out:
            return write_csv(report, out)
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror or exc}") from None


def _write_png(report: Utilisation, path: Path) -> None:
    from hub.analytics.charts import draw

    try:
        draw(report, path)
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror or exc}") from None


@app.command("utilisation")
def utilisation_command(
    first: Annotated[
        str, typer.Option("--from", metavar="DATE", help="first day, YYYY-MM-DD (from 00:00 UTC)")
    ],
    last: Annotated[
        str, typer.Option("--to", metavar="DATE", help="last day, YYYY-MM-DD, included (to 24:00 UTC)")
    ],
    csv: Annotated[
        Path | None, typer.Option("--csv", metavar="OUT", help="write a row per Location and per EVSE")
    ] = None,
    png: Annotated[
        Path | None,
        typer.Option(
            "--png", metavar="OUT", help=f"draw the occupancy heatmap and the ranking ({INSTALL_REPORTS})"
        ),
    ] = None,
    top: Annotated[int, typer.Option(help="Locations shown on stdout (all of them go to --csv)")] = 20,
) -> None:
    """Per Location and EVSE: sessions started and their kWh, occupancy (CHARGING or BLOCKED time over the
    time not PLANNED, REMOVED or UNKNOWN), hours of the week when every EVSE was busy, refused starts and
    authorizations, and the Locations ranked over or under capacity. Days are UTC; hours of the week are each
    Location's local time."""
    start_day = _run(lambda: parse_day("--from", first))
    end_day = _run(lambda: parse_day("--to", last))

    def bounds() -> tuple[datetime, datetime]:
        try:
            return day_range(start_day, end_day, utc_now())
        except ValueError as exc:
            raise CliError(str(exc)) from None

    start, end = _run(bounds)
    if png is not None:
        _run(_check_png)
    settings = _run(_settings)
    report = _run(lambda: _compute(settings.database_url, start, end))
    typer.echo(render_text(report, limit=max(top, 0)), nl=False)
    if csv is not None:
        rows = _run(lambda: _write_csv(report, csv))
        typer.echo(f"wrote {rows} rows to {csv}", err=True)
    if png is not None:
        _run(lambda: _write_png(report, png))
        typer.echo(f"wrote {png}", err=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="report")
