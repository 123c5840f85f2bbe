"""System checks that production settings are complete (`payvand check --deploy`)."""

import base64
import binascii
import os
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, register


def master_key_problem() -> str | None:
    """Why the configured master key cannot be used, or None when it can."""
    raw = settings.MASTER_KEY
    if not raw and settings.MASTER_KEY_FILE:
        path = Path(settings.MASTER_KEY_FILE)
        if not path.is_file():
            return f"PAYVAND_MASTER_KEY_FILE {path} does not exist."
        raw = path.read_text().strip()
    if not raw:
        return "Neither PAYVAND_MASTER_KEY nor PAYVAND_MASTER_KEY_FILE is set."
    try:
        key = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except (binascii.Error, ValueError):
        return "The master key is not base64."
    if len(key) != 32:
        return f"The master key must be 32 bytes (256 bits), base64-encoded; it is {len(key)}."
    return None


@register(Tags.security, deploy=True)
def production_keys(app_configs, **kwargs):
    errors = []
    if not os.environ.get("PAYVAND_SECRET_KEY"):
        errors.append(
            Error(
                "PAYVAND_SECRET_KEY is not set.",
                hint="Generate one with `payvand keys generate-secret` and keep it secret.",
                id="payvand.E001",
            )
        )
    if not os.environ.get("PAYVAND_ALLOWED_HOSTS"):
        errors.append(
            Error(
                "PAYVAND_ALLOWED_HOSTS is not set.",
                hint="A comma-separated list of the host names the server answers to.",
                id="payvand.E002",
            )
        )
    problem = master_key_problem()
    if problem:
        errors.append(
            Error(
                problem,
                hint="Generate one with `payvand keys generate-master`.",
                id="payvand.E003",
            )
        )
    problem = linkage_secret_problem()
    if problem:
        errors.append(
            Error(
                problem,
                hint="Every site that links uses the same secret: get it from the platform's "
                "operator, or make the first with `payvand keys generate-master`.",
                id="payvand.E004",
            )
        )
    return errors


def linkage_secret_problem() -> str | None:
    """Why duplicate detection could not encode a name here, or None when it can (a
    production install has no public development secret to fall back on)."""
    from django.core.exceptions import ImproperlyConfigured

    from payvand.linkage.encoding import linkage_secret

    try:
        linkage_secret()
    except ImproperlyConfigured as exc:
        return str(exc)
    return None
