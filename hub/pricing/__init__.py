"""Pricing sessions with OCPI tariffs (mod_tariffs_tariff_object, mod_cdrs_step_size)."""

from hub.pricing.engine import Cost, CostKind, PricedLine, PricedSession, format_amount, price_session

__all__ = ["Cost", "CostKind", "PricedLine", "PricedSession", "format_amount", "price_session"]
