from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path

from payvand.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("2fa/", views.two_factor, name="two_factor"),
    path("2fa/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("security/", views.security, name="security"),
    path("security/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("security/sign-out-everywhere/", views.sessions_end, name="sessions_end"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password-reset/",
        login_not_required(views.PasswordResetView.as_view()),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        login_not_required(
            auth_views.PasswordResetDoneView.as_view(
                template_name="accounts/password_reset_done.html"
            )
        ),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        login_not_required(views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        login_not_required(
            auth_views.PasswordResetCompleteView.as_view(
                template_name="accounts/password_reset_complete.html"
            )
        ),
        name="password_reset_complete",
    ),
]

staff_urlpatterns = [
    path("<uuid:org_id>/staff/", views.staff_list, name="list"),
    path("<uuid:org_id>/staff/invite/", views.staff_invite, name="invite"),
    path(
        "<uuid:org_id>/staff/<uuid:membership_id>/active/",
        views.staff_set_active,
        name="set_active",
    ),
    path(
        "<uuid:org_id>/staff/<uuid:membership_id>/sessions/end/",
        views.staff_sessions_end,
        name="sessions_end",
    ),
    path(
        "<uuid:org_id>/staff/<uuid:membership_id>/2fa/reset/",
        views.staff_two_factor_reset,
        name="two_factor_reset",
    ),
]
