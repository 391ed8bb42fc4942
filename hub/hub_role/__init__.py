"""The Hub role (transport_and_format_message_routing, mod_hub_client_info): what the hub stores, broadcasts
and serves for the parties connected to it, and how an operator suspends them."""
