"""Fixtures of the analytics tests: the charging rig (its hub on both engines, stations mapped to LOC1-LOC3) and
the Commands Receiver of our CPO with a fake charger."""

from __future__ import annotations

from tests.charging.conftest import rig  # noqa: F401 (fixture)
from tests.integration.test_commands import charger, cpo_hub, emsp_tokens, inbox  # noqa: F401 (fixtures)
from tests.outbox.conftest import fakes, hub, make_hub  # noqa: F401 (fixtures)
