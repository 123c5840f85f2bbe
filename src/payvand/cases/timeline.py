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
    "consent.read": _("Consent details viewed"),
    "assistance.record": _("Assistance recorded"),
    "assistance.read": _("Assistance, notes or tasks viewed"),
    "note.add": _("Note added"),
    "note.correct": _("Note corrected"),
    "task.add": _("Task added"),
    "task.done": _("Task done"),
    "task.reopen": _("Task opened again"),
    "cases.import": _("Imported from a spreadsheet"),
    "screening.record": _("Screening recorded"),
    "screening.decide": _("Screening decision taken"),
    "screening.reason_read": _("Screening decision reason viewed"),
    "risk.assess": _("Risk assessed"),
    "plans.read": _("Plans viewed"),
    "support_plan.start": _("Support plan started"),
    "support_plan.item_add": _("Support plan item added"),
    "support_plan.item_edit": _("Support plan item changed"),
    "support_plan.item_delete": _("Support plan item removed"),
    "support_plan.item_complete": _("Support plan item achieved"),
    "support_plan.submit": _("Support plan submitted for approval"),
    "support_plan.approve": _("Support plan approved"),
    "support_plan.return": _("Support plan returned"),
    "support_plan.revise": _("Support plan revised"),
    "reintegration.plan_create": _("Reintegration plan written"),
    "reintegration.visit_add": _("Follow-up visit recorded"),
}


def action_label(code: str):
    return ACTION_LABELS.get(code, code)
