"""The case page's "Referrals" section: this case's referrals and a button to refer."""

from payvand.cases.sections import has_rows
from payvand.core.permissions import Perm, has_perm
from payvand.referrals.models import Referral

# What the case page asks once for every section (cases/sections.py).
ROWS = {"referrals": lambda case: Referral.objects.filter(case=case)}


def section_context(request, case) -> dict:
    referrals = []
    if has_rows(request, case, "referrals", "referrals"):
        referrals = list(
            Referral.objects.filter(case=case).select_related("to_org").order_by("-created_at")
        )
    return {
        "referrals": referrals,
        "can_refer": has_perm(request.user, Perm.REFERRAL_SEND, case.organisation)
        and case.person.erased_at is None,
    }
