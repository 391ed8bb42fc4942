"""`ocpi-hub demo`: the whole loop on temporary SQLite databases, started by the CLI by import string."""

from adapters.demo.run import DemoError, DemoOptions, run

__all__ = ["DemoError", "DemoOptions", "run"]
