"""Who hears of a referral's moves, in the app and by e-mail (in her or his language).

A notice names the organisations and the state, never the survivor: an e-mail can be
read over a shoulder or on a shared phone.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from payvand.accounts.models import Membership, User
from payvand.core.permissions import Perm, roles_with
from payvand.referrals.models import Notification, Referral
from payvand.referrals.vocab import State


def _answerers(referral: Referral) -> list[User]:
    return [
        m.user
        for m in Membership.objects.filter(
            organisation=referral.to_org,
            role__in=roles_with(Perm.REFERRAL_ANSWER),
            is_active=True,
            user__is_active=True,
        ).select_related("user")
    ]


def _supervisors(org) -> list[User]:
    return [
        m.user
        for m in Membership.objects.filter(
            organisation=org,
            role__in=roles_with(Perm.CASE_APPROVE),
            is_active=True,
            user__is_active=True,
        ).select_related("user")
    ]


def _recipients(referral: Referral, event: str) -> list[User]:
    if event == "send":
        return _answerers(referral)
    if event == "revoke":
        return [referral.received_by] if referral.received_by else _answerers(referral)
    if event == "overdue":
        return _supervisors(referral.to_org if referral.state != State.SENT else referral.from_org)
    return [referral.sent_by]


def _tell(referral: Referral, event: str, users: list[User]) -> None:
    users = list({u.pk: u for u in users if u is not None and u.is_active}.values())
    Notification.objects.bulk_create(
        Notification(user=u, referral=referral, event=event) for u in users
    )
    link = settings.PAYVAND_BASE_URL.rstrip("/") + reverse(
        "referrals:detail", args=[referral.public_id]
    )

    def _mail() -> None:
        for user in users:
            with translation.override(user.preferred_language):
                subject = _("Payvand: a referral needs your attention")
                body = render_to_string(
                    "referrals/email/notice.txt",
                    {"user": user, "referral": referral, "event": event, "link": link},
                )
            send_mail(subject, body, None, [user.email])

    transaction.on_commit(_mail)


def after_transition(referral: Referral, action: str) -> None:
    _tell(referral, action, _recipients(referral, action))


def after_message(referral: Referral, message) -> None:
    if message.from_org_id == referral.from_org_id:
        users = [referral.received_by] if referral.received_by else _answerers(referral)
    else:
        users = [referral.sent_by]
    _tell(referral, "message", users)


def referrals_alert_overdue(today=None) -> int:
    """Tell the supervisors once about each referral past its completion date."""
    today = today or timezone.localdate()
    late = Referral.objects.filter(
        state__in=[State.ACCEPTED, State.IN_PROGRESS], completion_due__lt=today
    ).exclude(notifications__event="overdue")
    count = 0
    for referral in late.select_related("to_org", "from_org"):
        with transaction.atomic():
            _tell(referral, "overdue", _recipients(referral, "overdue"))
        count += 1
    return count
