from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinkageConfig(AppConfig):
    name = "payvand.linkage"
    label = "linkage"
    verbose_name = _("Duplicate detection")

    def ready(self) -> None:
        from payvand.cases.sections import CaseSection
        from payvand.cases.sections import register as register_section
        from payvand.cases.services import AFTER_REGISTRATION
        from payvand.consent.services import CONSENT_CHANGED
        from payvand.core import sealed
        from payvand.linkage.services import (
            encodings_after_move,
            encodings_after_rekey,
            encodings_erase_cases,
            linkage_consent_changed,
        )

        # Erasing a survivor's data erases her encodings in the same transaction; purging an
        # organisation (its keys destroyed, then its indexes rebuilt) drops all of its own;
        # a case transferred to another organisation is encoded again as that one's.
        sealed.register_eraser(encodings_erase_cases)
        sealed.register_reindexer(encodings_after_rekey)
        sealed.register_mover(encodings_after_move)
        # A new survivor of a taking-part organisation is encoded as she is registered, and
        # again (or dropped) whenever her consent for sharing changes.
        if persons_encode_on_registration not in AFTER_REGISTRATION:
            AFTER_REGISTRATION.append(persons_encode_on_registration)
        if linkage_consent_changed not in CONSENT_CHANGED:
            CONSENT_CHANGED.append(linkage_consent_changed)
        from payvand.linkage import sections

        register_section(
            CaseSection(
                key="linkage",
                template="linkage/section.html",
                order=15,
                context=sections.section_context,
                rows=sections.ROWS,
            )
        )


def persons_encode_on_registration(org, persons, identities) -> None:
    from payvand.linkage.services import persons_encode

    persons_encode(org=org, persons=persons, identities=identities)
