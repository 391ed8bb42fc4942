"""Limits on one client over a real uvicorn, as `ocpi-hub serve` runs it: request bodies over the size
limit (HTTP 413, nothing written) or sent too slowly (HTTP 408), request headers sent too slowly
(slowloris: cut off) or too large (HTTP 400), and requests per partner over the rate (HTTP 429)."""

from __future__ import annotations

import asyncio
import base64
import json
import time

from tests.integration.test_tokens import make_token
from tests.security.conftest import MakeServer, Running, add_partner

TOKEN = "partner-token-of-the-emsp"
OTHER = "partner-token-of-another-emsp"
RECEIVER = "/ocpi/2.2.1/receiver/tokens/DE/MSP/"


def ocpi(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


async def with_partners(server: Running) -> Running:
    await add_partner(server.app, "emsp", TOKEN, (("EMSP", "DE", "MSP"),))
    await add_partner(server.app, "other", OTHER, (("EMSP", "DE", "OTH"),))
    return server


async def stored(server: Running, uid: str) -> int:
    response = await server.client.get(RECEIVER + uid, headers=ocpi(TOKEN))
    return response.status_code


def padded_token(uid: str, size: int) -> dict[str, object]:
    # An unknown field is ignored on input (DESIGN decision 4): only the size makes this body wrong.
    return make_token(uid, party_id="MSP", padding="x" * size)


async def test_a_body_over_the_limit_is_413_in_the_envelope_and_nothing_is_written(
    make_server: MakeServer,
) -> None:
    server = await with_partners(await make_server(max_body_bytes=4096))
    small = await server.client.put(RECEIVER + "SMALL", json=padded_token("SMALL", 3000), headers=ocpi(TOKEN))
    assert small.status_code == 201, small.text
    large = await server.client.put(RECEIVER + "LARGE", json=padded_token("LARGE", 5000), headers=ocpi(TOKEN))
    assert large.status_code == 413
    body = large.json()
    assert body["status_code"] == 2000
    assert "4096 bytes" in body["status_message"]
    assert large.headers["X-Request-ID"]
    assert await stored(server, "LARGE") == 404
    assert await stored(server, "SMALL") == 200


async def test_a_chunked_body_that_grows_past_the_limit_is_413_and_nothing_is_written(
    make_server: MakeServer,
) -> None:
    server = await with_partners(await make_server(max_body_bytes=4096))
    document = json.dumps(padded_token("CHUNKED", 20_000)).encode()
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(document[start : start + 1000]), document[start : start + 1000])
        for start in range(0, len(document), 1000)
    )
    reader, writer = await open_socket(server)
    auth = ocpi(TOKEN)["Authorization"]
    writer.write(
        f"PUT {RECEIVER}CHUNKED HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\n"
        f"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
        + chunks
        + b"0\r\n\r\n"
    )
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), answer[:200]
    assert json.loads(body)["status_code"] == 2000
    assert await stored(server, "CHUNKED") == 404


async def test_the_admin_api_has_its_own_larger_limit(make_server: MakeServer) -> None:
    server = await make_server(max_body_bytes=1024, admin_max_body_bytes=2048)
    admin = {"Authorization": "Bearer admin-secret"}
    response = await server.client.post("/admin/partners/invite", json={"name": "x" * 1500}, headers=admin)
    assert response.status_code != 413
    response = await server.client.post("/admin/partners/invite", json={"name": "x" * 3000}, headers=admin)
    assert response.status_code == 413
    assert set(response.json()) == {"detail"}


async def open_socket(server: Running) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", server.port)


async def test_a_body_sent_too_slowly_is_408_and_nothing_is_written(make_server: MakeServer) -> None:
    server = await with_partners(await make_server(body_timeout=0.5))
    reader, writer = await open_socket(server)
    auth = ocpi(TOKEN)["Authorization"]
    writer.write(
        f"PUT {RECEIVER}SLOW HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nContent-Type: application/json\r\n"
        f"Content-Length: 400\r\n\r\n{{".encode()
    )
    await writer.drain()
    started = time.monotonic()
    answer = await asyncio.wait_for(reader.read(), 5)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
    assert 0.4 < time.monotonic() - started < 3
    writer.close()
    assert await stored(server, "SLOW") == 404


async def test_headers_sent_byte_by_byte_are_cut_off_after_the_header_timeout_and_others_are_served(
    make_server: MakeServer,
) -> None:
    server = await make_server(header_timeout=0.5)
    reader, writer = await open_socket(server)
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 10_000
    started = time.monotonic()
    cut_after = None
    for byte in request:
        try:
            writer.write(bytes([byte]))
            await writer.drain()
            # The server closing shows as end of stream on the reading side.
            if await asyncio.wait_for(reader.read(1), 0.02) == b"":
                cut_after = time.monotonic() - started
                break
        except TimeoutError:
            continue
        except ConnectionError:
            cut_after = time.monotonic() - started
            break
        # Meanwhile the server serves everyone else.
        if byte == ord("X"):
            assert (await server.client.get("/healthz")).status_code == 200
    writer.close()
    assert cut_after is not None, "the slow client was never cut off"
    assert 0.4 < cut_after < 3


async def test_a_connection_that_sends_nothing_is_closed_after_the_header_timeout(
    make_server: MakeServer,
) -> None:
    server = await make_server(header_timeout=0.3)
    reader, writer = await open_socket(server)
    started = time.monotonic()
    assert await asyncio.wait_for(reader.read(), 5) == b""
    assert 0.2 < time.monotonic() - started < 3
    writer.close()


async def test_keep_alive_requests_each_get_the_header_timeout_again(make_server: MakeServer) -> None:
    server = await make_server(header_timeout=0.5, keep_alive_timeout=5)
    async with server.client.stream("GET", "/healthz"):
        pass
    for _ in range(3):
        assert (await server.client.get("/healthz")).status_code == 200
        await asyncio.sleep(0.3)  # idle between requests, each under the header timeout
    assert (await server.client.get("/healthz")).status_code == 200


async def test_headers_over_the_size_limit_are_refused_with_400(make_server: MakeServer) -> None:
    server = await make_server(max_header_bytes=4096)
    response = await server.client.get("/healthz", headers={"X-Big": "a" * 5000})
    assert response.status_code == 400
    assert (await server.client.get("/healthz", headers={"X-Big": "a" * 3000})).status_code == 200


async def test_a_partner_over_its_rate_gets_429_with_retry_after_and_others_are_served(
    make_server: MakeServer,
) -> None:
    server = await with_partners(await make_server(rate_limit_per_second=0.5, rate_limit_burst=3))
    url = "/ocpi/2.2.1/sender/locations"
    for _ in range(3):
        assert (await server.client.get(url, headers=ocpi(TOKEN))).status_code == 200
    refused = await server.client.get(url, headers={**ocpi(TOKEN), "X-Request-ID": "r-429"})
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "2"
    assert refused.headers["X-Request-ID"] == "r-429"
    body = refused.json()
    assert body["status_code"] == 2000
    assert "Too many requests" in body["status_message"]
    assert set(body) == {"status_code", "status_message", "timestamp"}
    # The raw form of the same token is the same partner's bucket.
    raw = await server.client.get(url, headers={"Authorization": f"Token {TOKEN}"})
    assert raw.status_code == 429
    # Another partner has its own bucket; requests outside /ocpi are not counted.
    assert (await server.client.get(url, headers=ocpi(OTHER))).status_code == 200
    assert (await server.client.get("/healthz")).status_code == 200
    # An unknown token is still refused by authentication, not hidden behind the limit.
    assert (await server.client.get(url, headers=ocpi("unknown"))).status_code == 401


async def test_the_rate_limit_is_off_by_default(make_server: MakeServer) -> None:
    server = await with_partners(await make_server())
    assert not hasattr(server.app.state, "rate_limiter")
    for _ in range(30):
        assert (
            await server.client.get("/ocpi/2.2.1/sender/locations", headers=ocpi(TOKEN))
        ).status_code == 200
