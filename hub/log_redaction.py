"""Secrets kept out of the logs of URLs (issue 11, security): uvicorn's access log, httpx and our partner
client log every request's URL at INFO, which would carry a feed client's `?token=` (hub.feeds.auth) and
the Token uids in the tokens modules' URLs (mod_tokens: {token_uid} is an RFID uid or an app user id)."""

from __future__ import annotations

import logging
import re

import httpx

# uvicorn's access log (client, method, target, version, status), httpx's request log and our partner
# client's (hub.partners.client), whose arguments hold the URLs.
URL_LOGGERS = ("uvicorn.access", "httpx", "hub.partners")
REDACTED = "***"
_QUERY_TOKEN = re.compile(r"([?&]token=)[^&#\s]*", re.IGNORECASE)
# .../tokens/{country_code}/{party_id}/{token_uid}, .../tokens/{token_uid}/authorize and the unslashed
# .../tokens{token_uid}/authorize that peers send.
_TOKEN_UID = re.compile(
    r"(/tokens/[A-Za-z]{2}/[A-Za-z0-9]{3}/)[^/?#\s]+|(/tokens/?)(?![A-Za-z]{2}/[A-Za-z0-9]{3}/)([^/?#\s]+)(?=/authorize)",
)


def redact(target: str) -> str:
    """A request target with its secrets replaced."""
    target = _QUERY_TOKEN.sub(rf"\g<1>{REDACTED}", target)

    def uid(match: re.Match[str]) -> str:
        return (match.group(1) or match.group(2)) + REDACTED

    return _TOKEN_UID.sub(uid, target)


class UrlRedaction(logging.Filter):
    """Rewrites the URL arguments of a record (text or httpx.URL) with their secrets replaced."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(redact(str(arg)) if isinstance(arg, str | httpx.URL) else arg for arg in args)
        return True


def install() -> None:
    """Once per process, whatever the number of apps made."""
    for name in URL_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, UrlRedaction) for existing in logger.filters):
            logger.addFilter(UrlRedaction())
