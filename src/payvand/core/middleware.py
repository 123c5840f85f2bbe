import logging
import uuid
import zoneinfo

from django.conf import settings
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

from payvand.core import request_context


class RequestContextMiddleware:
    """Gives every request an id (echoed as ``X-Request-ID``) and records its address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex
        token = request_context.bind(
            request_context.RequestContext(
                request_id=request.request_id, ip=client_address(request)
            )
        )
        try:
            response = self.get_response(request)
        finally:
            request_context.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


def client_address(request) -> str | None:
    """The client's IP address; behind the proxy, the one the proxy saw (the last
    X-Forwarded-For entry: earlier ones are whatever the client chose to send)."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.split(",")[-1].strip()
        if last:
            return last[:45]
    return request.META.get("REMOTE_ADDR") or None


class UserLocaleMiddleware:
    """Activates the signed-in user's time zone and language.

    Without a signed-in user: the language cookie, else the browser's, else English.

    Codes outside settings.LANGUAGES fall back to English (Django's own lookup).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.preferred_language:
            language = _supported(user.preferred_language)
        if language is None:
            language = translation.get_language_from_request(request)
        translation.activate(language)
        if user is not None and user.is_authenticated:
            timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
        else:
            timezone.deactivate()
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


def _supported(code: str) -> str | None:
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_context.current().request_id or "-"
        return True


class ErasedDataMiddleware:
    """A page that needs a destroyed organisation key says so (410), instead of a 500.

    Services run in transactions, so whatever the request was writing is rolled back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.shortcuts import render

        from payvand.core.crypto import KeyDestroyed

        if isinstance(exception, KeyDestroyed):
            return render(request, "erased.html", status=410)
        return None
