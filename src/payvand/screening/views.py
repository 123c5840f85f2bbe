import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from payvand.cases.selectors import case_get
from payvand.core.calendars import effective_calendar
from payvand.core.errors import DomainError, IllegalTransition
from payvand.core.forms import add_errors, call_service
from payvand.core.permissions import Perm, has_perm
from payvand.screening import catalogue, selectors, services
from payvand.screening.catalogue.labels import LABELS
from payvand.screening.forms import (
    AnswersForm,
    CatalogueUploadForm,
    DecisionForm,
    ListChoiceForm,
    ScreeningMetaForm,
)
from payvand.screening.vocab import (
    DECIDER_FOR_ORG_TYPE,
    Answer,
    DecisionMakingOrg,
    ExploitationList,
)


def _can_edit(request, case) -> bool:
    return has_perm(request.user, Perm.CASE_EDIT, case.organisation)


def _calendar(request) -> str:
    return effective_calendar(request.user.calendar, translation.get_language())


def screening_new(request, case_id):
    """Choose a list (GET ?list=…), answer its indicators, save (POST)."""
    case = case_get(request.user, case_id)
    if not _can_edit(request, case):
        raise Http404
    version = selectors.catalogue_current()
    if version is None:
        messages.error(request, _("No indicator catalogue is installed; ask a platform admin."))
        return redirect("cases:detail", public_id=case.public_id)
    data = request.POST if request.method == "POST" else None
    chosen = request.GET.get("list") or (data.get("exploitation_list") if data else None)
    choice = ListChoiceForm(
        {"list": chosen} if chosen else None, lists=selectors.catalogue_lists(version)
    )
    if not choice.is_bound or not choice.is_valid():
        return render(
            request, "screening/choose.html", {"case": case, "form": choice, "version": version}
        )
    exploitation_list = choice.cleaned_data["list"]
    indicators = selectors.catalogue_indicators(version, exploitation_list)
    calendar = _calendar(request)
    initial = {
        "exploitation_list": exploitation_list,
        "catalogue_version": version.number,
        "submission_id": uuid.uuid4(),
    }
    if data is not None and data.get("catalogue_version") != str(version.number):
        # Answered against another catalogue version: keep the answers whose indicator
        # code is still there, and let the caseworker check them before saving.
        messages.warning(
            request,
            _(
                "The indicator catalogue was updated while you were answering; "
                "check the answers against the current version and save again."
            ),
        )
        kept = {
            services.answer_field(i.code): data.get(services.answer_field(i.code))
            for i in indicators
            if data.get(services.answer_field(i.code)) in Answer.values
        }
        meta = ScreeningMetaForm(
            calendar=calendar, initial=initial | {"screened_on": data.get("screened_on")}
        )
        answers = AnswersForm(initial=kept, indicators=indicators)
    else:
        meta = ScreeningMetaForm(data, calendar=calendar, initial=initial)
        answers = AnswersForm(data, indicators=indicators)
    if meta.is_bound and meta.is_valid() & answers.is_valid():
        screening = _record(request, meta, answers, case, version, exploitation_list)
        if screening is not None:
            messages.success(request, _("The screening was saved."))
            return redirect(
                "screening:detail", case_id=case.public_id, screening_id=screening.public_id
            )
    return render(
        request,
        "screening/form.html",
        {
            "case": case,
            "version": version,
            "list_label": dict(ExploitationList.choices)[exploitation_list],
            "exploitation_list": exploitation_list,
            "meta": meta,
            "answers": answers,
            "groups": answers.groups(),
            "has_review": any(i.needs_review for i in indicators),
        },
    )


def _record(request, meta, answers, case, version, exploitation_list):
    try:
        return services.screening_record(
            case=case,
            by=request.user,
            version=version,
            exploitation_list=exploitation_list,
            screened_on=meta.cleaned_data["screened_on"],
            answers=answers.answers(),
            submission_id=meta.cleaned_data["submission_id"],
        )
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            add_errors(meta, exc)
            return None
        # An error names an indicator's answer or a field of the screening itself.
        for field, errors in exc.message_dict.items():
            form = answers if field in answers.fields else meta
            add_errors(form, ValidationError({field: errors}))
    except DomainError as exc:
        meta.add_error(None, str(exc))
    return None


def _detail_context(request, case, screening, decision_form=None) -> dict:
    can_edit = _can_edit(request, case)
    if decision_form is None and can_edit and not screening.is_decided:
        decision_form = DecisionForm(
            initial={
                "status": screening.suggested_status,
                "decision_org_type": DECIDER_FOR_ORG_TYPE.get(
                    case.organisation.org_type, DecisionMakingOrg.OTHER
                ),
                "submission_id": uuid.uuid4(),
            }
        )
    dimensions = selectors.screening_dimensions(screening)
    return {
        "case": case,
        "screening": screening,
        "dimensions": dimensions,
        "could_still_be_met": [d for d in dimensions if d.required and d.result == "undecided"],
        "reason": selectors.screening_reason(request.user, screening)
        if screening.is_decided
        else "",
        "decision_form": decision_form,
        "can_edit": can_edit,
    }


def screening_detail(request, case_id, screening_id):
    case, screening = selectors.screening_get(request.user, case_id, screening_id)
    return render(request, "screening/detail.html", _detail_context(request, case, screening))


@require_POST
def screening_decide(request, case_id, screening_id):
    case, screening = selectors.screening_get(request.user, case_id, screening_id)
    if not _can_edit(request, case):
        raise Http404
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.screening_decide(
                screening=screening,
                by=request.user,
                status=form.cleaned_data["status"],
                decision_org_type=form.cleaned_data["decision_org_type"],
                reason=form.cleaned_data["reason"],
                submission_id=form.cleaned_data["submission_id"],
            )
        except IllegalTransition as exc:
            messages.error(request, str(exc))
            return redirect("screening:detail", case_id=case.public_id, screening_id=screening_id)
        except ValidationError as exc:
            add_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The decision was recorded."))
            return redirect("screening:detail", case_id=case.public_id, screening_id=screening_id)
    return render(
        request,
        "screening/detail.html",
        _detail_context(request, case, screening, decision_form=form),
    )


def screening_history(request, case_id):
    case = case_get(request.user, case_id)
    return render(
        request,
        "screening/history.html",
        {
            "case": case,
            "screenings": list(selectors.screenings_of_case(case)),
            "can_edit": _can_edit(request, case),
        },
    )


# --- catalogue (platform) ------------------------------------------------------------------


def catalogue_index(request):
    versions = selectors.catalogue_versions(request.user)  # 404 without the right
    form = CatalogueUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        result = call_service(
            form, services.catalogue_import, raw=form.cleaned_data["file"], by=request.user
        )
        if result is not None:
            version, created = result
            if created:
                messages.success(
                    request,
                    _("Catalogue version %(n)s is now current.") % {"n": version.number},
                )
            else:
                messages.info(
                    request,
                    _("This file is already the current version %(n)s; nothing changed.")
                    % {"n": version.number},
                )
            return redirect("screening:catalogue_version", number=version.number)
    return render(request, "screening/catalogue.html", {"versions": list(versions), "form": form})


def catalogue_version(request, number):
    version = selectors.catalogue_version_get(request.user, number)
    return render(
        request,
        "screening/catalogue_version.html",
        {
            "version": version,
            "lists": selectors.catalogue_version_lists(version),
            "labels_known": LABELS,
        },
    )


def catalogue_export(request, number):
    version = selectors.catalogue_version_get(request.user, number)
    body = catalogue.export(
        version.title, version.source_note, selectors.catalogue_version_indicators(version)
    )
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="screening-catalogue-v{version.number}.json"'
    )
    return response
