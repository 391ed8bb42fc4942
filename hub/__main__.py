"""`python -m hub` runs the `ocpi-hub` command."""

from hub.cli import main

main()
