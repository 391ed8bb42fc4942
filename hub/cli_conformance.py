"""`ocpi-hub conformance`: run the OCPI 2.2.1 contract suite (contracts/) against any OCPI versions URL."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer

from hub.ocpi.enums import ModuleID

ROLES = ("CPO", "EMSP", "HUB", "NAP", "NSP", "OTHER", "SCSP")

# Exit statuses: every applicable check passed / some check failed / the run could not start.
PASSED, FAILED, NOT_RUN = 0, 1, 2


def _error(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(NOT_RUN)


def _split(values: list[str] | None) -> tuple[str, ...]:
    """Repeated options and comma-separated lists alike."""
    items = [part.strip() for value in values or [] for part in value.split(",")]
    return tuple(item for item in items if item)


def _listen(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise _error(f"--listen must be HOST:PORT (PORT 0 picks a free one), got {value!r}")
    return host.strip("[]"), int(port)


def conformance(
    versions_url: Annotated[str, typer.Option("--versions-url", help="the endpoint's OCPI versions URL")],
    token: Annotated[
        str,
        typer.Option(
            "--token",
            help="a credentials token A (the suite registers, runs, unregisters); with --read-only the token of "
            "an existing registration",
        ),
    ],
    role: Annotated[
        list[str] | None,
        typer.Option(
            "--role", help="the roles to check the endpoint as (CPO, EMSP, HUB...; default: its credentials)"
        ),
    ] = None,
    modules: Annotated[
        list[str] | None,
        typer.Option(
            "--modules", help="only these modules, e.g. locations,tariffs (default: every announced one)"
        ),
    ] = None,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="also write the report as JSON here")
    ] = None,
    junit_path: Annotated[
        Path | None, typer.Option("--junit", help="also write a JUnit XML report here")
    ] = None,
    read_only: Annotated[
        bool, typer.Option("--read-only", help="send only GETs (for production partners)")
    ] = False,
    party: Annotated[
        str, typer.Option("--party", help="the suite's own party, CC*PID, that owns the objects it pushes")
    ] = "ZZ*CTS",
    listen: Annotated[
        str, typer.Option("--listen", help="where the suite serves its versions and response_urls")
    ] = "127.0.0.1:0",
    public_url: Annotated[
        str | None,
        typer.Option(
            "--public-url", help="the URL the endpoint reaches --listen at (default: http://HOST:PORT)"
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", help="seconds to wait for each response", min=0.1)
    ] = 15.0,
    result_wait: Annotated[
        float,
        typer.Option("--result-wait", help="longest wait in seconds for an asynchronous result", min=0.0),
    ] = 60.0,
    max_pages: Annotated[int, typer.Option("--max-pages", help="pages walked per list at most", min=1)] = 200,
) -> None:
    """Check an OCPI 2.2.1 endpoint against the spec: exit 0 when every applicable check passes, 1 when one
    fails, 2 when the run cannot start."""
    from rich.console import Console

    from contracts import report as reports
    from contracts.context import Party, RunConfig
    from contracts.runner import SetupError, run

    roles = tuple(r.upper() for r in _split(role))
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise _error(f"--role {unknown[0]} is not one of {', '.join(ROLES)}")
    selected = tuple(m.lower() for m in _split(modules))
    known = [m.value for m in ModuleID]
    if any(m not in known for m in selected):
        wrong = next(m for m in selected if m not in known)
        raise _error(f"--modules: {wrong!r} is not a module ({', '.join(known)})")
    try:
        own = Party.parse(party)
    except ValueError as exc:
        raise _error(f"--party: {exc}") from None
    host, port = _listen(listen)
    config = RunConfig(
        versions_url=versions_url.strip(),
        token=token.strip(),
        read_only=read_only,
        roles=roles,
        modules=selected,
        party=own,
        party_given=party != "ZZ*CTS",
        listen_host=host,
        listen_port=port,
        public_url=public_url,
        timeout=timeout,
        result_wait=result_wait,
        max_pages=max_pages,
    )
    try:
        result = asyncio.run(run(config))
    except SetupError as exc:
        if json_path is not None:
            json_path.write_text(
                json.dumps({"versions_url": config.versions_url, "error": str(exc)}, indent=2)
            )
        if junit_path is not None:
            junit_path.write_bytes(reports.junit_error(config.versions_url, str(exc)))
        raise _error(str(exc)) from None
    except OSError as exc:
        raise _error(f"cannot serve the suite's endpoints on {listen}: {exc.strerror or exc}") from None
    except KeyboardInterrupt:
        raise _error("interrupted") from None
    reports.print_human(result, Console(highlight=False, soft_wrap=True))
    if json_path is not None:
        json_path.write_text(json.dumps(reports.to_json(result), indent=2))
    if junit_path is not None:
        junit_path.write_bytes(reports.to_junit(result))
    raise typer.Exit(PASSED if result.passed else FAILED)
