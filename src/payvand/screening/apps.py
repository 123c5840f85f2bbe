from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    name = "payvand.screening"
    label = "screening"
    verbose_name = _("Screening")

    def ready(self) -> None:
        from payvand.cases import sections
        from payvand.core import sealed
        from payvand.screening.models import Screening
        from payvand.screening.sections import SECTION

        sealed.register(Screening, "decision_reason", org_field="case__organisation")
        sections.register(SECTION)
