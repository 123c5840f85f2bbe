"""Referral pages: the lists, sending from a case, one referral (either side)."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from payvand.cases.selectors import case_get
from payvand.core.calendars import effective_calendar
from payvand.core.errors import DomainError
from payvand.core.forms import call_service
from payvand.core.permissions import Perm, has_perm, orgs_where
from payvand.referrals import package, selectors, services
from payvand.referrals.forms import (
    ActionForm,
    MessageForm,
    PackageForm,
    ReferralForm,
    ReturnVisitForm,
    ServiceForm,
)
from payvand.referrals.vocab import Kind, State
from payvand.referrals.workflow import ACTIONS, RECEIVER, actions_for


def _calendar(request) -> str:
    return effective_calendar(request.user.calendar, translation.get_language())


def referral_list(request):
    if not (
        orgs_where(request.user, Perm.REFERRAL_SEND)
        or orgs_where(request.user, Perm.REFERRAL_ANSWER)
    ):
        raise Http404
    notifications = selectors.unread_notifications(request.user)
    closed_to_me = [n for n in notifications if not n.openable]
    if closed_to_me:
        services.notifications_shown(user=request.user, notices=closed_to_me)
    return render(
        request,
        "referrals/list.html",
        {"lists": selectors.referral_lists(request.user), "notifications": notifications},
    )


def referral_new(request, case_id):
    case = case_get(request.user, case_id)
    if not has_perm(request.user, Perm.REFERRAL_SEND, case.organisation):
        raise Http404
    options = {
        "organisations": selectors.recipients_for(case),
        "can_override": has_perm(request.user, Perm.REFERRAL_OVERRIDE_CONSENT, case.organisation),
        "calendar": _calendar(request),
    }
    if request.method == "POST":
        form = ReferralForm(request.POST, **options)
    else:
        form = ReferralForm(initial={"submission_id": uuid.uuid4()}, **options)
    if request.method == "POST" and form.is_valid():
        referral = call_service(
            form, services.referral_send, case=case, by=request.user, **form.service_kwargs()
        )
        if referral:
            messages.success(request, _("The referral was sent."))
            return redirect("referrals:detail", public_id=referral.public_id)
    return render(request, "referrals/new.html", {"case": case, "form": form})


def referral_detail(request, public_id):
    referral, side = selectors.referral_get(request.user, public_id)
    services.notifications_read(user=request.user, referral=referral)
    content = selectors.open_text(referral, referral, "content", {}) or {}
    history = selectors.transitions_of(referral)
    for step in history:
        step.shown = selectors.open_text(referral, step, "note", "")
        # The stored codes ("send", "sent") are for the workflow; people read the state.
        step.state_label = State(step.to_state).label if step.to_state in State.values else ""
    actions = [
        (name, ACTIONS[name], ActionForm(initial={"action": name, "submission_id": uuid.uuid4()}))
        for name in actions_for(referral.state, side)
        if name != "expire"
    ]
    context = {
        "referral": referral,
        "side": side,
        "content": content,
        "history": history,
        "actions": actions,
        "thread": selectors.thread(request.user, referral),
        "message_form": MessageForm(initial={"submission_id": uuid.uuid4()}),
    }
    if side == RECEIVER:
        context["shared"] = selectors.shared_view(request.user, referral)
        if referral.kind == Kind.RETURN:
            context["visit_form"] = ReturnVisitForm(
                calendar=_calendar(request), initial={"submission_id": uuid.uuid4()}
            )
        context["service_form"] = ServiceForm(
            calendar=_calendar(request),
            initial={"submission_id": uuid.uuid4(), "delivered_on": timezone.localdate()},
        )
    return render(request, "referrals/detail.html", context)


def _report(request, service, success: str, **kwargs) -> None:
    try:
        service(**kwargs)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)


@require_POST
def referral_act(request, public_id):
    referral, _side = selectors.referral_get(request.user, public_id)
    form = ActionForm(request.POST)
    if not form.is_valid() or form.cleaned_data["action"] not in ACTIONS:
        messages.error(request, _("Unknown action."))
    else:
        data = form.cleaned_data
        _report(
            request,
            services.referral_transition,
            _("Done: %(action)s.") % {"action": ACTIONS[data["action"]].label},
            referral=referral,
            action=data["action"],
            by=request.user,
            reason=data["reason"],
            note=data["note"],
            submission_id=data["submission_id"],
        )
    return redirect("referrals:detail", public_id=referral.public_id)


@require_POST
def referral_message(request, public_id):
    referral, _side = selectors.referral_get(request.user, public_id)
    form = MessageForm(request.POST)
    if form.is_valid():
        _report(
            request,
            services.message_post,
            _("The message was sent."),
            referral=referral,
            by=request.user,
            **form.cleaned_data,
        )
    else:
        messages.error(request, " ".join(m for e in form.errors.values() for m in e))
    return redirect("referrals:detail", public_id=referral.public_id)


def _receiver_records(request, public_id, form_class, service, success: str):
    """The receiver records something it did (a service, a follow-up visit)."""
    referral, side = selectors.referral_get(request.user, public_id)
    if side != RECEIVER:
        raise Http404
    form = form_class(request.POST, calendar=_calendar(request))
    if form.is_valid():
        kwargs = form.service_kwargs() if hasattr(form, "service_kwargs") else form.cleaned_data
        _report(request, service, success, referral=referral, by=request.user, **kwargs)
    else:
        messages.error(request, " ".join(m for e in form.errors.values() for m in e))
    return redirect("referrals:detail", public_id=referral.public_id)


@require_POST
def referral_followup(request, public_id):
    return _receiver_records(
        request,
        public_id,
        ReturnVisitForm,
        services.referral_followup_record,
        _("The visit was recorded; the sending organisation sees it in its plan."),
    )


@require_POST
def referral_service(request, public_id):
    return _receiver_records(
        request,
        public_id,
        ServiceForm,
        services.referral_assistance_record,
        _("The service was recorded; the sending organisation sees it."),
    )


def package_new(request, case_id):
    """A package for an organisation not on Payvand: check, show the password once,
    then build the encrypted ZIP when the sender downloads it (with that password)."""
    case = case_get(request.user, case_id)
    if not has_perm(request.user, Perm.REFERRAL_SEND, case.organisation):
        raise Http404
    can_override = has_perm(request.user, Perm.REFERRAL_OVERRIDE_CONSENT, case.organisation)
    form = PackageForm(request.POST or None, can_override=can_override)
    if request.method == "POST" and form.is_valid():
        values = {"override_reason": "", **form.cleaned_data}
        if request.POST.get("step") == "download":
            try:
                data = services.package_make(
                    case=case, by=request.user, password=request.POST.get("password", ""),
                    **values,
                )  # fmt: skip
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                response = HttpResponse(data, content_type="application/zip")
                name = f"referral-{case.number}.zip"
                response["Content-Disposition"] = f'attachment; filename="{name}"'
                response["Cache-Control"] = "no-store"
                return response
        else:
            checked = call_service(
                form, services.package_check, case=case, by=request.user, **values
            )
            if checked:
                return render(
                    request,
                    "referrals/package_ready.html",
                    {"case": case, "form": form, "password": package.new_password()},
                )
    return render(request, "referrals/package.html", {"case": case, "form": form})
