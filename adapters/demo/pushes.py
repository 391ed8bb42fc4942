"""What the demo eMSP receives: an ASGI wrapper around its OCPI Receiver interfaces that reports every push
it accepted (mod_locations, mod_tariffs, mod_sessions, mod_cdrs Receiver interfaces), and one line per push."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

RECEIVER = "/ocpi/2.2.1/receiver/"


@dataclass(frozen=True)
class Push:
    """One request a partner made to a Receiver interface, with the OCPI status code we answered."""

    method: str
    module: str
    path: tuple[str, ...]
    body: Any
    http_status: int
    ocpi_status: int | None

    @property
    def accepted(self) -> bool:
        return self.http_status < 300 and self.ocpi_status == 1000


def _json(data: bytes) -> Any:
    try:
        return json.loads(data) if data else None
    except ValueError:
        return None


class ReceivedPushes:
    """Passes every request to `app`; each PUT, PATCH or POST on a Receiver interface is given to `report`
    once answered."""

    def __init__(self, app: ASGIApp, report: Callable[[Push], None]) -> None:
        self.app = app
        self.report = report

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if (
            scope["type"] != "http"
            or scope["method"] not in ("PUT", "PATCH", "POST")
            or not path.startswith(RECEIVER)
        ):
            await self.app(scope, receive, send)
            return
        request: list[bytes] = []
        response: list[bytes] = []
        status = 0

        async def receiving() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                request.append(message.get("body", b""))
            return message

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                response.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receiving, sending)
        module, *rest = path[len(RECEIVER) :].strip("/").split("/")
        answer = _json(b"".join(response))
        self.report(
            Push(
                method=str(scope["method"]),
                module=module,
                path=tuple(rest),
                body=_json(b"".join(request)),
                http_status=status,
                ocpi_status=answer.get("status_code") if isinstance(answer, dict) else None,
            )
        )


def _kwh(value: Any) -> str:
    return f"{float(value):.3f} kWh" if isinstance(value, int | float | str) else "?"


def _money(cost: Any, currency: str) -> str:
    if not isinstance(cost, dict):
        return "?"
    text = f"{cost.get('excl_vat')} {currency} excl. VAT"
    return text + (f", {cost['incl_vat']} {currency} incl. VAT" if cost.get("incl_vat") is not None else "")


def _hours(value: Any) -> str:
    if not isinstance(value, int | float | str):
        return "? h"
    return f"{value} h ({round(float(value) * 3600)} s)"


def describe(push: Push) -> str:
    """One line for a push the eMSP received."""
    body = push.body if isinstance(push.body, dict) else {}
    where = "/".join(push.path[2:])
    if not push.accepted:
        return (
            f"{push.module} {push.method} {where}: refused (HTTP {push.http_status}, OCPI {push.ocpi_status})"
        )
    if push.module == "locations":
        if len(push.path) == 3 and push.method == "PUT":
            evses = ", ".join(f"{e.get('uid')} {e.get('status')}" for e in body.get("evses", []))
            return f"Location {where} {push.method}: {body.get('name')} ({evses})"
        if len(push.path) == 4 and "status" in body:
            return f"EVSE {where} status {body['status']}"
        changed = ", ".join(sorted(k for k in body if k != "last_updated")) or "last_updated"
        return f"Location {where} {push.method}: {changed}"
    if push.module == "tariffs":
        return f"Tariff {where} {push.method}"
    if push.module == "sessions":
        fields = [f"status {body['status']}"] if "status" in body else []
        if "kwh" in body:
            fields.append(_kwh(body["kwh"]))
        if push.method == "PUT":
            token = body.get("cdr_token", {})
            fields.append(f"at {body.get('location_id')}/{body.get('evse_uid')}, token {token.get('uid')}")
        return f"Session {where} {push.method}: {', '.join(fields) or 'last_updated'}"
    if push.module == "cdrs":
        currency = str(body.get("currency", ""))
        tariffs = ", ".join(str(t.get("id")) for t in body.get("tariffs", []) if isinstance(t, dict))
        return (
            f"CDR {body.get('id')}: {_kwh(body.get('total_energy'))}, {_hours(body.get('total_time'))}, "
            f"total_cost {_money(body.get('total_cost'), currency)}, tariff {tariffs or 'none'} "
            f"(at {body.get('cdr_location', {}).get('id')}, token {body.get('cdr_token', {}).get('uid')})"
        )
    return f"{push.module} {push.method} {where}"
