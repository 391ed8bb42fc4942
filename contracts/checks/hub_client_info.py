"""HubClientInfo module checks (mod_hub_client_info.asciidoc): a party's Receiver answers GET of a ClientInfo it
does not hold with HTTP 404 (the Hub's Sender list is checked by contracts.checks.lists)."""

from __future__ import annotations

from contracts.checks.common import http_status
from contracts.context import Context, new_id
from contracts.registry import check

MODULE = "hubclientinfo"


@check(
    "hubclientinfo.receiver.unknown_party_404",
    module=MODULE,
    role="RECEIVER",
    spec=("mod_hub_client_info.asciidoc", "GET Method", "mod_hub_client_info_client_get"),
)
async def unknown_party(ctx: Context) -> None:
    """GET of the ClientInfo of a party nobody registered is answered with HTTP 404."""
    url = f"{ctx.require(MODULE, 'RECEIVER')}/ZZ/{new_id('Q')[-3:]}"
    reply = await ctx.client.call("GET", url)
    http_status(reply, 404, "GET an unknown party's ClientInfo")
