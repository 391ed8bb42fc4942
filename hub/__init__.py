"""ocpi-hub: an OCPI 2.2.1 roaming hub and interoperability gateway."""

__version__ = "0.1.0"
