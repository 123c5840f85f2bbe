"""The platform's languages, including two that Django does not know.

Kept free of Django imports at module level so settings can use it.
"""

# (code, English name); the order is the switcher's.
LANGUAGES = [
    ("en", "English"),
    ("ru", "Русский"),
    ("fa-af", "دری"),
    ("ps", "پښتو"),
    ("ur", "اردو"),
    ("tg", "Тоҷикӣ"),
    ("uz", "Oʻzbekcha"),
    ("tk", "Türkmençe"),
]
LANGUAGE_CODES = [code for code, _name in LANGUAGES]

# Django reads these by the part before the hyphen, so "fa" covers "fa-af".
LANGUAGES_BIDI = ["ar", "fa", "fa-af", "he", "ps", "ur", "ckb"]

# Entries Django's LANG_INFO lacks (Pashto) or has only generically (Dari).
EXTRA_LANG_INFO = {
    "fa-af": {"bidi": True, "code": "fa-af", "name": "Dari", "name_local": "دری"},
    "ps": {"bidi": True, "code": "ps", "name": "Pashto", "name_local": "پښتو"},
}


def register_language_info() -> None:
    from django.conf.locale import LANG_INFO

    LANG_INFO.update(EXTRA_LANG_INFO)
