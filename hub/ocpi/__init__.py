"""OCPI 2.2.1 wire layer: pydantic models named and shaped exactly as the spec; imports nothing else from hub."""
