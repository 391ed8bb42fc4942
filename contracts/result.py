"""What one conformance check found: pass, fail (with the exchange and the spec section it violates), or not
applicable (with why)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NoReturn


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not applicable"


@dataclass(frozen=True)
class SpecRef:
    """A section of the OCPI 2.2.1 text: the asciidoc file, the heading and its anchor."""

    file: str
    section: str
    anchor: str

    def __str__(self) -> str:
        return f"{self.file} §{self.section}"

    def to_json(self) -> dict[str, str]:
        return {"file": self.file, "section": self.section, "anchor": self.anchor}


@dataclass(frozen=True)
class Exchange:
    """One HTTP request and its response, as a report shows them (Authorization values masked)."""

    method: str
    url: str
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: str | None = None
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""
    error: str | None = None

    def request_line(self) -> str:
        return f"{self.method} {self.url}"

    def response_line(self) -> str:
        if self.error is not None:
            return f"no answer: {self.error}"
        shown = [
            f"{name}: {value}"
            for name, value in self.response_headers.items()
            if name.lower() in ("link", "x-total-count", "x-limit", "location")
        ]
        headers = f" [{'; '.join(shown)}]" if shown else ""
        return f"HTTP {self.status}{headers} {self.response_body}"

    def to_json(self) -> dict[str, Any]:
        return {
            "request": {
                "method": self.method,
                "url": self.url,
                "headers": self.request_headers,
                "body": self.request_body,
            },
            "response": None
            if self.error is not None
            else {"status": self.status, "headers": self.response_headers, "body": self.response_body},
            "error": self.error,
        }


class CheckFailedError(Exception):
    """The endpoint violates the check's spec section."""

    def __init__(self, message: str, exchange: Exchange | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.exchange = exchange


class NotApplicableError(Exception):
    """The check cannot say anything about this endpoint; the reason says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def fail(message: str, exchange: Exchange | None = None) -> NoReturn:
    raise CheckFailedError(message, exchange)


def not_applicable(reason: str) -> NoReturn:
    raise NotApplicableError(reason)


def expect(condition: bool, message: str, exchange: Exchange | None = None) -> None:
    if not condition:
        raise CheckFailedError(message, exchange)


@dataclass(frozen=True)
class CheckResult:
    name: str
    module: str
    role: str | None
    title: str
    spec: SpecRef
    read_only: bool
    outcome: Outcome
    message: str = ""
    exchange: Exchange | None = None

    @property
    def group(self) -> str:
        return self.module if self.role is None else f"{self.module} {self.role}"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "module": self.module,
            "role": self.role,
            "title": self.title,
            "spec": self.spec.to_json(),
            "read_only": self.read_only,
            "outcome": self.outcome.value,
            "message": self.message,
            "exchange": None if self.exchange is None else self.exchange.to_json(),
        }
