from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from payvand.accounts import selectors, services
from payvand.accounts.forms import LoginForm, ProfileForm, StaffInviteForm
from payvand.core.errors import DomainError
from payvand.core.forms import call_service
from payvand.core.languages import LANGUAGE_CODES
from payvand.core.permissions import Perm
from payvand.orgs.selectors import organisation_get


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        messages.success(self.request, _("Your password was changed."))
        return super().form_valid(form)


def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        request.user.refresh_from_db()
        services.profile_update(
            user=request.user,
            full_name=data["full_name"],
            preferred_language=data["preferred_language"],
            calendar=data["calendar"],
            time_zone=data["time_zone"],
        )
        translation.activate(request.user.preferred_language)
        messages.success(request, _("Your profile was saved."))
        response = redirect("accounts:profile")
        _set_language_cookie(response, request.user.preferred_language)
        return response
    return render(request, "accounts/profile.html", {"form": form})


@login_not_required
@require_POST
def language_switch(request):
    """Switch the interface language; for a signed-in user it becomes their preference."""
    code = request.POST.get("language", "")
    if code not in LANGUAGE_CODES:
        code = "en"
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    if request.user.is_authenticated and request.user.preferred_language != code:
        services.profile_update(
            user=request.user,
            full_name=request.user.full_name,
            preferred_language=code,
            calendar=request.user.calendar,
            time_zone=request.user.time_zone,
        )
    response = HttpResponseRedirect(next_url)
    _set_language_cookie(response, code)
    return response


def _set_language_cookie(response, code: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=365 * 24 * 3600,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        httponly=False,
    )


def staff_list(request, org_id):
    org = organisation_get(request.user, org_id, Perm.STAFF_VIEW)
    staff = selectors.staff_of(org, by=request.user)
    can_manage = bool(services.roles_grantable_by(request.user, org))
    return render(
        request, "accounts/staff_list.html", {"org": org, "staff": staff, "can_manage": can_manage}
    )


def staff_invite(request, org_id):
    org = organisation_get(request.user, org_id, Perm.STAFF_VIEW)
    roles = services.roles_grantable_by(request.user, org)
    if not roles:
        raise Http404
    form = StaffInviteForm(
        request.POST or None, roles=roles, initial={"language": translation.get_language()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        granted = call_service(
            form,
            services.staff_invite,
            org=org,
            by=request.user,
            email=data["email"],
            full_name=data["full_name"],
            role=data["role"],
            language=data["language"],
            base_url=request.build_absolute_uri("/"),
        )
        if granted:
            messages.success(
                request,
                _("%(email)s now has access; an invitation was sent if the account is new.")
                % {"email": data["email"]},
            )
            return redirect("staff:list", org_id=org.public_id)
    return render(request, "accounts/staff_invite.html", {"org": org, "form": form})


@require_POST
def staff_set_active(request, org_id, membership_id):
    org = organisation_get(request.user, org_id, Perm.STAFF_VIEW)
    if not services.roles_grantable_by(request.user, org):
        raise Http404
    membership = selectors.membership_get(org, membership_id, by=request.user)
    active = request.POST.get("active") == "1"
    try:
        services.membership_set_active(membership=membership, by=request.user, active=active)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        if active:
            messages.success(request, _("Access restored."))
        else:
            messages.success(request, _("Access removed. It takes effect on their next click."))
    return redirect("staff:list", org_id=org.public_id)


def lockout_username(request, credentials=None) -> str:
    """The account a sign-in attempt is for, as django-axes counts it (case-insensitive)."""
    source = credentials if credentials is not None else request.POST
    return str(source.get("username") or "").strip().lower()


@login_not_required
def locked_out(request, original_response=None, credentials=None):
    """What django-axes shows once an account is locked (AXES_LOCKOUT_CALLABLE)."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    return render(request, "accounts/locked_out.html", {"cooloff_minutes": minutes}, status=429)
