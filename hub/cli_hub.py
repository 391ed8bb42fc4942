"""`ocpi-hub hub parties` and `ocpi-hub partner suspend|resume`: the Hub role's operator commands
(transport_and_format_message_routing, mod_hub_client_info)."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hub.hub_role.parties import HubParty, describe_party, hub_parties
from hub.hub_role.suspension import UnknownPartnerError, set_suspended
from hub.modules import IMPLEMENTED, registry

PartnerId = Annotated[int, typer.Argument(metavar="ID", help="partner id from `partner list`")]

app = typer.Typer(help="The parties connected to this platform as a Hub.", no_args_is_help=True)


def register(main: typer.Typer, partner: typer.Typer) -> None:
    """Add these commands to `ocpi-hub` and its `partner` group."""
    main.add_typer(app, name="hub")
    partner.command("suspend")(partner_suspend)
    partner.command("resume")(partner_resume)


def _table(parties: list[HubParty]) -> None:
    console = Console(file=sys.stdout, width=140)
    table = Table("id", "name", "roles", "registration", "status", "since", "modules")
    for party in parties:
        since = party.suspended_at or party.unreachable_since
        modules = sorted({f"{e.identifier}:{e.role[0]}" for e in party.endpoints})
        table.add_row(
            "-" if party.partner_id is None else str(party.partner_id),
            party.name,
            " ".join(f"{r.role} {r.country_code}*{r.party_id}" for r in party.roles) or "-",
            party.registration,
            party.connection_status.value,
            since.isoformat() if since is not None else "-",
            " ".join(modules) or "-",
        )
    console.print(table)


@app.command("parties")
def parties(
    as_json: Annotated[
        bool, typer.Option("--json", help="print the admin API's JSON instead of a table")
    ] = False,
) -> None:
    """Every party behind the hub: roles, modules (S: Sender, R: Receiver) and connection status."""
    from hub import cli

    settings = cli._run(cli._settings)

    async def body(sessionmaker: Any, _client: Any) -> list[HubParty]:
        async with sessionmaker() as session:
            return await hub_parties(session, settings, registry.endpoints(settings, IMPLEMENTED))

    found = cli._run(lambda: cli._with_db(settings, body))
    if as_json:
        cli._print_json(found)
    else:
        _table(found)


def _set(partner_id: int, *, suspended: bool) -> None:
    from hub import cli

    settings = cli._run(cli._settings)

    async def body(sessionmaker: Any, _client: Any) -> HubParty:
        async with sessionmaker() as session:
            try:
                partner = await set_suspended(session, settings, partner_id, suspended=suspended)
            except UnknownPartnerError as exc:
                raise cli.CliError(str(exc)) from None
            described = await describe_party(session, partner)
            await session.commit()
        return described

    cli._print_json(cli._run(lambda: cli._with_db(settings, body)))


def partner_suspend(partner_id: PartnerId) -> None:
    """Suspend a partner: its OCPI calls get HTTP 403, pushes to it wait, the others are told (HubClientInfo)."""
    _set(partner_id, suspended=True)


def partner_resume(partner_id: PartnerId) -> None:
    """End a partner's suspension: it may call again and the pushes that waited for it go out."""
    _set(partner_id, suspended=False)
