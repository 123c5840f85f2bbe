"""Countries (ISO 3166-1 alpha-2) and their first-level subdivisions (ISO 3166-2).

Codes come from pycountry; labels are translated with the iso-codes catalogues
that pycountry ships, so no country name needs translating by hand.
"""

import gettext
from functools import cache

import pycountry
from django.utils import translation

# Names the iso-codes catalogues have not translated yet (Turkey became Türkiye in
# ISO 3166 in 2022); our own catalogues carry these.
_NAMES_WE_TRANSLATE = {
    "TR": translation.gettext_noop("Türkiye"),
}

# DOMAIN.md §7: the programme's countries, then frequent transit and destination countries.
PROGRAMME_COUNTRIES = ("AF", "PK", "TJ", "TM", "UZ")
PARTNER_COUNTRIES = ("IR", "RU", "KZ", "KG", "TR", "AE", "SA", "IN", "CN")

# Our language codes → the iso-codes catalogue names.
_ISO_LOCALE = {"fa-af": "fa", "uz": "uz", "tg": "tg", "tk": "tk", "ps": "ps", "ur": "ur"}


@cache
def _catalogue(domain: str, language: str) -> gettext.NullTranslations:
    locale = _ISO_LOCALE.get(language, language.split("-")[0])
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[locale], fallback=True)


def _translate(domain: str, text: str) -> str:
    return _catalogue(domain, translation.get_language() or "en").gettext(text)


def is_country(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code) is not None


def country_name(code: str) -> str:
    if code in _NAMES_WE_TRANSLATE:
        return translation.gettext(_NAMES_WE_TRANSLATE[code])
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return _translate("iso3166-1", country.name)


def country_choices() -> list[tuple[str, str]]:
    """Programme and partner countries first, then every other, by translated name."""
    return list(_country_choices(translation.get_language() or "en"))


@cache
def _country_choices(language: str) -> tuple[tuple[str, str], ...]:
    first = [(code, country_name(code)) for code in PROGRAMME_COUNTRIES + PARTNER_COUNTRIES]
    chosen = {code for code, _ in first}
    rest = sorted(
        (
            (c.alpha_2, country_name(c.alpha_2))
            for c in pycountry.countries
            if c.alpha_2 not in chosen
        ),
        key=lambda item: item[1].casefold(),
    )
    return tuple(first + rest)


@cache
def _subdivisions(country: str) -> tuple[tuple[str, str], ...]:
    """First-level subdivisions (those without a parent) of ``country``."""
    found = pycountry.subdivisions.get(country_code=country) or []
    return tuple(sorted((s.code, s.name) for s in found if not getattr(s, "parent_code", None)))


def subdivision_choices(country: str) -> list[tuple[str, str]]:
    return [(code, _translate("iso3166-2", name)) for code, name in _subdivisions(country)]


def is_subdivision_of(code: str, country: str) -> bool:
    return any(code == c for c, _ in _subdivisions(country))


def subdivision_name(code: str) -> str:
    subdivision = pycountry.subdivisions.get(code=code)
    return _translate("iso3166-2", subdivision.name) if subdivision else code


@cache
def _languages() -> tuple[tuple[str, str], ...]:
    return tuple(
        sorted(
            ((lang.alpha_2, lang.name) for lang in pycountry.languages if hasattr(lang, "alpha_2")),
            key=lambda item: item[1],
        )
    )


def language_name(code: str) -> str:
    lang = pycountry.languages.get(alpha_2=code)
    return _translate("iso639-3", lang.name) if lang else code


def is_language(code: str) -> bool:
    return any(code == c for c, _ in _languages())


def language_choices() -> list[tuple[str, str]]:
    return sorted(
        ((code, language_name(code)) for code, _ in _languages()), key=lambda i: i[1].casefold()
    )
