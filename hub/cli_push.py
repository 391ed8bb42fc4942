"""`ocpi-hub worker` and `ocpi-hub partner status|resend|retry`: the delivery worker as its own process, and
what an operator sees and does about a partner's pushes (DESIGN decision 5)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hub.db import create_engine, create_sessionmaker
from hub.outbox.operations import UnknownModuleError, requeue_refused, resend
from hub.outbox.state import partner_outbox
from hub.outbox.worker import DeliveryWorker
from hub.partners.http import partner_http
from hub.signals import ChangeSignal
from hub.tables import PartnerRecord
from hub.tables.outbox import ResyncRecord

PartnerId = Annotated[int, typer.Argument(metavar="ID", help="partner id from `partner list`")]


def worker(
    once: Annotated[bool, typer.Option("--once", help="deliver what is due now, then exit")] = False,
    metrics_port: Annotated[
        int | None,
        typer.Option("--metrics-port", help="serve this process's Prometheus metrics on this port"),
    ] = None,
) -> None:
    """Run the delivery worker on its own (e.g. with OCPI_HUB_PUSH_WORKER=false on the serve processes):
    it sends what the outbox holds to partners until stopped. Any number may share one PostgreSQL."""
    from hub import cli

    settings = cli._run(cli._settings)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(metrics_port)

    async def main() -> None:
        engine = create_engine(settings.database_url)
        async with partner_http() as http:
            delivery = DeliveryWorker(create_sessionmaker(engine, ChangeSignal()), http, settings)
            try:
                if once:
                    await delivery.drain()
                    return
                loop = asyncio.get_running_loop()
                task = asyncio.current_task()
                assert task is not None
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.add_signal_handler(sig, task.cancel)
                typer.echo(f"delivering pushes from {cli._safe_url(settings.database_url)}", err=True)
                try:
                    await delivery.run()
                except asyncio.CancelledError:
                    typer.echo("stopped", err=True)
            finally:
                await engine.dispose()

    cli._run(lambda: asyncio.run(main()))


def _status(view: dict[str, Any]) -> None:
    console = Console(file=sys.stdout, width=120)
    console.print(
        f"partner {view['partner_id']} ({view['name']}): {view['pending']} pending, {view['dead']} refused, "
        f"oldest pending {view['oldest_pending_seconds']:.1f} s"
    )
    if view["needs_resync"]:
        console.print(f"needs resync: {', '.join(view['needs_resync'])} (run `ocpi-hub partner resend ID`)")
    table = Table(
        "module", "pending", "sending", "refused", "given up", "oldest pending", "needs resync since"
    )
    for name, m in view["modules"].items():
        table.add_row(
            name,
            str(m["pending"]),
            str(m["sending"]),
            str(m["dead"]),
            str(m["gave_up"]),
            m["oldest_pending_at"] or "-",
            m["needs_resync_since"] or "-",
        )
    console.print(table)
    if view["recent_failures"]:
        failures = Table(
            "at", "method", "url", "outcome", "HTTP", "OCPI", "reply", title="latest failed attempts"
        )
        for a in view["recent_failures"]:
            failures.add_row(
                a["at"],
                a["method"],
                a["url"],
                a["outcome"],
                str(a["http_status"] or "-"),
                str(a["ocpi_status"] or "-"),
                (a["reply"] or "")[:60],
            )
        console.print(failures)


def partner_status(
    partner_id: PartnerId,
    as_json: Annotated[
        bool, typer.Option("--json", help="print the admin API's JSON instead of tables")
    ] = False,
) -> None:
    """A partner's pushes: pending, refused and given up per module, resync marks, latest failed attempts."""
    from hub import cli

    settings = cli._run(cli._settings)

    async def body(sessionmaker: Any, _client: Any) -> dict[str, Any]:
        async with sessionmaker() as session:
            view = await partner_outbox(session, partner_id)
        if view is None:
            raise cli.CliError(f"no partner with id {partner_id}")
        return view

    view = cli._run(lambda: cli._with_db(settings, body))
    if as_json:
        cli._print_json(view)
    else:
        _status(view)


def partner_resend(
    partner_id: PartnerId,
    modules: Annotated[
        list[str] | None,
        typer.Option("--module", help="a module to resend (repeatable); default: those marked needs-resync"),
    ] = None,
) -> None:
    """Queue a PUT of every object of ours in the modules to the partner and clear their resync marks."""
    from sqlmodel import col, select

    from hub import cli

    settings = cli._run(cli._settings)

    async def body(sessionmaker: Any, _client: Any) -> dict[str, int]:
        async with sessionmaker() as session:
            if await session.get(PartnerRecord, partner_id) is None:
                raise cli.CliError(f"no partner with id {partner_id}")
            chosen = modules
            if not chosen:
                marks = await session.exec(
                    select(ResyncRecord).where(col(ResyncRecord.partner_id) == partner_id)
                )
                chosen = sorted(m.module for m in marks.all())
                if not chosen:
                    raise cli.CliError("no module of this partner needs a resync: name modules with --module")
            try:
                queued = await resend(session, partner_id, chosen)
            except UnknownModuleError as exc:
                raise cli.CliError(str(exc)) from None
            await session.commit()
        return queued

    queued = cli._run(lambda: cli._with_db(settings, body))
    for module, count in queued.items():
        typer.echo(f"{module}: {count} pushes queued", err=True)
    cli._print_json({"partner_id": partner_id, "queued": queued})


def partner_retry(partner_id: PartnerId) -> None:
    """Send the CDRs and command results the partner refused for good once more (after it fixed the cause)."""
    from hub import cli

    settings = cli._run(cli._settings)

    async def body(sessionmaker: Any, _client: Any) -> int:
        async with sessionmaker() as session:
            if await session.get(PartnerRecord, partner_id) is None:
                raise cli.CliError(f"no partner with id {partner_id}")
            count = await requeue_refused(session, partner_id)
            await session.commit()
        return count

    count = cli._run(lambda: cli._with_db(settings, body))
    cli._print_json({"partner_id": partner_id, "requeued": count})
