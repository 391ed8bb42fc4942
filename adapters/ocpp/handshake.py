"""The websocket upgrade of a station (OCPP-J 1.6 §3, §4.1.2; OCPP 2.0.1 Part 4 §3.1, Part 2 A00 security
profile 1): which subprotocol, and which password the Basic credentials carry."""

from __future__ import annotations

import base64
import binascii

OCPP16 = "ocpp1.6"
OCPP201 = "ocpp2.0.1"
SUPPORTED = (OCPP201, OCPP16)


def choose_subprotocol(offered: list[str]) -> str | None:
    """The first of the station's subprotocols that we speak: the station lists them "in order of
    preference". None when there is none; the upgrade then completes without a protocol and is closed."""
    for protocol in offered:
        candidate = protocol.strip().lower()
        if candidate in SUPPORTED:
            return candidate
    return None


def basic_password(header: str | None, station_id: str) -> str | None:
    """The password of `Authorization: Basic base64(<station_id>:<password>)`; None when the header is
    missing, malformed or names another station (2.0.1 A00.FR.205: the username is the station identity)."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        # Some 1.6 chargers send their AuthorizationKey as raw bytes.
        text = raw.decode("latin-1")
    username, colon, password = text.partition(":")
    if not colon or username != station_id:
        return None
    return password
