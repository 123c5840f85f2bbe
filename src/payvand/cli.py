"""The ``payvand`` command: Django's management commands under one name."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "payvand"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "payvand.settings")
    if len(argv) > 1 and not argv[1].startswith("-"):
        # `payvand seed-demo` and `payvand seed_demo` are the same command.
        argv[1] = argv[1].replace("-", "_")
    if len(argv) > 1 and argv[1] == "demo":
        # The demo runs on plain http://127.0.0.1 with a generated secret; settings
        # read this before Django starts, so it cannot be decided inside the command.
        os.environ.setdefault("PAYVAND_DEMO", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)
