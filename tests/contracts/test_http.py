"""The suite's HTTP client (contracts/http.py): reports never carry a whole credentials token."""

from __future__ import annotations

import httpx

from contracts.http import OcpiClient


async def test_exchanges_mask_tokens_in_headers_and_bodies() -> None:
    secret = "production-token-0123456789"

    def answer(request: httpx.Request) -> httpx.Response:
        body = {"data": {"token": secret, "url": "https://p.example/versions"}, "status_code": 1000}
        return httpx.Response(200, json=body | {"timestamp": "2024-01-01T00:00:00Z"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        reply = await OcpiClient(http, token=secret).call(
            "PUT", "https://p.example/credentials", json_body={"token": secret, "url": "u", "roles": []}
        )

    shown = str(reply.exchange.to_json())
    assert secret not in shown
    assert '"token": "prod…"' in (reply.exchange.request_body or "")
    assert '"token":"prod…"' in reply.exchange.response_body
    assert reply.exchange.request_headers["Authorization"].endswith("…")
    assert reply.data["token"] == secret  # only the report is masked, not what checks read
