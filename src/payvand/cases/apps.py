from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "payvand.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from payvand.cases import name_index, sections, selectors
        from payvand.cases.models import Person, StatusChange
        from payvand.core import sealed

        # The steps whose note the case page may show (selectors.status_note_latest): it
        # asks in its probe first and skips the note for a case with none (most cases).
        sections.PAGE_ROWS["status_notes"] = lambda case: StatusChange.objects.filter(
            case=case, action__in=selectors.NOTE_SHOWN_AFTER
        )

        sealed.register(Person, "identity")
        sealed.register(StatusChange, "note", org_field="case__organisation")
        sealed.register_reindexer(name_index.reindex_org)
