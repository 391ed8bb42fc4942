"""`ocpi-hub reconcile`: transactions, Sessions, CDRs and CDR pushes that disagree, with their evidence, and
`--fix` for the CDRs the meter allows us to make (hub.reconcile)."""

from __future__ import annotations

import sys
from decimal import Decimal
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from hub.db import SessionMaker
from hub.partners.client import PartnerClient
from hub.reconcile.findings import FindingKind, FixOutcome
from hub.reconcile.fix import fix_missing_cdrs
from hub.reconcile.queries import Report, Thresholds, reconcile
from hub.reconcile.settings import ReconcileSettings

# Exit status when findings are listed (without --fix) or remain (with --fix); 1 is an error, 2 a usage error.
FOUND = 3


def _settings() -> ReconcileSettings:
    from hub.cli import CliError

    try:
        return ReconcileSettings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = "OCPI_HUB_RECONCILE_" + "_".join(str(p) for p in first["loc"][:1]).upper()
        raise CliError(f"invalid configuration: {field}: {first['msg']}") from None


def _table(report: Report, console: Console) -> None:
    counts = ", ".join(f"{kind.value} {count}" for kind, count in report.counts.items())
    console.print(f"{report.found} findings ({counts})")
    if not report.findings:
        return
    table = Table("kind", "subject", "what", "fix", show_lines=False)
    for finding in report.findings:
        fixable = "-"
        if finding.kind == FindingKind.SESSION_WITHOUT_CDR:
            fixable = "yes" if finding.fixable else "no"
        table.add_row(finding.kind.value, finding.subject, finding.message, fixable)
    console.print(table)


def _fixes(outcomes: list[FixOutcome], console: Console) -> None:
    for outcome in outcomes:
        if outcome.fixed:
            cost = outcome.total_cost or {}
            console.print(
                f"fixed: session {outcome.session_id}: CDR {outcome.cdr_id}, {outcome.total_energy} kWh, "
                f"total_cost {cost.get('excl_vat')} excl. VAT, queued to its eMSP"
            )
        else:
            console.print(f"not fixed: session {outcome.session_id}: {outcome.reason}")


def reconcile_command(
    as_json: Annotated[
        bool, typer.Option("--json", help="print the admin API's JSON instead of a table")
    ] = False,
    fix: Annotated[
        bool,
        typer.Option(
            "--fix",
            help="make the missing CDR of each completed transaction with start and end meter values (once), "
            "priced and queued to its eMSP",
        ),
    ] = False,
    kinds: Annotated[
        list[FindingKind] | None,
        typer.Option("--kind", help="a finding kind to look for (repeatable; default: all)"),
    ] = None,
    cdr_delay: Annotated[
        float | None,
        typer.Option(
            "--cdr-delay",
            min=0,
            metavar="SECONDS",
            help="override OCPI_HUB_RECONCILE_CDR_DELAY: how long after completion a missing CDR, and after "
            "queueing an unaccepted CDR, is a finding",
        ),
    ] = None,
    stuck_hours: Annotated[
        float | None,
        typer.Option(
            "--stuck-hours",
            metavar="HOURS",
            help="override OCPI_HUB_RECONCILE_STUCK_HOURS",
        ),
    ] = None,
    energy_tolerance: Annotated[
        float | None,
        typer.Option(
            "--energy-tolerance", min=0, metavar="KWH", help="override OCPI_HUB_RECONCILE_ENERGY_TOLERANCE"
        ),
    ] = None,
) -> None:
    """List what disagrees between OCPP transactions, Sessions, CDRs and CDR pushes, with the evidence. Exit
    status 0 when nothing is found (with --fix: nothing is left), 3 when something is, 1 on an error."""
    from hub import cli

    if stuck_hours is not None and stuck_hours <= 0:
        raise typer.BadParameter("must be above 0", param_hint="--stuck-hours")
    settings = cli._run(cli._settings)
    reconcile_settings = cli._run(_settings)
    thresholds = Thresholds.of(
        reconcile_settings,
        cdr_delay=cdr_delay,
        stuck_hours=stuck_hours,
        energy_tolerance=None if energy_tolerance is None else Decimal(str(energy_tolerance)),
    )

    async def body(
        sessionmaker: SessionMaker, _client: PartnerClient
    ) -> tuple[Report, list[FixOutcome], Report]:
        async with sessionmaker() as session:
            found = await reconcile(session, thresholds, kinds=kinds)
        if not fix:
            return found, [], found
        outcomes = await fix_missing_cdrs(sessionmaker, settings, found.findings)
        async with sessionmaker() as session:
            remaining = await reconcile(session, thresholds, kinds=kinds)
        return found, outcomes, remaining

    found, outcomes, remaining = cli._run(lambda: cli._with_db(settings, body))
    if as_json:
        view: dict[str, Any] = found.model_dump(mode="json")
        if fix:
            view["fixes"] = [o.model_dump(mode="json") for o in outcomes]
            view["remaining"] = remaining.model_dump(mode="json")
        cli._print_json(view)
    else:
        console = Console(file=sys.stdout, width=160)
        _table(found, console)
        if fix:
            _fixes(outcomes, console)
            console.print(f"{remaining.found} findings remain")
    if remaining.found:
        raise typer.Exit(FOUND)


def register(app: typer.Typer) -> None:
    app.command("reconcile")(reconcile_command)
