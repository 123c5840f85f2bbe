from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "payvand.consent"
    label = "consent"
    verbose_name = _("Consent")

    def ready(self) -> None:
        from payvand.cases import sections
        from payvand.consent import views
        from payvand.consent.models import Consent
        from payvand.core import sealed

        sealed.register(
            Consent, "guardian", "note", "withdrawal_reason", org_field="case__organisation"
        )
        sections.register(
            sections.CaseSection(
                key="consent",
                template="consent/section.html",
                order=30,
                context=views.case_section,
                rows={"consents": lambda case: Consent.objects.filter(case=case)},
            )
        )
