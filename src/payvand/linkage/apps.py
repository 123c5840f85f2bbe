from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinkageConfig(AppConfig):
    name = "payvand.linkage"
    label = "linkage"
    verbose_name = _("Duplicate detection")

    def ready(self) -> None:
        from payvand.core import sealed
        from payvand.linkage.services import encodings_after_rekey, encodings_erase_cases

        # Erasing a survivor's data erases her encodings in the same transaction; purging an
        # organisation (its keys destroyed, then its indexes rebuilt) drops all of its own.
        sealed.register_eraser(encodings_erase_cases)
        sealed.register_reindexer(encodings_after_rekey)
