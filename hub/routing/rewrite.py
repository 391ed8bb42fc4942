"""What the hub changes in what it forwards, and why (transport_and_format_message_routing,
transport_and_format_pagination, mod_commands, mod_charging_profiles, mod_cdrs):

- a `Link` points back through the hub, so the next page is asked of the hub too;
- a command's or charging-profile request's `response_url`, and a CDR POST's `Location`, become hub URLs:
  the parties hold no tokens for each other, so the call back has to pass through the hub as well;
- a forwarded Sessions or CDRs list shows the requesting party only its own drivers' objects.

Nothing else is touched: bodies pass through byte for byte, `last_updated` included."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote

import orjson

from hub.ocpi.headers import PartyRef

_LINK_TARGET = re.compile(r"<([^>]*)>")


def hub_link(link: str, *, their_endpoint: str, our_endpoint: str, rest: str) -> str:
    """A receiver's Link header with each URL moved to the hub's endpoint: the receiver's endpoint prefix is
    replaced by ours and the query kept; a URL outside that prefix keeps its query on the request's path."""
    prefix = their_endpoint.rstrip("/")

    def move(match: re.Match[str]) -> str:
        url = match.group(1)
        if url == prefix or url.startswith((prefix + "/", prefix + "?")):
            return f"<{our_endpoint}{url[len(prefix) :]}>"
        _, question, query = url.partition("?")
        return f"<{our_endpoint}{rest}{question}{query}>"

    return _LINK_TARGET.sub(move, link)


def replace_body_response_url(body: Any, url: str) -> bytes:
    """The JSON body with its `response_url` replaced (every other field as it came)."""
    return orjson.dumps({**body, "response_url": url})


def query_response_url(query: str) -> str | None:
    for item in query.split("&"):
        name, _, value = item.partition("=")
        if unquote(name) == "response_url" and value:
            return unquote(value.replace("+", " "))
    return None


def replace_query_response_url(query: str, url: str) -> str:
    """The query string with the `response_url` parameter's value replaced, every other parameter as it came."""
    items = []
    for item in query.split("&"):
        name, _, _value = item.partition("=")
        items.append(f"{name}={quote(url, safe='')}" if unquote(name) == "response_url" else item)
    return "&".join(items)


def only_billed_to(content: bytes, party: PartyRef) -> tuple[bytes, int]:
    """A Sessions or CDRs list envelope keeping only the objects whose `cdr_token` belongs to `party`, and how
    many were dropped. Anything that is not such an envelope comes back as it was."""
    try:
        envelope = orjson.loads(content)
    except orjson.JSONDecodeError:
        return content, 0
    data = envelope.get("data") if isinstance(envelope, dict) else None
    if not isinstance(data, list):
        return content, 0
    kept = [item for item in data if _billed_to(item, party)]
    if len(kept) == len(data):
        return content, 0
    return orjson.dumps({**envelope, "data": kept}), len(data) - len(kept)


def _billed_to(item: Any, party: PartyRef) -> bool:
    token = item.get("cdr_token") if isinstance(item, dict) else None
    if not isinstance(token, dict):
        return False
    country_code, party_id = token.get("country_code"), token.get("party_id")
    return (
        isinstance(country_code, str)
        and isinstance(party_id, str)
        and (country_code.upper(), party_id.upper()) == (party.country_code, party.party_id)
    )
