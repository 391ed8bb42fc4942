"""Settings of the OCPP endpoint (`OCPI_HUB_OCPP_*`): who may connect, how often stations must talk, and the
websocket limits `ocpi-hub serve` and `ocpi-hub ocpp-gateway` give the server."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class OcppSettings(BaseSettings):
    """Every field is an `OCPI_HUB_OCPP_<FIELD>` environment variable; README lists them."""

    model_config = SettingsConfigDict(env_prefix="OCPI_HUB_OCPP_", env_file=".env", extra="ignore")

    auto_register: bool = Field(
        default=False,
        description="accept stations that are not in the station mapping (they are stored unmapped until "
        "`ocpi-hub import stations` maps them); off: unknown stations are refused",
    )
    heartbeat_interval: int = Field(
        default=300, ge=1, le=86400, description="seconds between heartbeats, told in BootNotification"
    )
    silent_after: float | None = Field(
        default=None,
        gt=0,
        description="seconds without any message after which a connected station is silent and its EVSEs "
        "UNKNOWN (default: 3 heartbeat intervals)",
    )
    ping_interval: float = Field(
        default=20.0, ge=0, description="seconds between websocket pings to each station; 0 sends none"
    )
    ping_timeout: float = Field(
        default=20.0, gt=0, description="seconds to wait for a pong before the websocket is closed"
    )
    max_frame: int = Field(
        default=4 * 1024 * 1024, ge=1024, description="largest websocket message accepted, in bytes"
    )
    response_timeout: float = Field(
        default=30.0, gt=0, description="seconds a station has to answer one of our OCPP calls"
    )
    authorize_timeout: float = Field(
        default=5.0,
        gt=0,
        description="seconds a real-time authorization with the eMSP may take before the pushed Token decides "
        "(stations time out Authorize within seconds)",
    )
    watch_interval: float = Field(
        default=1.0, gt=0, description="seconds between the checks for silent stations"
    )
    upstream_url: str | None = Field(
        default=None,
        pattern=r"^wss?://[^/]+",
        description="bridge mode for every station without its own `upstream_url`: the existing CSMS's OCPP "
        "websocket URL (ws:// or wss://); each station's connection is relayed to this URL + /<station id>",
    )
    upstream_open_timeout: float = Field(
        default=10.0, gt=0, description="seconds to open a station's connection to its upstream CSMS"
    )

    @property
    def silence(self) -> float:
        """Seconds without a message after which a station counts as silent."""
        return self.silent_after if self.silent_after is not None else 3.0 * self.heartbeat_interval

    @property
    def touch_interval(self) -> float:
        """A station's last message time is written at most this often (a third of the silence window)."""
        return self.silence / 3.0

    @property
    def stale_after(self) -> float:
        """A station still marked connected that no process has heard of for this long was held by a process
        that is gone: it is silent."""
        return 2.0 * self.silence


def uvicorn_websocket_options(settings: OcppSettings) -> dict[str, Any]:
    """The websocket options of the ASGI server: no permessage-deflate (it costs memory per connection), the
    frame limit, and the pings."""
    return {
        "ws_per_message_deflate": False,
        "ws_max_size": settings.max_frame,
        "ws_ping_interval": settings.ping_interval or None,
        "ws_ping_timeout": settings.ping_timeout if settings.ping_interval else None,
    }
