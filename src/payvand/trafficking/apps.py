from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TraffickingConfig(AppConfig):
    name = "payvand.trafficking"
    label = "trafficking"
    verbose_name = _("What happened")

    def ready(self) -> None:
        from payvand.cases.sections import CaseSection
        from payvand.cases.sections import register as register_section
        from payvand.core import sealed
        from payvand.trafficking import sections
        from payvand.trafficking.models import Perpetrator, TraffickingEvent, VictimContext

        org = "case__organisation"
        sealed.register(VictimContext, "account", org_field=org)
        sealed.register(Perpetrator, "details", org_field=org)
        sealed.register(TraffickingEvent, "details", org_field=org)
        register_section(
            CaseSection(
                key="trafficking",
                template="trafficking/section.html",
                order=22,
                context=sections.section_context,
                rows=sections.ROWS,
            )
        )
