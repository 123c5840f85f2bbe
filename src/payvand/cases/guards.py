"""Checks every service that writes on a case makes first (one place, not one per app)."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from payvand.accounts.models import User
from payvand.cases.models import Case, Person
from payvand.cases.selectors import cases_visible_to
from payvand.core.errors import PermissionDenied
from payvand.core.permissions import Perm, has_perm


def require_case_perm(by: User, case: Case, perm: Perm = Perm.CASE_EDIT, message: str = "") -> None:
    """The right in the case's organisation, and the case within the caller's scope.

    Writing (CASE_EDIT) is also refused once the survivor's data was erased on request:
    nothing personal may be recorded about her again on that case."""
    if not has_perm(by, perm, case.organisation) or not (
        cases_visible_to(by).filter(pk=case.pk).exists()
    ):
        raise PermissionDenied(message or _("You cannot do this on this case."))
    if (
        perm == Perm.CASE_EDIT
        and Person.objects.filter(pk=case.person_id, erased_at__isnull=False).exists()
    ):
        raise PermissionDenied(
            _(
                "This survivor's personal data was erased on request: nothing more can be "
                "recorded on this case."
            )
        )


def already_submitted(
    model: type[models.Model], case: Case, submission_id: uuid.UUID | None
) -> models.Model | None:
    """The row a first click made, so that a second click records nothing more."""
    if submission_id is None:
        return None
    existing = model.objects.filter(submission_id=submission_id).first()
    if existing is None:
        return None
    if existing.case_id != case.pk:
        raise ValidationError(_("This form was already used for another case."))
    return existing


def clean_texts(
    errors: dict, *, limits: int | dict[str, int], required: tuple[str, ...] = (), **texts: str
) -> dict[str, str]:
    """Stripped texts; a field error for each that is too long or missing.

    ``limits``: one length for all, or one per text."""
    clean = {}
    for name, value in texts.items():
        value = (value or "").strip()
        limit = limits if isinstance(limits, int) else limits[name]
        if len(value) > limit:
            errors[name] = _("Write at most %(n)s characters here.") % {"n": limit}
        elif name in required and not value:
            errors[name] = _("This cannot be empty.")
        clean[name] = value
    return clean


def full_clean_with(
    obj: models.Model,
    errors: dict,
    exclude: list[str] | None = None,
    *,
    db_checks: bool = True,
) -> None:
    """The model's own checks and ours together, so every field error shows at once.

    Our message comes first; the model's generic one for the same field is dropped.
    ``db_checks`` False skips the unique and constraint checks, which cost a query each:
    for a service whose own rules already say what the constraints enforce."""
    try:
        obj.full_clean(exclude=exclude, validate_unique=db_checks, validate_constraints=db_checks)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, messages)
    if errors:
        raise ValidationError(errors)
