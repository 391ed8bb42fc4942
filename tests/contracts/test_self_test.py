"""The suite can fail: a fake OCPI endpoint with planted defects (tests/contracts/fake_endpoint.py) is reported
by the names of the checks each defect violates, and the same endpoint without defects passes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from contracts.callbacks import LocalServer
from contracts.context import RunConfig
from contracts.result import Outcome
from contracts.runner import Report, run
from tests.contracts.fake_endpoint import FakeCpo


@asynccontextmanager
async def serving(fake: FakeCpo) -> AsyncIterator[str]:
    server = LocalServer(fake.app())
    fake.base_url = f"http://127.0.0.1:{server.port}"
    await server.start()
    try:
        yield f"{fake.base_url}/ocpi/versions"
    finally:
        await server.stop()


async def check_fake(defects: set[str], *, hub: bool = False) -> Report:
    fake = FakeCpo(defects, hub=hub)
    async with serving(fake) as versions_url:
        return await run(
            RunConfig(versions_url=versions_url, token=fake.token_a, result_wait=1.0, timeout=5.0)
        )


def failed(report: Report) -> set[str]:
    return {r.name for r in report.results if r.outcome == Outcome.FAIL}


async def test_fake_without_defects_passes_every_applicable_check() -> None:
    report = await check_fake(set())

    assert failed(report) == set(), [r for r in report.results if r.outcome == Outcome.FAIL]
    passed = {r.name for r in report.results if r.outcome == Outcome.PASS}
    # The applicable checks did run: the fake's three interfaces, the handshake and the command's result.
    assert {
        "credentials.post_registers",
        "locations.sender.pagination_link_filters",
        "locations.sender.pagination_date_to_exclusive",
        "locations.sender.object_get",
        "commands.receiver.result_posted_to_response_url",
        "versions.every_announced_interface_checked",
    } <= passed


COVERAGE = "versions.every_announced_interface_checked"

PLANTED: list[tuple[str, set[str]]] = [
    ("link_without_filters", {"locations.sender.pagination_link_filters", COVERAGE}),
    ("date_to_inclusive", {"locations.sender.pagination_date_to_exclusive", COVERAGE}),
    ("list_wrapped_object", {"locations.sender.object_get", COVERAGE}),
    ("raw_token_only", {"transport.authorization_base64"}),
    # Every refusal is a 403, so every check that expects a 401 reports it.
    (
        "forbidden_not_401",
        {
            "transport.authorization_missing_401",
            "transport.authorization_unknown_token_401",
            "transport.token_a_refused_outside_credentials",
            "credentials.token_a_single_use",
            "credentials.put_rotates_token",
            "credentials.delete_unregisters",
            COVERAGE,
        },
    ),
    ("wrong_datetime", {"locations.sender.datetime_format", "locations.sender.object_get", COVERAGE}),
    ("offset_ignored", {"locations.sender.pagination_offset", "locations.sender.pagination_walk", COVERAGE}),
    ("token_a_reusable", {"credentials.token_a_single_use", COVERAGE}),
    ("no_command_result", {"commands.receiver.result_posted_to_response_url", COVERAGE}),
]


@pytest.mark.parametrize(("defect", "violated"), PLANTED, ids=[d for d, _ in PLANTED])
async def test_planted_defect_fails_the_checks_it_violates_and_no_other(
    defect: str, violated: set[str]
) -> None:
    report = await check_fake({defect})

    assert failed(report) == violated


HUB_CHECKS = {
    "credentials.hub_reports_only_hub",
    "hub.routing_unknown_receiver_4001",
    "hub.routing_forwards_request",
    "hub.routing_timeout_4002",
    "hub.routing_not_connected_4003",
}


async def test_fake_hub_passes_the_routing_checks() -> None:
    report = await check_fake(set(), hub=True)

    assert failed(report) == set(), [(r.name, r.message) for r in report.results if r.outcome == Outcome.FAIL]
    assert {r.name for r in report.results if r.outcome == Outcome.PASS} >= HUB_CHECKS


@pytest.mark.parametrize(
    ("defect", "violated"),
    [
        ("hub_keeps_request_id", {"hub.routing_forwards_request"}),
        ("hub_lists_parties", {"credentials.hub_reports_only_hub", COVERAGE}),
    ],
)
async def test_planted_hub_defect_fails_its_check(defect: str, violated: set[str]) -> None:
    report = await check_fake({defect}, hub=True)

    assert failed(report) == violated
