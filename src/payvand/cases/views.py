import uuid

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from payvand.cases import selectors, services, workflow
from payvand.cases.erasure import person_erase
from payvand.cases.forms import (
    CaseAssignForm,
    CaseEraseForm,
    CaseImportForm,
    CaseRegisterForm,
    CaseSearchForm,
)
from payvand.cases.importer import ImportFileError, import_cases
from payvand.cases.search_fields import search_fields_html
from payvand.cases.sections import has_rows, sections_for
from payvand.cases.vocab import ClosureReason
from payvand.cases.workflow import ACTIONS, allowed_actions
from payvand.core import crypto
from payvand.core.audit.services import audit_reads_batched
from payvand.core.calendars import effective_calendar
from payvand.core.errors import DomainError
from payvand.core.forms import call_service
from payvand.core.permissions import Perm, has_perm, orgs_where
from payvand.orgs.selectors import organisations_visible_to

PAGE_SIZE = 25


def _require(request, perm: Perm) -> list[int]:
    orgs = orgs_where(request.user, perm)
    if not orgs:
        raise Http404
    return orgs


def case_list(request):
    _require(request, Perm.CASE_VIEW_ASSIGNED)
    form = CaseSearchForm(request.GET or None)
    query = selectors.CaseQuery()
    if form.is_bound and form.is_valid():
        query = selectors.CaseQuery(
            **{k: v for k, v in form.cleaned_data.items() if v not in ("", None)}
        )
    # Keys first, rows for the one page shown: an OFFSET deep in 100,000 cases then
    # walks an index, not joins of every row it skips.
    ids = selectors.case_search_ids(request.user, query)
    page, cases = _page_of(request.user, ids, request.GET.get("page"))
    shown = selectors.identities_shown(request.user, cases, purpose="case list")
    rows = [(case, shown[case.pk]) for case in cases]
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "cases/list.html",
        {
            "form": form,
            "search_fields": search_fields_html(form),
            "page": page,
            "rows": rows,
            "params": params.urlencode(),
        },
    )


def _page_of(user, ids, number: str | None):
    """The page asked for and its cases, as ``Paginator.get_page`` would give them.

    A page that has rows comes with the count of all matching cases in the same query
    (`selectors.case_page`); the paginator then asks nothing. Anything else (past the
    end, nothing matches, not a number) goes the paginator's own way.
    """
    paginator = Paginator(ids, PAGE_SIZE)
    # isdecimal, not isdigit ("²" is a digit int() refuses); a page number past nine
    # digits cannot have rows and would overflow the OFFSET: the paginator's own way.
    asked = 1 if number is None else int(number) if number.isdecimal() and len(number) < 10 else 0
    orgs = selectors.membership_orgs(user)
    if isinstance(ids, QuerySet) and asked >= 1:
        found = selectors.case_page(ids, asked, PAGE_SIZE, orgs)
        if found is not None:
            cases, paginator.count = found
            return paginator.page(asked), cases
    page = paginator.get_page(number)
    return page, selectors.cases_by_ids(page.object_list, orgs)


def case_register(request):
    org_ids = _require(request, Perm.CASE_EDIT)
    orgs = organisations_visible_to(request.user).filter(pk__in=org_ids)
    calendar = effective_calendar(request.user.calendar, translation.get_language())
    form = CaseRegisterForm(
        request.POST or None,
        orgs=orgs,
        calendar=calendar,
        initial={"submission_id": uuid.uuid4()},
    )
    duplicates = []
    if request.method == "POST" and form.is_valid():
        registration = form.registration()
        if not form.cleaned_data["confirm_new"]:
            duplicates = selectors.possible_duplicates(
                form.org, registration.identity.to_json(), registration.birth_year
            )
        if not duplicates:
            case = call_service(
                form,
                services.case_register,
                org=form.org,
                by=request.user,
                registration=registration,
                submission_id=form.cleaned_data["submission_id"],
            )
            if case:
                messages.success(
                    request, _("Case %(number)s was registered.") % {"number": case.number}
                )
                return redirect("cases:detail", public_id=case.public_id)
    if not duplicates:
        # Only asked when there is something to confirm.
        form.fields["confirm_new"].widget = forms.HiddenInput()
    visible = set(
        selectors.cases_visible_to(request.user)
        .filter(pk__in=[c.pk for c in duplicates])
        .values_list("pk", flat=True)
    )
    shown = selectors.identities_shown(
        request.user, [c for c in duplicates if c.pk in visible], purpose="duplicate check"
    )
    return render(
        request,
        "cases/register.html",
        {"form": form, "duplicates": [(c, shown.get(c.pk)) for c in duplicates]},
    )


def case_detail(request, public_id):
    case = selectors.case_get(request.user, public_id)
    # The identity and each section write a row naming what they opened; appended
    # together, the audit chain is locked once per page instead of once per row.
    with audit_reads_batched():
        try:
            identity = services.person_identity(person=case.person, by=request.user)
        except crypto.KeyDestroyed:
            identity = None
        sections = sections_for(request, case)
        status_note = (
            selectors.status_note_latest(request.user, case)
            if has_rows(request, case, "case", "status_notes")
            else None
        )
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "identity": identity,
            "sections": sections,
            "status_note": status_note,
            "actions": [(name, ACTIONS[name]) for name in allowed_actions(request.user, case)],
            "closure_reasons": ClosureReason.choices,
            "can_assign": has_perm(request.user, Perm.CASE_ASSIGN, case.organisation),
            "can_erase": case.person.erased_at is None
            and has_perm(request.user, Perm.CASE_APPROVE, case.organisation),
            "pending_request": case.status_changes.filter(action="request_closure").first()
            if case.closure_pending
            else None,
        },
    )


@require_POST
def case_status(request, public_id):
    case = selectors.case_get(request.user, public_id)
    try:
        workflow.case_transition(
            case=case,
            by=request.user,
            action=request.POST.get("action", ""),
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", "")[:2000],
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Done."))
    return redirect("cases:detail", public_id=case.public_id)


def case_assign(request, public_id):
    case = selectors.case_get(request.user, public_id)
    if not has_perm(request.user, Perm.CASE_ASSIGN, case.organisation):
        raise Http404
    staff = list(selectors.case_staff(case))
    form = CaseAssignForm(
        request.POST or None,
        staff=staff,
        initial={
            "owner": case.owner.public_id,
            "assigned": [u.public_id for u in case.assigned.all()],
        },
    )
    if request.method == "POST" and form.is_valid():
        by_id = {str(u.public_id): u for u in staff}
        done = call_service(
            form,
            services.case_assign,
            case=case,
            by=request.user,
            owner=by_id[form.cleaned_data["owner"]],
            assigned=[by_id[k] for k in form.cleaned_data["assigned"]],
        )
        if done:
            messages.success(request, _("The assignment was saved."))
            return redirect("cases:detail", public_id=case.public_id)
    return render(request, "cases/assign.html", {"case": case, "form": form})


def case_timeline(request, public_id):
    case = selectors.case_get(request.user, public_id)
    with_views = request.GET.get("views") == "1"
    page = Paginator(
        selectors.case_timeline(request.user, case, with_views=with_views), 100
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/timeline.html",
        {
            "case": case,
            "rows": selectors.timeline_rows(page.object_list),
            "page": page,
            "with_views": with_views,
        },
    )


def case_import(request):
    org_ids = set(orgs_where(request.user, Perm.CASE_APPROVE)) | set(
        orgs_where(request.user, Perm.STAFF_MANAGE)
    )
    if not org_ids:
        raise Http404
    orgs = list(organisations_visible_to(request.user, Perm.ORG_VIEW).filter(pk__in=org_ids))
    staff = list(selectors.case_workers_of(orgs))
    form = CaseImportForm(request.POST or None, request.FILES or None, orgs=orgs, staff=staff)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = import_cases(
                org=form.orgs[form.cleaned_data["organisation"]],
                owner=form.staff[form.cleaned_data["owner"]],
                by=request.user,
                name=upload.name,
                data=upload.read(),
                calendar=form.cleaned_data["calendar"],
            )
        except (ImportFileError, DomainError) as exc:
            form.add_error("file", str(exc))
        else:
            if report.ok:
                messages.success(
                    request,
                    ngettext(
                        "%(n)s case was imported.", "%(n)s cases were imported.", report.imported
                    )
                    % {"n": report.imported},
                )
                return redirect(
                    "cases:list"
                    if orgs_where(request.user, Perm.CASE_VIEW_ASSIGNED)
                    else "dashboard:home"
                )
    return render(request, "cases/import.html", {"form": form, "report": report})


def case_erase(request, public_id):
    """A supervisor erases the survivor's personal data on her request (cases/erasure.py)."""
    case = selectors.case_get(request.user, public_id)
    if not has_perm(request.user, Perm.CASE_APPROVE, case.organisation):
        raise Http404
    if case.person.erased_at is not None:
        messages.info(request, _("This survivor's personal data was already erased."))
        return redirect("cases:detail", public_id=case.public_id)
    form = CaseEraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = call_service(form, person_erase, case=case, by=request.user, **form.cleaned_data)
        if done:
            messages.success(
                request,
                _("Erased: %(blobs)s sealed records and %(files)s files of %(cases)s cases.")
                % {"blobs": done.blobs, "files": done.files, "cases": done.cases},
            )
            return redirect("cases:detail", public_id=case.public_id)
    return render(request, "cases/erase.html", {"case": case, "form": form})
