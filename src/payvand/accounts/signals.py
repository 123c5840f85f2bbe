"""Sign-in, sign-out and failed sign-in go to the audit trail; a sign-in starts the clock."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from payvand.accounts.sessions import session_started
from payvand.core.audit.services import audit_record


@receiver(user_logged_in)
def _audit_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_started(request.session)
    audit_record(action="auth.login", actor=user, obj=user)


@receiver(user_logged_out)
def _audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action="auth.logout", actor=user, obj=user)


@receiver(user_login_failed)
def _audit_login_failed(sender, credentials, request=None, **kwargs):
    # The typed e-mail is not stored: it may be a mistyped password.
    audit_record(action="auth.login_failed", actor=None)
