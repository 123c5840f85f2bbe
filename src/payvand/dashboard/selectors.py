"""What each role's dashboard shows. Later capabilities add their panels here."""

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from payvand.accounts.models import Membership, User
from payvand.core.audit.models import AuditChainHead
from payvand.core.permissions import Perm, Role, has_perm, orgs_where
from payvand.orgs.models import Organisation


@dataclass
class OrgPanel:
    org: Organisation
    roles: list[str]
    staff_active: int | None = None
    staff_inactive: int | None = None
    can_manage_staff: bool = False
    can_edit_profile: bool = False
    can_import_cases: bool = False


@dataclass
class CaseWork:
    open_cases: int = 0
    overdue_tasks: int = 0
    closures_to_approve: int = 0
    plans_to_approve: int = 0
    can_approve: bool = False


@dataclass
class Dashboard:
    org_panels: list[OrgPanel] = field(default_factory=list)
    case_work: CaseWork | None = None
    referrals: list[tuple[str, str, int]] | None = None  # (state, label, count)
    contact_requests: int = 0
    analyst: bool = False
    platform: dict | None = None


def dashboard_for(user: User) -> Dashboard:
    memberships = user.active_memberships()
    board = Dashboard()
    by_org: dict[int, OrgPanel] = {}
    for m in memberships:
        panel = by_org.setdefault(m.organisation_id, OrgPanel(org=m.organisation, roles=[]))
        panel.roles.append(m.get_role_display())
    staff_orgs = set(orgs_where(user, Perm.STAFF_VIEW))
    if staff_orgs:
        counts = (
            Membership.objects.filter(organisation_id__in=staff_orgs)
            .values("organisation_id")
            .annotate(
                active=Count("id", filter=Q(is_active=True)),
                inactive=Count("id", filter=Q(is_active=False)),
            )
        )
        for row in counts:
            panel = by_org[row["organisation_id"]]
            panel.staff_active, panel.staff_inactive = row["active"], row["inactive"]
    for org_id, panel in by_org.items():
        panel.can_manage_staff = org_id in orgs_where(user, Perm.STAFF_MANAGE)
        panel.can_edit_profile = org_id in orgs_where(user, Perm.ORG_EDIT_PROFILE)
        panel.can_import_cases = org_id in set(orgs_where(user, Perm.CASE_APPROVE)) | set(
            orgs_where(user, Perm.STAFF_MANAGE)
        )
    board.org_panels = list(by_org.values())
    if orgs_where(user, Perm.CASE_VIEW_ASSIGNED):
        board.case_work = _case_work(user)
    if orgs_where(user, Perm.REFERRAL_SEND) or orgs_where(user, Perm.REFERRAL_ANSWER):
        board.referrals = _referrals(user)
    if orgs_where(user, Perm.CASE_APPROVE):
        from payvand.linkage.selectors import contact_requests_to_answer

        board.contact_requests = contact_requests_to_answer(user).count()
    board.analyst = has_perm(user, Perm.STATS_REGIONAL)
    if has_perm(user, Perm.PLATFORM_ORGS_MANAGE):
        head = AuditChainHead.objects.filter(id=1).first()
        board.platform = {
            "orgs_by_country": list(
                Organisation.objects.values("country")
                .annotate(total=Count("id"), active=Count("id", filter=Q(is_active=True)))
                .order_by("country")
            ),
            "users": User.objects.filter(is_active=True).count(),
            "audit_rows": head.last_seq if head else 0,
            "platform_admins": Membership.objects.filter(
                role=Role.PLATFORM_ADMIN, is_active=True
            ).count(),
        }
    return board


def _case_work(user: User) -> CaseWork:
    """What needs the caseworker's or supervisor's attention, in counts (no names)."""
    from payvand.assistance.selectors import tasks_overdue
    from payvand.cases.selectors import cases_visible_to
    from payvand.cases.workflow import CLOSED
    from payvand.plans.models import SupportPlan
    from payvand.plans.vocab import PlanStatus

    visible = cases_visible_to(user)
    approve_in = orgs_where(user, Perm.CASE_APPROVE)
    work = CaseWork(
        open_cases=visible.exclude(status__in=CLOSED).count(),
        overdue_tasks=tasks_overdue(user, timezone.localdate()).count(),
        can_approve=bool(approve_in),
    )
    if approve_in:
        work.closures_to_approve = visible.filter(
            closure_pending=True, organisation_id__in=approve_in
        ).count()
        work.plans_to_approve = SupportPlan.objects.filter(
            case__in=visible, case__organisation_id__in=approve_in, status=PlanStatus.SUBMITTED
        ).count()
    return work


def _referrals(user: User) -> list[tuple[str, str, int]]:
    """The caller's referrals (sent or received) per state, in the order of the workflow."""
    from payvand.referrals.selectors import counts_by_state
    from payvand.referrals.vocab import State

    counts = counts_by_state(user)
    return [
        (state, label, counts.get(state, 0)) for state, label in State.choices if state != "draft"
    ]
