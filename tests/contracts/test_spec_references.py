"""Every check cites a real section of the vendored OCPI 2.2.1 text (file, anchor and heading), and
contracts/README.md lists every check with the section it cites."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from contracts.registry import Check, all_checks

SPEC = Path(__file__).parents[1] / "spec" / "ocpi-2.2.1"
README = Path(__file__).parents[2] / "contracts" / "README.md"
CHECKS = all_checks()


def heading_after(anchor: str, text: str) -> str | None:
    """The heading that follows `[[anchor]]` (skipping further anchors), without asciidoc markup."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.strip() == f"[[{anchor}]]":
            for following in lines[index + 1 :]:
                if following.startswith("="):
                    return re.sub(r"[_*]", "", following.lstrip("= ")).strip()
                if following.strip() and not following.startswith("[["):
                    return None
    return None


@pytest.mark.parametrize("check", CHECKS, ids=[c.name for c in CHECKS])
def test_check_cites_a_section_of_the_spec(check: Check) -> None:
    text = (SPEC / check.spec.file).read_text(encoding="utf-8")

    assert heading_after(check.spec.anchor, text) == check.spec.section


def test_readme_lists_every_check_with_its_section() -> None:
    rows = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and re.fullmatch(r"[a-z]+(\.[a-z0-9_]+)+", cells[0]):
            rows[cells[0]] = cells
    for check in CHECKS:
        assert check.name in rows, f"{check.name} is missing from contracts/README.md"
        assert str(check.spec) in " ".join(rows[check.name]), check.name
    assert set(rows) == {c.name for c in CHECKS}
