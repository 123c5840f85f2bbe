"""While the database is unreachable, every page answers *503 Service Unavailable*.

A database restart, a failover or a full connection table is not a bug of the page
being asked for: the person should learn that the service is briefly down and when
to try again (``Retry-After``), not read "Something went wrong". Django turns any
uncaught exception into the 500 handler (``payvand.core.views.server_error``), even
one raised in a middleware before the view (the session or the user's row); that
handler asks :func:`database_unavailable` and answers with
:func:`unavailable_response`. The 400 handler does the same when saving the session
after the view failed for that reason (:func:`session_lost_to_outage`).

Nothing here touches the database: the page is rendered without context
processors (no user, no messages, no session) in the language the request itself
names (the cookie or the browser's), or the signed-in user's language when the
failure came after it was chosen.

Django closes a connection that failed at the end of the request, and
``CONN_HEALTH_CHECKS`` checks a kept one before reusing it, so the next request
after the database comes back connects afresh: no restart of the server.
"""

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import add_never_cache_headers

# Seconds a browser or a script should wait; a PostgreSQL restart takes a few.
RETRY_AFTER_SECONDS = 30

# OperationalError: the connection was refused or cut, the server is starting or
# shutting down, too many clients, a lock or serialisation timeout (all transient).
# InterfaceError: psycopg's "the connection is closed" after the server went away.
# Django re-raises the driver's errors as its own; the driver's own classes are
# counted too, for a path that lets one through unwrapped.
UNAVAILABLE = (OperationalError, InterfaceError)


def _unavailable_types() -> tuple[type[BaseException], ...]:
    kinds: list[type[BaseException]] = list(UNAVAILABLE)
    for alias in connections:
        driver = connections[alias].Database
        kinds += [driver.OperationalError, driver.InterfaceError]
    return tuple(kinds)


def database_unavailable(exception: BaseException | None) -> bool:
    """Is this exception the database being out of reach, not a bug?

    Only the exception itself and what it was explicitly raised from: an unrelated
    error raised while handling a database error (its ``__context__``) stays a 500.
    """
    if exception is None:
        return False
    kinds = _unavailable_types()
    return isinstance(exception, kinds) or isinstance(exception.__cause__, kinds)


def session_lost_to_outage(exception: BaseException | None) -> bool:
    """Saving the session at the end of the request failed because the database went away.

    Django's SessionMiddleware reports any failed save as ``SessionInterrupted``, a
    *400 Bad Request* meant for a session deleted meanwhile (signed out in another tab);
    the database error it stems from is in the exception's context.
    """
    from django.contrib.sessions.exceptions import SessionInterrupted

    if not isinstance(exception, SessionInterrupted):
        return False
    seen, depth = exception.__context__, 0
    while seen is not None and depth < 5:
        if database_unavailable(seen):
            return True
        seen, depth = seen.__cause__ or seen.__context__, depth + 1
    return False


def _language(request: HttpRequest) -> str:
    # Set by UserLocaleMiddleware once it chose the signed-in user's language;
    # if the database failed before that, what the request itself says.
    return getattr(request, "LANGUAGE_CODE", None) or translation.get_language_from_request(request)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """The translated 503 page, with ``Retry-After``; never cached, no error details."""
    session = getattr(request, "session", None)
    if session is not None and not hasattr(session, "_session_cache"):
        # The session could not be read. On the way out its middleware would read it
        # again (for the cookie's expiry), fail the same way and log the error twice;
        # it saves nothing after a 5xx, so an empty copy for this response is enough.
        session._session_cache = {}
    with translation.override(_language(request)):
        body = render_to_string(
            "503.html",
            {
                "LANGUAGE_CODE": translation.get_language(),
                "text_direction": "rtl" if translation.get_language_bidi() else "ltr",
                # Only a page that was being read is offered again: repeating a form's
                # POST is the person's choice, from the form.
                "retry_path": request.get_full_path() if request.method == "GET" else "/",
            },
        )
        language = translation.get_language()
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Content-Language"] = language
    add_never_cache_headers(response)
    return response
