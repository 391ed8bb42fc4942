"""A run's report three ways: for people (grouped by module and interface role, with rich), as JSON, and as
JUnit XML for CI tools."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.text import Text

from contracts.registry import MODULE_ORDER
from contracts.result import CheckResult, Outcome
from contracts.runner import Report

GROUP_ORDER = MODULE_ORDER
MARKS = {Outcome.PASS: ("✓", "green"), Outcome.FAIL: ("✗", "bold red"), Outcome.NOT_APPLICABLE: ("○", "dim")}


def groups(results: Iterable[CheckResult]) -> list[tuple[str, list[CheckResult]]]:
    """Results grouped by module and interface role, in the spec's module order, Sender before Receiver."""
    grouped: dict[tuple[str, str], list[CheckResult]] = {}
    for result in results:
        grouped.setdefault((result.module, result.role or ""), []).append(result)

    def order(key: tuple[str, str]) -> tuple[int, str, str]:
        module, role = key
        rank = GROUP_ORDER.index(module) if module in GROUP_ORDER else len(GROUP_ORDER)
        return rank, {"SENDER": "0", "RECEIVER": "1"}.get(role, role), module

    return [(f"{m} {r}".strip(), grouped[(m, r)]) for m, r in sorted(grouped, key=order)]


def summary(report: Report) -> str:
    return (
        f"{report.count(Outcome.PASS)} passed, {report.count(Outcome.FAIL)} failed, "
        f"{report.count(Outcome.NOT_APPLICABLE)} not applicable"
    )


def print_human(report: Report, console: Console) -> None:
    mode = "read-only" if report.read_only else "registered as a partner"
    console.print(Text(f"OCPI 2.2.1 conformance of {report.versions_url} ({mode})", style="bold"))
    if report.partner_roles:
        console.print(Text(f"roles: {', '.join(report.partner_roles)}"))
    for title, results in groups(report.results):
        counts = {o: sum(1 for r in results if r.outcome == o) for o in Outcome}
        line = Text(f"\n{title}", style="bold")
        line.append(
            f"  {counts[Outcome.PASS]} passed, {counts[Outcome.FAIL]} failed, "
            f"{counts[Outcome.NOT_APPLICABLE]} not applicable",
            style="red" if counts[Outcome.FAIL] else "dim",
        )
        console.print(line)
        for result in results:
            mark, style = MARKS[result.outcome]
            row = Text(f"  {mark} ", style=style)
            row.append(result.name, style=style if result.outcome == Outcome.FAIL else "")
            row.append(
                f"  {result.title}" if result.outcome != Outcome.NOT_APPLICABLE else f"  {result.message}"
            )
            console.print(row)
            if result.outcome == Outcome.FAIL:
                for label, value in _failure_lines(result):
                    detail = Text(f"      {label}: ", style="bold")
                    detail.append(value)
                    console.print(detail)
    verdict = "PASS" if report.passed else "FAIL"
    console.print(
        Text(
            f"\n{verdict}: {summary(report)} in {report.duration:.1f} s",
            style="bold green" if report.passed else "bold red",
        )
    )


def _failure_lines(result: CheckResult) -> list[tuple[str, str]]:
    lines = [("why", result.message), ("spec", str(result.spec))]
    if result.exchange is not None:
        lines.append(("request", result.exchange.request_line()))
        if result.exchange.request_body:
            lines.append(("body", result.exchange.request_body))
        lines.append(("response", result.exchange.response_line()))
    return lines


def to_json(report: Report) -> dict[str, Any]:
    return {
        "versions_url": report.versions_url,
        "read_only": report.read_only,
        "started": datetime.fromtimestamp(report.started, UTC).isoformat(),
        "duration_seconds": round(report.duration, 3),
        "passed": report.passed,
        "summary": {o.value: report.count(o) for o in Outcome},
        "roles": report.partner_roles,
        "endpoints": [{"identifier": e.identifier, "role": e.role, "url": e.url} for e in report.endpoints],
        "results": [r.to_json() for r in report.results],
    }


def to_junit(report: Report) -> bytes:
    """One <testsuite> per module and interface role; failures carry the message, spec and exchange, not
    applicable checks are <skipped> with the reason."""
    suites = ET.Element(
        "testsuites",
        name="ocpi-2.2.1-conformance",
        tests=str(len(report.results)),
        failures=str(report.count(Outcome.FAIL)),
        skipped=str(report.count(Outcome.NOT_APPLICABLE)),
        time=f"{report.duration:.3f}",
    )
    for title, results in groups(report.results):
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=title,
            tests=str(len(results)),
            failures=str(sum(1 for r in results if r.outcome == Outcome.FAIL)),
            skipped=str(sum(1 for r in results if r.outcome == Outcome.NOT_APPLICABLE)),
        )
        for result in results:
            case = ET.SubElement(suite, "testcase", name=result.name, classname=title.replace(" ", "."))
            if result.outcome == Outcome.FAIL:
                failure = ET.SubElement(case, "failure", message=result.message, type=str(result.spec))
                failure.text = "\n".join(f"{label}: {value}" for label, value in _failure_lines(result))
            elif result.outcome == Outcome.NOT_APPLICABLE:
                ET.SubElement(case, "skipped", message=result.message)
    xml: bytes = ET.tostring(suites, encoding="utf-8", xml_declaration=True)
    return xml


def junit_error(versions_url: str, message: str) -> bytes:
    """A JUnit report for a run that could not start: one errored test case."""
    suites = ET.Element("testsuites", name="ocpi-2.2.1-conformance", tests="1", errors="1")
    suite = ET.SubElement(suites, "testsuite", name="setup", tests="1", errors="1")
    case = ET.SubElement(suite, "testcase", name="setup", classname="setup")
    ET.SubElement(case, "error", message=message).text = f"{versions_url}: {message}"
    xml: bytes = ET.tostring(suites, encoding="utf-8", xml_declaration=True)
    return xml
