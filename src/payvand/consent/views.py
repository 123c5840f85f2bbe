from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from payvand.cases.sections import has_rows
from payvand.cases.selectors import case_get
from payvand.consent import selectors, services
from payvand.consent.forms import ConsentRecordForm, ConsentWithdrawForm
from payvand.core.calendars import effective_calendar
from payvand.core.errors import DomainError, IllegalTransition
from payvand.core.forms import add_errors, call_service
from payvand.core.permissions import Perm, has_perm


def _calendar(request) -> str:
    return effective_calendar(request.user.calendar, translation.get_language())


def _case_for_editing(request, case_id):
    """The case, if the caller sees it and may record on it; otherwise it does not exist."""
    case = case_get(request.user, case_id)
    if not has_perm(request.user, Perm.CASE_EDIT, case.organisation):
        raise Http404
    return case


def _back_to_case(case):
    return redirect(reverse("cases:detail", kwargs={"public_id": case.public_id}) + "#consent")


def case_section(request, case) -> dict:
    """The "Consent" section of the case page."""
    if has_rows(request, case, "consent", "consents"):
        data = selectors.consents_shown(request.user, case)
    else:
        data = selectors.consents_none()
    can_edit = has_perm(request.user, Perm.CASE_EDIT, case.organisation)
    calendar = _calendar(request)
    rows = [
        (
            item,
            ConsentWithdrawForm(calendar=calendar, auto_id=f"w-{item.consent.public_id}-%s")
            if can_edit and item.consent.is_active
            else None,
        )
        for item in data.shown
    ]
    return {"rows": rows, "summary": data.summary, "can_edit": can_edit}


def consent_record(request, case_id):
    case = _case_for_editing(request, case_id)
    form = ConsentRecordForm(
        request.POST or None,
        recipients=selectors.recipient_organisations(case),
        calendar=_calendar(request),
    )
    if request.method == "POST" and form.is_valid():
        consent = call_service(
            form, services.consent_record, case=case, by=request.user, **form.service_kwargs()
        )
        if consent:
            messages.success(
                request,
                _("Consent is recorded: %(what)s.") % {"what": selectors.consent_label(consent)},
            )
            return _back_to_case(case)
    return render(request, "consent/record.html", {"case": case, "form": form})


def consent_withdraw(request, case_id, consent_id):
    case = _case_for_editing(request, case_id)
    consent = selectors.consent_get(request.user, case, consent_id)
    form = ConsentWithdrawForm(request.POST or None, calendar=_calendar(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_withdraw(
                consent=consent,
                by=request.user,
                withdrawn_on=form.cleaned_data["withdrawn_on"],
                reason=form.cleaned_data["reason"],
            )
        except IllegalTransition as exc:
            messages.error(request, str(exc))
            return _back_to_case(case)
        except ValidationError as exc:
            add_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Consent was withdrawn: %(what)s.") % {"what": selectors.consent_label(consent)},
            )
            return _back_to_case(case)
    return render(
        request,
        "consent/withdraw.html",
        {
            "case": case,
            "consent": consent,
            "label": selectors.consent_label(consent),
            "form": form,
        },
    )
