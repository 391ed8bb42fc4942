"""The Hub role's message routing (transport_and_format_message_routing): forwarding between connected
parties, open routing, and the hub URLs that stand in for response_urls and CDR Locations."""

from hub.routing.middleware import install

__all__ = ["install"]
