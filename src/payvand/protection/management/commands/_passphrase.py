from pathlib import Path

from django.core.management.base import CommandError


def passphrase_from(path: str | None) -> bytes | None:
    """The passphrase in ``path`` (its last line break dropped), or None."""
    if not path:
        return None
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise CommandError(f"Cannot read the passphrase file {path}: {exc.strerror}") from exc
    passphrase = raw.rstrip(b"\r\n")
    if len(passphrase) < 12:
        raise CommandError("The passphrase must be at least 12 characters long.")
    return passphrase
