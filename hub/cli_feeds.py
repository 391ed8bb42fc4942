"""`ocpi-hub feed-token ...`: issue, list and revoke the tokens of the availability feed for navigation apps."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Annotated, TypeVar

import typer

from hub.config import Settings
from hub.db import SessionMaker, create_engine, create_sessionmaker
from hub.feeds import tokens
from hub.feeds.tokens import FeedTokenNotFoundError

T = TypeVar("T")

app = typer.Typer(
    help="Issue, list and revoke feed tokens: the bearer tokens navigation apps read the availability feed "
    "(/feeds/availability) with.",
    no_args_is_help=True,
    add_completion=False,
)


def _cli() -> ModuleType:
    # hub.cli registers this sub-app, so it is imported only when a command runs (no import cycle).
    from hub import cli

    return cli


def _with_sessionmaker(settings: Settings, body: Callable[[SessionMaker], Awaitable[T]]) -> T:
    async def main() -> T:
        engine = create_engine(settings.database_url)
        try:
            return await body(create_sessionmaker(engine))
        finally:
            await engine.dispose()

    return asyncio.run(main())


@app.command("create")
def create(
    name: Annotated[str, typer.Option("--name", help="who the token is for, e.g. the navigation app's name")],
) -> None:
    """Issue a feed token; prints it once as JSON (only its hash is stored) and how to use it."""
    cli = _cli()
    if not name.strip() or len(name) > 255:
        cli._fail("--name must be 1 to 255 characters")
    settings = cli._run(cli._settings)
    created = cli._run(lambda: _with_sessionmaker(settings, lambda sm: tokens.create(sm, name=name.strip())))
    cli._print_json(created)
    base = settings.base_url
    typer.echo(
        "Keep this token: it is shown only now. Use it as\n"
        f'  curl -N -H "Authorization: Bearer {created.token}" {base}/feeds/availability\n'
        f'  curl -H "Authorization: Bearer {created.token}" {base}/feeds/availability/snapshot\n'
        f"or, from a browser EventSource: {base}/feeds/availability?token={created.token}",
        err=True,
    )


@app.command("list")
def list_tokens() -> None:
    """Every feed token as JSON (id, name, created_at, revoked_at); the tokens themselves are not stored."""
    cli = _cli()
    settings = cli._run(cli._settings)
    cli._print_json(cli._run(lambda: _with_sessionmaker(settings, tokens.list_tokens)))


@app.command("revoke")
def revoke(
    token_id: Annotated[int, typer.Argument(metavar="ID", help="feed token id from `feed-token list`")],
) -> None:
    """Revoke a feed token: its requests get HTTP 401 and its open streams end within 15 seconds."""
    cli = _cli()
    settings = cli._run(cli._settings)

    async def body(sessionmaker: SessionMaker) -> tokens.FeedTokenInfo:
        try:
            return await tokens.revoke(sessionmaker, token_id)
        except FeedTokenNotFoundError as exc:
            raise cli.CliError(str(exc)) from None

    cli._print_json(cli._run(lambda: _with_sessionmaker(settings, body)))
