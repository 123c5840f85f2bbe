from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from payvand.accounts import selectors, services, sessions, twofactor
from payvand.accounts.forms import (
    EnrolmentForm,
    LoginForm,
    ProfileForm,
    SecondFactorForm,
    StaffInviteForm,
)
from payvand.core.errors import DomainError
from payvand.core.forms import call_service
from payvand.core.languages import LANGUAGE_CODES
from payvand.core.middleware import client_address
from payvand.core.permissions import Perm
from payvand.orgs.selectors import organisation_get


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        token, _new = sessions.device_seen(
            user=user,
            token=self.request.COOKIES.get(sessions.DEVICE_COOKIE),
            user_agent=self.request.headers.get("User-Agent", ""),
            ip=client_address(self.request),
        )
        response.set_cookie(
            sessions.DEVICE_COOKIE,
            token,
            max_age=sessions.DEVICE_COOKIE_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
        return response

    def get_success_url(self):
        url = super().get_success_url()
        if twofactor.two_factor_required(self.request.user):
            return f"{reverse('accounts:two_factor')}?{urlencode({'next': url})}"
        return url


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


def _safe_next(request, default: str = "/") -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or default
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return default
    return next_url


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


def two_factor(request):
    """The second step of signing in: a code from the app, or a recovery code."""
    user = request.user
    next_url = _safe_next(request)
    if user.is_verified():
        return redirect(next_url)
    if twofactor.authenticator(user) is None:
        return redirect(f"{reverse('accounts:two_factor_setup')}?{urlencode({'next': next_url})}")
    form = SecondFactorForm(request.POST or None)
    wait = twofactor.two_factor_wait(user)
    if request.method == "POST" and form.is_valid():
        if wait:
            form.add_error(None, _wait_message(wait))
        elif twofactor.second_factor_verify(
            request=request, user=user, code=form.cleaned_data["code"]
        ):
            left = twofactor.recovery_codes_left(user)
            if left <= 3:
                messages.warning(
                    request,
                    _("You have %(n)s recovery codes left. Make new ones on your security page.")
                    % {"n": left},
                )
            return redirect(next_url)
        else:
            form.add_error(
                "code", _("This code is not right. Check the time on your phone and try again.")
            )
    return _no_store(render(request, "accounts/two_factor.html", {"form": form, "next": next_url}))


def _wait_message(seconds: int) -> str:
    return ngettext(
        "Too many wrong codes. Wait %(n)s second, then try again.",
        "Too many wrong codes. Wait %(n)s seconds, then try again.",
        seconds,
    ) % {"n": seconds}


def two_factor_setup(request):
    """Set up an authenticator app (first sign-in, or replacing the phone)."""
    user = request.user
    next_url = _safe_next(request)
    if twofactor.authenticator(user) is not None and not user.is_verified():
        # Replacing the app needs the old one (or a recovery code) first; otherwise a
        # stolen password alone would be enough to take the account.
        return redirect(f"{reverse('accounts:two_factor')}?{urlencode({'next': next_url})}")
    device = twofactor.enrolment_start(user)
    form = EnrolmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        codes = twofactor.enrolment_confirm(user=user, device=device, token=code)
        if codes is not None:
            twofactor.second_factor_login(request, user)
            return _no_store(
                render(
                    request,
                    "accounts/recovery_codes.html",
                    {"codes": codes, "next": next_url, "first_time": True},
                )
            )
        form.add_error(
            "code", _("This code is not right. Check the time on your phone and try again.")
        )
    context = {"form": form, "next": next_url, "enrolment": twofactor.enrolment_show(device)}
    return _no_store(render(request, "accounts/two_factor_setup.html", context))


def security(request):
    """Her second factor, recovery codes, the browsers she used; sign out everywhere."""
    user = request.user
    context = {
        "authenticator": twofactor.authenticator(user),
        "required": twofactor.two_factor_required(user),
        "codes_left": twofactor.recovery_codes_left(user),
        "devices": selectors.known_devices(user),
        "max_hours": settings.PAYVAND_SESSION_MAX_HOURS,
        "idle_minutes": settings.SESSION_COOKIE_AGE // 60,
    }
    return render(request, "accounts/security.html", context)


@require_POST
def recovery_codes(request):
    if not request.user.is_verified():
        raise Http404
    codes = twofactor.recovery_codes_make(user=request.user)
    return _no_store(render(request, "accounts/recovery_codes.html", {"codes": codes, "next": ""}))


@require_POST
def sessions_end(request):
    """Sign out everywhere, this browser included."""
    sessions.sessions_end_all(user=request.user)
    logout(request)
    messages.success(request, _("You were signed out on every device."))
    return redirect("accounts:login")


@require_POST
def staff_sessions_end(request, org_id, membership_id):
    membership = _managed_membership(request, org_id, membership_id)
    sessions.staff_sessions_end(membership=membership, by=request.user)
    messages.success(
        request,
        _("%(name)s was signed out on every device.") % {"name": membership.user.full_name},
    )
    return redirect("staff:list", org_id=membership.organisation.public_id)


@require_POST
def staff_two_factor_reset(request, org_id, membership_id):
    membership = _managed_membership(request, org_id, membership_id)
    sessions.two_factor_reset(membership=membership, by=request.user)
    messages.success(
        request,
        _("%(name)s will set up a new authenticator app at the next sign-in.")
        % {"name": membership.user.full_name},
    )
    return redirect("staff:list", org_id=membership.organisation.public_id)


def _managed_membership(request, org_id, membership_id):
    """A staff member whose access the caller may change (never herself); else 404."""
    org = organisation_get(request.user, org_id, Perm.STAFF_VIEW)
    if not services.roles_grantable_by(request.user, org):
        raise Http404
    membership = selectors.membership_get(org, membership_id, by=request.user)
    if membership.user_id == request.user.pk or not services.may_change_access(
        request.user, membership
    ):
        raise Http404
    return membership
