"""Real `ocpi-hub serve`, `ocpp-gateway` and `worker` processes sharing one PostgreSQL database, and the eMSP
partner they serve, registered by writing what a credentials handshake would have stored."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from hub.db import create_engine, create_sessionmaker
from hub.security import hash_token
from hub.tables import (
    PartnerTokenRecord,
    TokenKind,
)
from tests.conftest import ocpi_auth
from tests.outbox.fake_partner import FakePartner
from tests.outbox.registered import store_partner
from tests.processes import free_port

ADMIN_TOKEN = "cluster-admin"
EMSP_TOKEN = "cluster-emsp-token"
PARTIES = [{"country_code": "NL", "party_id": "GWY", "role": "CPO", "name": "Cluster CPO"}]


@dataclass
class Node:
    """One process: `command` is serve, ocpp-gateway or worker; `env` adds OCPI_HUB_* settings."""

    name: str
    command: str
    database_url: str
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ocpp"

    @property
    def log(self) -> Path:
        return self.workdir / f"{self.name}.log"

    def environment(self) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("OCPI_HUB_")}
        return base | {
            "OCPI_HUB_DATABASE_URL": self.database_url,
            "OCPI_HUB_BASE_URL": self.url,
            "OCPI_HUB_PARTIES": json.dumps(PARTIES),
            "OCPI_HUB_ADMIN_TOKEN": ADMIN_TOKEN,
            "OCPI_HUB_LOG_LEVEL": "warning",
            "OCPI_HUB_OCPP_PING_INTERVAL": "0",
            **self.env,
        }

    def start(self) -> None:
        args = {
            "serve": ["serve", "--no-migrate", "--port", str(self.port)],
            "ocpp-gateway": ["ocpp-gateway", "--port", str(self.port)],
            "worker": ["worker"],
        }[self.command]
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hub", *args],
                env=self.environment(),
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, within: float = 90.0) -> None:
        """The HTTP probe answers (a worker: it said it delivers)."""
        assert self.process is not None
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log.read_text()}")
            if self.command == "worker":
                if "delivering pushes" in self.log.read_text():
                    return
            else:
                try:
                    if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
            time.sleep(0.1)  # another process starting: there is no event to await across processes
        raise RuntimeError(f"{self.name} did not become ready: {self.log.read_text()}")

    def kill(self) -> None:
        """kill -9: no shutdown, no lease released, no station recorded offline."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    async def admin(self, method: str, path: str, body: Any = None) -> Any:
        async with httpx.AsyncClient(base_url=self.url, timeout=30) as client:
            response = await client.request(
                method, f"/admin/{path}", json=body, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
            )
        assert response.status_code in (200, 201), f"{method} {path}: {response.status_code} {response.text}"
        return response.json()

    async def ocpi(self, method: str, path: str, body: Any) -> dict[str, Any]:
        """An eMSP's request to our OCPI API; the envelope's data."""
        async with httpx.AsyncClient(base_url=self.url, timeout=30) as client:
            response = await client.request(
                method, f"/ocpi/2.2.1/{path}", json=body, headers=ocpi_auth(EMSP_TOKEN)
            )
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        return data


def start_all(*nodes: Node) -> None:
    """Start them together, then wait for each: their start-up times overlap."""
    for node in nodes:
        node.start()
    for node in nodes:
        node.wait_ready()


async def register_emsp(database_url: str, fake: FakePartner, receivers: tuple[str, ...]) -> int:
    """`fake` as a registered eMSP: its roles, the Receiver endpoints we push to, the token we call it with
    and EMSP_TOKEN, with which it calls us."""
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            partner_id = await store_partner(session, fake, receivers=receivers)
            session.add(
                PartnerTokenRecord(
                    token_hash=hash_token(EMSP_TOKEN), partner_id=partner_id, kind=TokenKind.ACTIVE
                )
            )
            await session.commit()
            return partner_id
    finally:
        await engine.dispose()
