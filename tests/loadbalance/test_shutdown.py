"""The load balancer at shutdown (README "Site load balancing"): its startup read of site limits ends before
the engine is disposed, so a hub stopped at once leaves no task and no database connection behind."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from asgi_lifespan import LifespanManager
from pydantic import SecretStr

from hub.config import Settings
from hub.main import create_app


async def test_a_hub_stopped_right_after_starting_leaves_no_task_running(
    tmp_path: Path, sqlite_template: Path
) -> None:
    for attempt in range(20):
        path = tmp_path / f"hub-{attempt}.db"
        shutil.copy(sqlite_template, path)
        app = create_app(
            Settings(database_url=f"sqlite:///{path}", admin_token=SecretStr("admin"), push_worker=False)
        )
        async with LifespanManager(app):
            pass
        left = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        assert left == [], f"after start {attempt}: {left}"
