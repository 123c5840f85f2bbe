from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttachmentsConfig(AppConfig):
    name = "payvand.attachments"
    label = "attachments"
    verbose_name = _("Attachments")

    def ready(self) -> None:
        from payvand.attachments import sections
        from payvand.attachments.models import Attachment
        from payvand.attachments.services import (
            attachments_erase,
            attachments_move,
            attachments_reseal,
        )
        from payvand.cases.sections import CaseSection
        from payvand.cases.sections import register as register_section
        from payvand.core import sealed

        sealed.register(Attachment, "meta", org_field="case__organisation")
        sealed.register_resealer(attachments_reseal)
        sealed.register_eraser(attachments_erase)
        sealed.register_mover(attachments_move)
        register_section(
            CaseSection(
                key="attachments",
                template="attachments/section.html",
                order=65,
                context=sections.section_context,
                rows=sections.ROWS,
            )
        )
