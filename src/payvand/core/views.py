import sys

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.cache import never_cache

from payvand.core.audit.selectors import audit_recent
from payvand.core.audit.verify import audit_chain_verify
from payvand.core.unavailable import (
    database_unavailable,
    session_lost_to_outage,
    unavailable_response,
)


def audit_status(request):
    """For platform admins: is the chain intact, and what happened last (no personal data)."""
    recent = audit_recent(request.user)
    report = audit_chain_verify() if request.GET.get("verify") == "1" else None
    return render(request, "core/audit.html", {"report": report, "recent": recent})


@login_not_required
@never_cache
def healthz(request):
    """For load balancers and monitoring: 200 when the database answers, else 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means "not ready"
        return JsonResponse({"status": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


@login_not_required
def bad_request(request, exception=None):
    if session_lost_to_outage(exception):
        return unavailable_response(request)
    return defaults.bad_request(request, exception)


@login_not_required
def not_found(request, exception=None):
    return render(request, "404.html", status=404)


@login_not_required
def server_error(request):
    # Django calls this handler while handling the exception, so it is at hand.
    if database_unavailable(sys.exc_info()[1]):
        return unavailable_response(request)
    return render(request, "500.html", status=500)
