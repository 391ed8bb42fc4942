"""Where the tests find the OCPI 2.2.1 specification text and its examples: `ocpi-2.2.1/` is an unchanged copy
of the EVRoaming Foundation's text (CC BY-ND 4.0, see its README.md and copyright.asciidoc)."""

from pathlib import Path

SPEC = Path(__file__).parent / "ocpi-2.2.1"
EXAMPLES = SPEC / "examples"
