"""Emergency shredding ("panic"): when an organisation's office is about to be seized,
one of its admins asks, a second admin of the same organisation confirms (or, if the
organisation set a delay, the time runs out: `payvand panic run-due`), and then its keys
are destroyed (core/keys.org_keys_destroy: every name, note and file of the organisation
in this database unreadable for good; older backups hold the key wrapped under the master
key until the master key is rotated, docs/security.md §7) and the organisation is locked (every
membership suspended, every session of its staff ended).

A drill goes through the same steps — asked, confirmed — and destroys and locks nothing:
it reports what the real thing would have done.

The keys go first, in their own transaction: if anything after them failed, the data is
already safe, and `payvand panic run-due` finishes the lock.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.sessions.models import Session
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from payvand.accounts.models import Membership, User
from payvand.core import crypto, sealed
from payvand.core.audit.services import audit_record
from payvand.core.errors import DomainError, IllegalTransition, PermissionDenied
from payvand.core.keys import org_keys_destroy
from payvand.core.models import OrgKey
from payvand.core.permissions import Perm, Role, has_perm
from payvand.orgs.models import Organisation
from payvand.protection.models import PanicRequest, PanicState, ProtectionPolicy


def may_panic(user: User, org: Organisation) -> bool:
    """Organisation admins (who manage its staff) hold the emergency switch."""
    return has_perm(user, Perm.STAFF_MANAGE, org)


def _member_ids(org: Organisation) -> set[str]:
    return {
        str(pk)
        for pk in Membership.objects.filter(organisation=org).values_list("user_id", flat=True)
    }


def _live_sessions(user_ids: set[str]) -> list[str]:
    keys = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) in user_ids:
            keys.append(session.session_key)
    return keys


def panic_report(org: Organisation) -> dict:
    """What shredding and locking ``org`` destroys and stops: counts only."""
    sealed_rows = 0
    for column in sealed.COLUMNS:
        sealed_rows += (
            column.model.objects.filter(**{column.org_field: org})
            .exclude(**{f"{column.field}__isnull": True})
            .exclude(**{column.field: crypto.TOMBSTONE})
            .count()
        )
    from payvand.attachments.models import Attachment

    return {
        "keys": OrgKey.objects.filter(organisation=org, destroyed_at__isnull=True).count(),
        "sealed_records": sealed_rows,
        "files": Attachment.objects.filter(case__organisation=org).exclude(stored_name="").count(),
        "memberships": Membership.objects.filter(organisation=org, is_active=True).count(),
        "sessions": len(_live_sessions(_member_ids(org))),
    }


def panic_pending(org: Organisation) -> PanicRequest | None:
    return PanicRequest.objects.filter(organisation=org, state=PanicState.PENDING).first()


@transaction.atomic(durable=True)
def panic_request(*, org: Organisation, by: User, drill: bool, confirm: str) -> PanicRequest:
    """An admin asks; ``confirm`` must repeat the organisation's short code."""
    if not may_panic(by, org):
        raise PermissionDenied(_("Only this organisation's admins can do this."))
    if (confirm or "").strip().upper() != org.code:
        raise DomainError(
            _("Type the organisation's short code %(code)s to confirm.") % {"code": org.code}
        )
    policy = ProtectionPolicy.objects.filter(organisation=org).first()
    delay = policy.panic_delay_minutes if policy else None
    try:
        with transaction.atomic():
            request = PanicRequest.objects.create(
                organisation=org,
                drill=drill,
                requested_by=by,
                runs_at=timezone.now() + dt.timedelta(minutes=delay) if delay is not None else None,
            )
    except IntegrityError as exc:
        raise IllegalTransition(
            _("An emergency shredding is already waiting for confirmation.")
        ) from exc
    audit_record(
        action="panic.drill_request" if drill else "panic.request",
        actor=by,
        organisation=org,
        obj=request,
        details={"delay_minutes": delay},
    )
    return request


def panic_confirm(*, request: PanicRequest, by: User | None) -> PanicRequest:
    """A second admin of the organisation confirms (``by`` None: the delay ran out), and
    it is done at once."""
    with transaction.atomic(durable=True):
        request = PanicRequest.objects.select_for_update().get(pk=request.pk)
        org = request.organisation
        if request.state != PanicState.PENDING:
            raise IllegalTransition(_("This emergency shredding is no longer waiting."))
        if by is not None:
            if not may_panic(by, org):
                raise PermissionDenied(_("Only this organisation's admins can do this."))
            if request.requested_by_id == by.pk:
                raise PermissionDenied(
                    _("Another admin of the organisation must confirm it, not the one who asked.")
                )
        elif request.confirmed_by_id is None and (
            request.runs_at is None or request.runs_at > timezone.now()
        ):
            raise IllegalTransition(_("It needs a second admin, or its delay to run out."))
        if request.confirmed_by_id is None and by is not None:
            request.confirmed_by = by
            request.save(update_fields=["confirmed_by"])
        audit_record(
            action="panic.confirm",
            actor=by,
            organisation=org,
            obj=request,
            details={"drill": request.drill, "by_delay": by is None},
        )
    return _panic_execute(request)


def _panic_execute(request: PanicRequest) -> PanicRequest:
    org = request.organisation
    report = panic_report(org)
    if not request.drill and report["keys"]:
        org_keys_destroy(org=org)
    with transaction.atomic(durable=True):
        request = PanicRequest.objects.select_for_update().get(pk=request.pk)
        if request.state != PanicState.PENDING:
            return request
        if not request.drill:
            _organisation_lock(org)
        request.state, request.finished_at = PanicState.DONE, timezone.now()
        request.report = report
        request.save(update_fields=["state", "finished_at", "report"])
        audit_record(
            action="panic.drill" if request.drill else "panic.done",
            actor=None,
            organisation=org,
            obj=request,
            details=report,
        )
    return request


def _organisation_lock(org: Organisation) -> None:
    now = timezone.now()
    Membership.objects.filter(organisation=org, is_active=True).update(
        is_active=False, deactivated_at=now
    )
    Organisation.objects.filter(pk=org.pk).update(is_active=False, updated_at=now)
    Session.objects.filter(session_key__in=_live_sessions(_member_ids(org))).delete()


@transaction.atomic(durable=True)
def panic_cancel(*, request: PanicRequest, by: User) -> PanicRequest:
    request = PanicRequest.objects.select_for_update().get(pk=request.pk)
    if not may_panic(by, request.organisation):
        raise PermissionDenied(_("Only this organisation's admins can do this."))
    if request.state != PanicState.PENDING or request.confirmed_by_id is not None:
        raise IllegalTransition(_("This emergency shredding is no longer waiting."))
    request.state, request.cancelled_by, request.finished_at = (
        PanicState.CANCELLED,
        by,
        timezone.now(),
    )
    request.save(update_fields=["state", "cancelled_by", "finished_at"])
    audit_record(action="panic.cancel", actor=by, organisation=request.organisation, obj=request)
    return request


def panic_drill_now(*, org: Organisation) -> PanicRequest:
    """The server operator's drill (`payvand panic drill`): reported, audited, nothing
    destroyed or locked, no confirmation needed."""
    try:
        with transaction.atomic(durable=True):
            request = PanicRequest.objects.create(organisation=org, drill=True, requested_by=None)
            audit_record(action="panic.drill_request", actor=None, organisation=org, obj=request)
    except IntegrityError as exc:
        raise IllegalTransition(
            _("An emergency shredding is already waiting for confirmation.")
        ) from exc
    return _panic_execute(request)


def panic_run_due() -> list[PanicRequest]:
    """Requests whose delay ran out, or confirmed but not finished (scheduled; idempotent)."""
    from django.db.models import Q

    due = PanicRequest.objects.filter(state=PanicState.PENDING).filter(
        Q(runs_at__lte=timezone.now()) | Q(confirmed_by__isnull=False)
    )
    done = []
    for request in due:
        if request.confirmed_by_id is not None:
            done.append(_panic_execute(request))
        else:
            done.append(panic_confirm(request=request, by=None))
    return done


def org_admins(org: Organisation) -> int:
    return Membership.objects.filter(
        organisation=org, role=Role.ORG_ADMIN, is_active=True, user__is_active=True
    ).count()
