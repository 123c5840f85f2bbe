"""Words for the audit actions a case timeline shows; unknown codes show as they are."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "case.register": _("Case registered"),
    "case.assign": _("Assignment changed"),
    "case.follow_up": _("Moved to follow-up"),
    "case.resume": _("Made active again"),
    "case.request_closure": _("Closure requested"),
    "case.approve_closure": _("Closure approved"),
    "case.return_closure": _("Closure request returned"),
    "case.reopen": _("Case reopened"),
    "person.identity_read": _("Identity viewed"),
    "person.identity_list": _("Name shown in a list"),
    "consent.record": _("Consent recorded"),
    "consent.withdraw": _("Consent withdrawn"),
}


def action_label(code: str):
    return ACTION_LABELS.get(code, code)
