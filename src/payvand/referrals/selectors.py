"""Reads of referrals, always scoped to the caller and to the survivor's consent.

Two sides see a referral: the sender (who may see the case) and the receiver (who
answers for the receiving organisation). The receiver sees it only while it is sent,
accepted, in progress or completed, and only while the survivor's consent for sharing
with that organisation holds (or the sender overrode it with a reason): withdrawing the
consent or revoking the referral makes it a 404 on the receiver's next request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from payvand.accounts.models import User
from payvand.assistance.models import AssistanceEntry, AssistanceType
from payvand.cases.models import Case
from payvand.cases.selectors import cases_visible_to
from payvand.consent.models import Purpose
from payvand.consent.selectors import cases_allowing, consent_allows
from payvand.core import crypto
from payvand.core.audit.services import audit_record
from payvand.core.permissions import Perm, has_perm, orgs_where
from payvand.core.sealed import open_from
from payvand.orgs.models import Organisation
from payvand.plans.models import ReintegrationPlan, RiskAssessment, SupportPlanItem
from payvand.referrals.models import Message, Notification, Referral, Transition
from payvand.referrals.vocab import RECEIVER_SEES, Kind, Section, State
from payvand.referrals.workflow import RECEIVER, SENDER
from payvand.screening.models import Screening
from payvand.screening.vocab import ScreeningState
from payvand.trafficking.models import TraffickingEvent, VictimContext

LIST_SIZE = 50
_RELATED = ("case", "from_org", "to_org", "sent_by", "received_by")


def _receiver_visible(referral: Referral) -> bool:
    if referral.state not in RECEIVER_SEES or referral.case.person.erased_at is not None:
        return False
    return referral.consent_overridden or consent_allows(
        referral.case, Purpose.SHARING_ORG, organisation=referral.to_org
    )


def _transferred_by(user: User, referral: Referral) -> bool:
    """A transferred case is the receiver's now; its sender (and the sending
    organisation's supervisors) still follow the referral itself."""
    return (
        referral.kind == Kind.TRANSFER
        and referral.case.organisation_id != referral.from_org_id
        and (
            referral.sent_by_id == user.pk or has_perm(user, Perm.CASE_VIEW_ALL, referral.from_org)
        )
    )


def referral_get(user: User, public_id) -> tuple[Referral, str]:
    """The referral and the caller's side of it; 404 when the caller has no side."""
    try:
        referral = Referral.objects.select_related(
            *_RELATED, "case__organisation", "case__person"
        ).get(public_id=public_id)
    except Referral.DoesNotExist:
        raise Http404 from None
    if has_perm(user, Perm.REFERRAL_SEND, referral.from_org) and (
        cases_visible_to(user).filter(pk=referral.case_id).exists()
        or _transferred_by(user, referral)
    ):
        return referral, SENDER
    if has_perm(user, Perm.REFERRAL_ANSWER, referral.to_org) and _receiver_visible(referral):
        return referral, RECEIVER
    raise Http404


def _receiving(user: User) -> QuerySet[Referral]:
    """Referrals the caller may see as receiver (consent checked in the same query)."""
    allowed = Q(pk__in=[])
    for org in Organisation.objects.filter(pk__in=orgs_where(user, Perm.REFERRAL_ANSWER)):
        cases = cases_allowing(
            Case.objects.filter(referrals__to_org=org), Purpose.SHARING_ORG, organisation=org
        )
        allowed |= Q(to_org=org) & (Q(case__in=cases) | Q(consent_overridden=True))
    return Referral.objects.filter(allowed, state__in=RECEIVER_SEES, case__person__erased_at=None)


def _sending(user: User) -> QuerySet[Referral]:
    orgs = orgs_where(user, Perm.REFERRAL_SEND)
    moved = Q(kind=Kind.TRANSFER) & ~Q(case__organisation=F("from_org"))
    # As referral_get (_transferred_by): a transfer's sender and the sending
    # organisation's supervisors still follow it once the case has moved.
    following = Q(sent_by=user) | Q(from_org_id__in=orgs_where(user, Perm.CASE_VIEW_ALL))
    return Referral.objects.filter(
        Q(case__in=cases_visible_to(user)) | (moved & following), from_org_id__in=orgs
    )


def referral_lists(user: User) -> dict[str, list[Referral]]:
    """The four lists of the referrals page, each in a bounded number of queries."""
    today = timezone.localdate()
    receiving, sending = _receiving(user), _sending(user)
    open_states = [State.ACCEPTED, State.IN_PROGRESS]
    overdue = Q(state=State.SENT, answer_due__lt=today) | Q(
        state__in=open_states, completion_due__lt=today
    )
    lists = {
        "to_answer": receiving.filter(state=State.SENT),
        "sent": sending.filter(state__in=[State.SENT, *open_states]),
        "in_progress": (receiving | sending).filter(state__in=open_states).distinct(),
        "overdue": (receiving | sending).filter(overdue).distinct(),
    }
    return {
        name: list(qs.select_related(*_RELATED).order_by("answer_due", "-id")[:LIST_SIZE])
        for name, qs in lists.items()
    }


def counts_by_state(user: User) -> dict[str, int]:
    """For the dashboard: the caller's referrals (either side) per state."""
    from django.db.models import Count

    rows = (
        (_receiving(user) | _sending(user))
        .distinct()
        .order_by()  # the default ordering would join the GROUP BY: one row per referral
        .values("state")
        .annotate(n=Count("id", distinct=True))
    )
    return {r["state"]: r["n"] for r in rows}


def recipients_for(case: Case) -> QuerySet[Organisation]:
    """The organisations a case can be referred to: every other active one."""
    return (
        Organisation.objects.filter(is_active=True)
        .exclude(pk=case.organisation_id)
        .order_by("country", "name")
    )


def transitions_of(referral: Referral) -> list[Transition]:
    return list(referral.transitions.select_related("by"))


def open_text(referral: Referral, obj, column: str, empty=None):
    """Sealed text of the referral (with the sender's key); None when erased."""
    try:
        return open_from(referral.from_org, obj, column, empty=empty)
    except crypto.KeyDestroyed:
        return None


def thread(user: User, referral: Referral) -> list[Message]:
    messages = list(referral.messages.select_related("by", "from_org"))
    for message in messages:
        message.shown = open_text(referral, message, "text", "")
    if messages:
        audit_record(
            action="referral.thread_read",
            actor=user,
            organisation=referral.from_org,
            obj=referral,
            details={"messages": len(messages)},
        )
    return messages


def unread_notifications(user: User, limit: int = 20) -> list[Notification]:
    """The caller's newest unread notices, each with ``openable``: whether she or he may
    still open its referral. A receiver may not once it is revoked or closed, or once the
    survivor's consent is withdrawn (as `referral_get`), though the notice still says so."""
    notices = list(
        Notification.objects.filter(user=user, read_at=None).select_related(
            "referral__from_org", "referral__to_org"
        )[:limit]
    )
    ids = {n.referral_id for n in notices if n.referral_id is not None}
    openable = (
        set((_receiving(user) | _sending(user)).filter(pk__in=ids).values_list("pk", flat=True))
        if ids
        else set()
    )
    for notice in notices:
        notice.openable = notice.referral_id in openable
    return notices


# --- what the receiver sees ------------------------------------------------------------


@dataclass
class SharedView:
    sections: list[str]
    risk_to_life: bool = False
    identity: dict | None = None
    contacts: dict | None = None
    victim: VictimContext | None = None
    events: list = field(default_factory=list)
    screening: Screening | None = None
    risk: RiskAssessment | None = None
    risk_text: dict | None = None
    support_items: list = field(default_factory=list)
    assistance: list = field(default_factory=list)
    reintegration_goals: str | None = None
    erased: bool = False


def shared_view(user: User, referral: Referral) -> SharedView:
    """Exactly the sections the sender chose, read live from the sender's case (so only
    the sender updates them); information on a risk to life always travels. One audit
    row names the sections opened."""
    view = shared_data(referral.case, set(referral.sections))
    audit_record(
        action="referral.shared_read",
        actor=user,
        organisation=referral.to_org,
        obj=referral,
        details={"case": str(referral.case.public_id), "sections": view.sections},
    )
    return view


def shared_data(case: Case, sections: set[str]) -> SharedView:
    """The shared sections of ``case``, opened; the caller writes the audit row."""
    org = case.organisation
    view = SharedView(sections=sorted(sections))
    latest_risk = RiskAssessment.objects.filter(case=case).order_by("-assessed_on", "-id").first()
    view.risk_to_life = bool(latest_risk and latest_risk.risk_to_life)

    def opened(obj, column, empty=None):
        try:
            return open_from(org, obj, column, empty=empty)
        except crypto.KeyDestroyed:
            view.erased = True
            return None

    if sections & {Section.IDENTITY, Section.CONTACTS}:
        data = opened(case.person, "identity", {}) or {}
        if Section.IDENTITY in sections:
            view.identity = {
                k: data.get(k, "")
                for k in ("given_name", "family_name", "father_name", "other_names", "birth_date")
            }
        if Section.CONTACTS in sections:
            view.contacts = {k: data.get(k, "") for k in ("phone", "email", "address")}
    if Section.WHAT_HAPPENED in sections:
        view.victim = VictimContext.objects.filter(case=case).first()
        if view.victim is not None:
            view.victim.shown_account = opened(view.victim, "account", "")
        view.events = list(TraffickingEvent.objects.filter(case=case))
    if Section.SCREENING in sections:
        view.screening = (
            Screening.objects.filter(case=case, state=ScreeningState.DECIDED)
            .order_by("-screened_on", "-id")
            .first()
        )
    if Section.RISK in sections and latest_risk is not None:
        view.risk, view.risk_text = latest_risk, opened(latest_risk, "content", {})
    if Section.SUPPORT in sections:
        items = SupportPlanItem.objects.filter(plan__case=case).select_related("plan")
        view.support_items = [(item, opened(item, "content", {})) for item in items[:30]]
        entries = AssistanceEntry.objects.filter(case=case).select_related("provider")
        if Section.MEDICAL not in sections:
            entries = entries.exclude(assistance_type=AssistanceType.MEDICAL)
        view.assistance = [(e, opened(e, "outcome", "")) for e in entries[:50]]
    if Section.REINTEGRATION in sections:
        plan = ReintegrationPlan.objects.filter(case=case).first()
        if plan is not None:
            view.reintegration_goals = (opened(plan, "content", {}) or {}).get("goals", "")
    return view
