"""DESIGN: "adapters never write SQL and never speak OCPI HTTP; the hub never imports adapters"."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IMPORT = re.compile(r"^\s*(?:from|import)\s+([\w.]+)", re.MULTILINE)


def _imports(package: str) -> list[tuple[str, str]]:
    return [
        (str(path.relative_to(ROOT)), module)
        for path in sorted((ROOT / package).rglob("*.py"))
        for module in IMPORT.findall(path.read_text())
    ]


def test_the_hub_imports_no_adapter() -> None:
    assert [i for i in _imports("hub") if i[1].split(".")[0] == "adapters"] == []


def test_the_ocpp_adapter_reaches_no_table_no_sql_and_no_partner_client() -> None:
    # adapters/app.py is the composition root: it builds the engine the hub's services use.
    forbidden = ("sqlalchemy", "sqlmodel", "hub.tables", "hub.db", "hub.partners", "hub.outbox", "httpx")
    used = [i for i in _imports("adapters/ocpp") if i[1].startswith(forbidden)]
    assert used == []
