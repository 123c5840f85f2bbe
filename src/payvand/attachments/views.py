"""Uploading, downloading and removing a case's attachments.

Every view reaches the case through `case_get` (404 outside the caller's scope). Files
are only ever sent as downloads (Content-Disposition: attachment, nosniff), never shown
inline, and every download is an audit row.
"""

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from payvand.attachments import selectors, services
from payvand.attachments.forms import AttachmentForm
from payvand.attachments.uploads import SealedUploadHandler, body_too_large
from payvand.cases.selectors import case_get
from payvand.core.forms import add_errors
from payvand.core.permissions import Perm, has_perm

ANCHOR = "attachments"


def _case(request, case_id):
    case = case_get(request.user, case_id)
    if not has_perm(request.user, Perm.CASE_EDIT, case.organisation):
        raise Http404
    return case


def _back(case):
    return redirect(reverse("cases:detail", args=[case.public_id]) + f"#{ANCHOR}")


def _render(request, case, form, status=200, error=""):
    return render(
        request,
        "attachments/upload.html",
        {"case": case, "form": form, "limit": settings.ATTACHMENT_MAX_BYTES, "error": error},
        status=status,
    )


def _too_large(request, case, data=None):
    """The form again, as it was filled in, with the size error; nothing was kept."""
    initial = {"submission_id": uuid.uuid4()}
    if data is not None:
        initial |= {k: data.get(k, "") for k in ("category", "description")}
    return _render(
        request, case, AttachmentForm(initial=initial), 413, services.too_large_message()
    )


@csrf_exempt  # the handlers must be set before the body is read; CSRF is checked below
def attachment_add(request, case_id):
    if request.method == "POST":
        if body_too_large(request, settings.ATTACHMENT_MAX_BYTES):
            # Refused before reading the body: nothing of it is stored anywhere.
            return _too_large(request, _case(request, case_id))
        request.upload_handlers = [SealedUploadHandler(request, settings.ATTACHMENT_MAX_BYTES)]
    return _attachment_add(request, case_id)


@csrf_protect
def _attachment_add(request, case_id):
    case = _case(request, case_id)
    if request.method != "POST":
        return _render(request, case, AttachmentForm(initial={"submission_id": uuid.uuid4()}))
    form = AttachmentForm(request.POST, request.FILES)
    handler = request.upload_handlers[0]
    if getattr(handler, "too_large", False):
        return _too_large(request, case, request.POST)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.attachment_add(
                case=case,
                by=request.user,
                category=form.cleaned_data["category"],
                filename=upload.name,
                data=upload.read(),
                description=form.cleaned_data["description"],
                submission_id=form.cleaned_data["submission_id"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The file was attached, encrypted."))
            return _back(case)
    return _render(request, case, form)


def attachment_download(request, case_id, attachment_id):
    case = case_get(request.user, case_id)
    attachment = selectors.attachment_get(case, attachment_id)
    try:
        opened = services.attachment_open(attachment=attachment, by=request.user)
    except FileNotFoundError:
        messages.error(request, _("This file was erased."))
        return _back(case)
    response = HttpResponse(opened.data, content_type=opened.content_type)
    response["Content-Disposition"] = selectors.content_disposition(opened.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
def attachment_remove(request, case_id, attachment_id):
    case = _case(request, case_id)
    attachment = selectors.attachment_get(case, attachment_id)
    services.attachment_remove(attachment=attachment, by=request.user)
    messages.success(request, _("The attachment was removed."))
    return _back(case)
