"""OCPI 2.2.1 conformance suite: checks that speak to any OCPI endpoint over HTTP."""
