"""`ocpi-hub demo`: the whole loop on temporary SQLite databases, started by the CLI by import string."""

from adapters.demo.run import DemoOptions, run

__all__ = ["DemoOptions", "run"]
