from django.utils import translation

from payvand.core.languages import LANGUAGES


def payvand(request):
    user = getattr(request, "user", None)
    return {
        "platform_languages": LANGUAGES,
        "text_direction": "rtl" if translation.get_language_bidi() else "ltr",
        "nav_memberships": user.active_memberships() if user and user.is_authenticated else [],
    }
