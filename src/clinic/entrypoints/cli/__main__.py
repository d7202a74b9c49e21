"""`python -m clinic.entrypoints.cli` is the `clinic` command."""

from clinic.entrypoints.cli import main

main()
