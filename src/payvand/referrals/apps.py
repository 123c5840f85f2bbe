from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "payvand.referrals"
    label = "referrals"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        from payvand.cases.sections import CaseSection
        from payvand.cases.sections import register as register_section
        from payvand.core import sealed
        from payvand.referrals import sections
        from payvand.referrals.models import Message, Referral, Transition

        sealed.register(Referral, "content", org_field="from_org", case_field="case")
        for model, column in ((Transition, "note"), (Message, "text")):
            sealed.register(
                model, column, org_field="referral__from_org", case_field="referral__case"
            )
        register_section(
            CaseSection(
                key="referrals",
                template="referrals/section.html",
                order=75,
                context=sections.section_context,
                rows=sections.ROWS,
            )
        )
