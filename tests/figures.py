"""Figures that reliability tests report (faults injected, cases fuzzed, objects checked, lost), for
RELIABILITY.md: appended as JSON lines to the file named by OCPI_HUB_TEST_FIGURES when it is set."""

from __future__ import annotations

import json
import os
from typing import Any


def record(test: str, **figures: Any) -> None:
    """Append one line {"test": ..., **figures}; without OCPI_HUB_TEST_FIGURES nothing is written."""
    path = os.environ.get("OCPI_HUB_TEST_FIGURES")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps({"test": test, **figures}, sort_keys=True) + "\n")
