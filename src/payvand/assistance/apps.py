from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "payvand.assistance"
    label = "assistance"
    verbose_name = _("Assistance")

    def ready(self) -> None:
        from payvand.assistance import sections
        from payvand.assistance.models import AssistanceEntry, CaseNote, Task
        from payvand.cases.sections import CaseSection
        from payvand.cases.sections import register as register_section
        from payvand.core import sealed

        org = "case__organisation"
        sealed.register(AssistanceEntry, "outcome", org_field=org)
        sealed.register(CaseNote, "text", org_field=org)
        sealed.register(Task, "title", org_field=org)
        for key, order, context in (
            ("assistance", 40, sections.assistance_context),
            ("tasks", 50, sections.tasks_context),
            ("notes", 60, sections.notes_context),
        ):
            register_section(
                CaseSection(
                    key=key,
                    template=f"assistance/section_{key}.html",
                    order=order,
                    context=context,
                    rows=sections.ROWS[key],
                )
            )
