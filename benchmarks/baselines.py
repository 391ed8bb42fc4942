"""Baseline servers: the least a server can do for the same answers, under the same uvicorn settings.

`pages_app`: a minimal FastAPI app returning recorded answers (body and headers) from memory, by path and
query, read from the JSON file named by BENCH_PAGES. `receiver_app`: an OCPI Receiver that accepts every
PUT/PATCH/POST at once (the fast partner of the push benchmarks; BENCH_RECEIPTS, when set, is a file it
appends `<monotonic receipt time> <method> <path> <status> <last_updated>` lines to, "-" for what the body
does not carry)."""

from __future__ import annotations

import json
import os
import time
from typing import Any

from fastapi import FastAPI, Request, Response

ACCEPTED = b'{"status_code":1000,"status_message":"Success","timestamp":"2026-01-01T00:00:00Z"}'


def pages_app() -> FastAPI:
    with open(os.environ["BENCH_PAGES"], encoding="utf-8") as handle:
        recorded: dict[str, dict[str, Any]] = json.load(handle)
    pages = {path: (page["body"].encode(), dict(page["headers"])) for path, page in recorded.items()}
    app = FastAPI()

    @app.get("/{path:path}")
    async def page(request: Request) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        body, headers = pages[target]
        return Response(body, media_type="application/json", headers=headers)

    return app


def _state_of(body: bytes) -> tuple[str, str]:
    """The `status` and `last_updated` a pushed body carries ("-" for what it does not)."""
    try:
        data = json.loads(body) if body else None
    except ValueError:
        return "-", "-"
    if not isinstance(data, dict):
        return "-", "-"
    return str(data.get("status") or "-"), str(data.get("last_updated") or "-")


def receiver_app() -> FastAPI:
    receipts_path = os.environ.get("BENCH_RECEIPTS")
    receipts = open(receipts_path, "a", buffering=1, encoding="utf-8") if receipts_path else None  # noqa: SIM115
    app = FastAPI()

    async def accept(request: Request) -> Response:
        body = await request.body()
        if receipts is not None:
            received = time.monotonic()
            status, stamp = _state_of(body)
            receipts.write(f"{received:.6f} {request.method} {request.url.path} {status} {stamp}\n")
        return Response(ACCEPTED, media_type="application/json")

    app.add_api_route("/{path:path}", accept, methods=["PUT", "PATCH", "POST"])
    return app
