import shutil

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from payvand.core.languages import LANGUAGE_CODES

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")


@pytest.mark.parametrize(("code", "direction"), [
    ("en", "ltr"), ("ru", "ltr"), ("fa-af", "rtl"), ("ps", "rtl"), ("ur", "rtl"),
    ("tg", "ltr"), ("uz", "ltr"), ("tk", "ltr"),
])  # fmt: skip
def test_every_language_renders_with_its_direction(client, code, direction):
    client.post(reverse("language_switch"), {"language": code, "next": LOGIN})
    html = client.get(LOGIN).content.decode()
    assert f'<html lang="{code}" dir="{direction}">' in html


def test_browser_language_is_used_before_any_choice(client):
    html = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="ur-PK,ur;q=0.9").content.decode()
    assert '<html lang="ur" dir="rtl">' in html


@pytest.mark.parametrize("code", ["xx", "de", "ar", "", "../../etc/passwd"])
def test_unknown_language_falls_back_to_english(client, code):
    client.post(reverse("language_switch"), {"language": code, "next": LOGIN})
    client.cookies["django_language"] = code
    html = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="xx").content.decode()
    assert '<html lang="en" dir="ltr">' in html


def test_a_persian_browser_gets_dari(client):
    html = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="fa-IR,fa;q=0.9").content.decode()
    assert '<html lang="fa-af" dir="rtl">' in html


def test_language_switch_never_redirects_off_site(client):
    response = client.post(
        reverse("language_switch"), {"language": "ru", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_the_switcher_lists_every_platform_language(client):
    html = client.get(LOGIN).content.decode()
    for code in LANGUAGE_CODES:
        assert f'<option value="{code}"' in html


def test_dari_and_pashto_are_known_to_django():
    for code in ("fa-af", "ps"):
        info = translation.get_language_info(code)
        assert info["bidi"] is True


@pytest.mark.parametrize("locale", ["ru"])
def test_catalogue_is_completely_translated(locale):
    """English and Russian must be complete (the others are filled by translators)."""
    import gettext

    from django.conf import settings

    path = settings.PACKAGE_DIR / "locale" / locale / "LC_MESSAGES" / "django.po"
    untranslated = _untranslated_msgids(path.read_text())
    assert untranslated == [], f"{len(untranslated)} strings lack a {locale} translation"
    assert gettext  # the compiled catalogue is checked by test_translation_catalogues_are_current


def _untranslated_msgids(po: str) -> list[str]:
    """msgids whose msgstr (or any plural msgstr) is empty, or that are marked fuzzy."""
    missing = []
    for entry in po.split("\n\n")[1:]:  # the first entry is the header
        lines = [line for line in entry.splitlines() if not line.startswith("#~")]
        if not any(line.startswith("msgid") for line in lines):
            continue
        msgid = next(line for line in lines if line.startswith("msgid "))
        if any(line.startswith("#,") and "fuzzy" in line for line in lines):
            missing.append(msgid)
            continue
        for i, line in enumerate(lines):
            if line.startswith("msgstr") and line.endswith('""'):
                continuation = i + 1 < len(lines) and lines[i + 1].startswith('"')
                if not continuation:
                    missing.append(msgid)
                    break
    return missing


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_translation_catalogues_are_current():
    """makemessages would change nothing, and every .mo is compiled from its .po."""
    call_command("messages", "check")


@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_every_catalogue_loads_and_pluralises(code):
    """A broken Plural-Forms header makes every page in that language a server error."""
    with translation.override(code):
        for n in (0, 1, 2, 5, 11, 21):
            assert str(n) in translation.ngettext("%(n)s removed", "%(n)s removed", n) % {"n": n}


@pytest.mark.parametrize("code", ["fa-af", "ps", "ur", "tg", "uz", "tk", "ru"])
def test_turkiye_has_a_name_in_every_language(code):
    from payvand.core.countries import country_name

    with translation.override(code):
        assert country_name("TR") != "Türkiye"
