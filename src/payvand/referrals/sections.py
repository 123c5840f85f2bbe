"""The case page's "Referrals" section: this case's referrals and a button to refer."""

from payvand.core.permissions import Perm, has_perm
from payvand.referrals.models import Referral


def section_context(request, case) -> dict:
    return {
        "referrals": list(
            Referral.objects.filter(case=case).select_related("to_org").order_by("-created_at")
        ),
        "can_refer": has_perm(request.user, Perm.REFERRAL_SEND, case.organisation)
        and case.person.erased_at is None,
    }
