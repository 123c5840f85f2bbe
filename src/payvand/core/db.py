"""Small helpers for writes that every capability needs."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _


def insert_once(instance: models.Model) -> None:
    """Insert a row carrying a one-time submission id; the same form seen twice
    (a race of two tabs) is refused instead of recorded twice."""
    try:
        with transaction.atomic():
            instance.save(force_insert=True)
    except IntegrityError:
        raise ValidationError(_("This form was already submitted.")) from None
