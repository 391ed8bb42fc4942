"""`ocpi-hub feed-token create|list|revoke` as an operator runs them: the token printed once with how to use
it, listed without it, revoked so that the feed refuses it, and one `error:` line for an unknown id."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import httpx

from hub.main import create_app
from tests.conftest import make_settings
from tests.feeds.conftest import bearer
from tests.processes import cli_env, run_cli


async def snapshot_status(database: Path, token: str) -> int:
    app = create_app(make_settings(f"sqlite:///{database}", "feed.test"))
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://feed.test"
        ) as client:
            return (await client.get("/feeds/availability/snapshot", headers=bearer(token))).status_code
    finally:
        await app.state.engine.dispose()


async def test_create_prints_the_token_once_list_hides_it_revoke_stops_it(
    tmp_path: Path, sqlite_template: Path
) -> None:
    database = tmp_path / "hub.db"
    shutil.copy(sqlite_template, database)
    env = cli_env(database, base_url="https://hub.example.com")

    # Each command is a new interpreter: the independent ones run side by side.
    created, unknown = await asyncio.gather(
        asyncio.to_thread(run_cli, ["feed-token", "create", "--name", "Route planner"], env, tmp_path),
        asyncio.to_thread(run_cli, ["feed-token", "revoke", "99"], env, tmp_path),
    )
    assert created.returncode == 0, created.stderr
    issued = json.loads(created.stdout)
    assert issued["name"] == "Route planner"
    assert issued["revoked_at"] is None
    token = issued["token"]
    assert f"Authorization: Bearer {token}" in created.stderr
    assert f"https://hub.example.com/feeds/availability?token={token}" in created.stderr
    assert await snapshot_status(database, token) == 200

    revoked = run_cli(["feed-token", "revoke", str(issued["id"])], env, tmp_path)
    assert revoked.returncode == 0, revoked.stderr
    assert json.loads(revoked.stdout)["revoked_at"] is not None
    assert await snapshot_status(database, token) == 401

    listed = run_cli(["feed-token", "list"], env, tmp_path)
    assert listed.returncode == 0, listed.stderr
    [entry] = json.loads(listed.stdout)
    assert set(entry) == {"id", "name", "created_at", "revoked_at"}
    assert entry["revoked_at"] is not None
    assert token not in listed.stdout

    assert unknown.returncode == 1
    assert "Traceback" not in unknown.stderr
    assert unknown.stderr.strip().splitlines() == [
        "error: no feed token with id 99 (see `ocpi-hub feed-token list`)"
    ]
