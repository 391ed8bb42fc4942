"""Availability feed for navigation apps: a read-only, non-OCPI interface of ours (Server-Sent Events and a
JSON snapshot of our EVSEs' statuses), served to holders of a feed token the operator issues."""
