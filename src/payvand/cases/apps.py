from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "payvand.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from payvand.cases import name_index
        from payvand.cases.models import Person, StatusChange
        from payvand.core import sealed

        sealed.register(Person, "identity")
        sealed.register(StatusChange, "note", org_field="case__organisation")
        sealed.register_reindexer(name_index.reindex_org)
