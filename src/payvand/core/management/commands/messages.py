"""Translation catalogues: `messages update` rewrites them, `messages check` proves them current."""

import filecmp
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from payvand.core.languages import LANGUAGE_CODES

# Catalogue directory names (Django's to_locale of our codes), English being the source.
LOCALES = [
    code.split("-")[0] + ("_" + code.split("-")[1].upper() if "-" in code else "")
    for code in LANGUAGE_CODES
    if code != "en"
]
MAKEMESSAGES_ARGS = [
    "makemessages",
    "--no-obsolete",
    "--add-location=file",
    "--ignore=tests/*",
    "--ignore=static/*",
    *(arg for locale in LOCALES for arg in ("-l", locale)),
]
_HEADER_DATE = re.compile(r'^"POT-Creation-Date: .*\\n"$', re.MULTILINE)


def _run(args: list[str], cwd: Path, pythonpath: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(pythonpath),
        "DJANGO_SETTINGS_MODULE": "payvand.settings",
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise CommandError(f"{' '.join(args[:1])} failed:\n{result.stderr}")


class Command(BaseCommand):
    help = "Translation catalogues: `update` (makemessages + compilemessages) or `check`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("update", help="Extract strings into every catalogue and compile them.")
        sub.add_parser("check", help="Exit 1 when `update` would change any catalogue.")

    def handle(self, *args, action, **options):
        if shutil.which("xgettext") is None or shutil.which("msgfmt") is None:
            raise CommandError("GNU gettext is needed: apt-get install gettext")
        package = Path(settings.PACKAGE_DIR)
        if action == "update":
            _run(MAKEMESSAGES_ARGS, package, package.parent)
            _run(["compilemessages"], package, package.parent)
            self.stdout.write(f"Updated {len(LOCALES)} catalogues.")
            return
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "payvand"
            shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
            _run(MAKEMESSAGES_ARGS, copy, Path(tmp))
            _run(["compilemessages"], copy, Path(tmp))
            stale = []
            for locale in LOCALES:
                for name in ("django.po", "django.mo"):
                    ours = package / "locale" / locale / "LC_MESSAGES" / name
                    fresh = copy / "locale" / locale / "LC_MESSAGES" / name
                    if not ours.exists():
                        stale.append(f"{locale}/{name} is missing")
                    elif name.endswith(".po"):
                        if _HEADER_DATE.sub("", ours.read_text()) != _HEADER_DATE.sub(
                            "", fresh.read_text()
                        ):
                            stale.append(f"{locale}/{name} is out of date")
                    elif not filecmp.cmp(ours, fresh, shallow=False):
                        stale.append(f"{locale}/{name} is not compiled from its .po")
        if stale:
            raise CommandError(
                "Translation catalogues are stale; run `payvand messages update` and translate:\n  "
                + "\n  ".join(stale)
            )
        self.stdout.write(f"OK {len(LOCALES)} catalogues are current.")
