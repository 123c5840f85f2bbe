"""Invented survivors for the demo, named in the script each country's staff write.

Every name here is a common given or family name of the region; no combination
describes a real person. Distributions are rough, plausible shapes for a demo
(more women than men, mostly young adults, ages usually estimated), not statistics.
"""

import datetime as dt
import random

from payvand.cases.services import Identity, Registration

# Script of the registering organisation's country → (female, male, family stems).
NAMES = {
    "arabic-dari": (
        ["زرینه", "فرشته", "مریم", "گلالی", "شکیبا", "نازنین", "فاطمه", "سمیرا", "ملالی", "پروانه"],
        ["احمد", "محمد", "عبدالله", "نجیب", "حمید", "کریم", "جاوید", "رحیم", "نوید", "شفیق"],
        ["احمدی", "نوری", "حیدری", "رحیمی", "صافی", "کریمی", "یوسفزی", "وردک", "سادات", "هاشمی"],
    ),
    "arabic-urdu": (
        ["عائشہ", "فاطمہ", "ثنا", "زینب", "نادیہ", "سمیرا", "حنا", "رابعہ", "صبا", "مریم"],
        ["عمران", "علی", "حسن", "بلال", "عثمان", "کامران", "فیصل", "ندیم", "طارق", "یاسر"],
        ["خان", "ملک", "قریشی", "بٹ", "چوہدری", "شیخ", "اعوان", "راجپوت", "مرزا", "بلوچ"],
    ),
    "cyrillic-tajik": (
        ["Зарина", "Гулнора", "Нигина", "Мадина", "Шаҳноза", "Фарзона", "Дилноза", "Манижа"],
        ["Фаррух", "Ҷамшед", "Баҳодур", "Рустам", "Сомон", "Умед", "Шерзод", "Мухаммад"],
        ["Раҳимов", "Назаров", "Саидов", "Каримов", "Шарипов", "Ҷӯраев", "Давлатов", "Ҳасанов"],
    ),
    "cyrillic-kazakh": (
        ["Айгерим", "Динара", "Асель", "Жанна", "Гульнара", "Мадина"],
        ["Ерлан", "Нурлан", "Азамат", "Бауыржан", "Руслан", "Тимур"],
        ["Садыков", "Абенов", "Жумабаев", "Искаков", "Омаров", "Сериков"],
    ),
    "latin-uzbek": (
        ["Dilnoza", "Malika", "Gulnora", "Shahnoza", "Zarina", "Nilufar", "Madina", "Feruza"],
        ["Jasur", "Sardor", "Bekzod", "Otabek", "Sherzod", "Jamshid", "Akmal", "Rustam"],
        ["Karimov", "Tursunov", "Yusupov", "Rahimov", "Xolmatov", "Ergashev", "Qodirov"],
    ),
    "latin-turkmen": (
        ["Aýna", "Jeren", "Maral", "Gülnar", "Ogulgerek", "Bägül", "Enejan", "Mähri"],
        ["Merdan", "Serdar", "Döwlet", "Batyr", "Myrat", "Arslan", "Kerim", "Rahman"],
        ["Orazow", "Ataýew", "Gurbanow", "Annaýew", "Baýramow", "Hojaýew", "Nurmyradow"],
    ),
}
SCRIPT_OF_COUNTRY = {
    "AF": "arabic-dari",
    "PK": "arabic-urdu",
    "TJ": "cyrillic-tajik",
    "KZ": "cyrillic-kazakh",
    "UZ": "latin-uzbek",
    "TM": "latin-turkmen",
    "TR": "latin-uzbek",
}
# Where survivors met by an organisation in this country come from (weights).
CITIZENSHIP_MIX = {
    "AF": {"AF": 90, "PK": 5, "TJ": 5},
    "PK": {"PK": 85, "AF": 15},
    "TJ": {"TJ": 85, "AF": 10, "UZ": 5},
    "KZ": {"UZ": 45, "TJ": 35, "KG": 20},
    "UZ": {"UZ": 90, "TJ": 10},
    "TM": {"TM": 95, "UZ": 5},
    "TR": {"TM": 40, "UZ": 30, "AF": 30},
}
SOURCES = {
    "Outreach": 25, "Hotline": 20, "Border": 15, "Shelter": 10, "Police": 15,
    "SelfIdentified": 5, "Referral": 10,
}  # fmt: skip


def _feminine(name: str, script: str) -> str:
    """Russian-style family names take -a for women in Cyrillic and Uzbek/Turkmen Latin."""
    if script.startswith("cyrillic") or script == "latin-uzbek":
        return name + "а" if script.startswith("cyrillic") else name + "a"
    if script == "latin-turkmen":
        return name + "a"
    return name


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def demo_registration(rng: random.Random, country: str, today: dt.date) -> Registration:
    script = SCRIPT_OF_COUNTRY.get(country, "latin-uzbek")
    female_names, male_names, families = NAMES[script]
    woman = rng.random() < 0.68
    given = rng.choice(female_names if woman else male_names)
    family = rng.choice(families)
    if woman:
        family = _feminine(family, script)
    father = rng.choice(male_names)
    age = max(8, min(60, int(rng.gauss(24, 8))))
    identified_on = today - dt.timedelta(days=rng.randint(0, 3 * 365))
    precision = rng.choices(["estimated", "year", "exact"], weights=[55, 25, 20])[0]
    birth_date = None
    birth_year = None
    if precision == "exact":
        birth_date = dt.date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
    elif precision == "year":
        birth_year = today.year - age
    return Registration(
        identity=Identity(
            given_name=given,
            family_name=family,
            father_name=father,
            birth_date=birth_date,
            phone=_mobile(country, rng.randint(10**10, 10**11 - 1)) if rng.random() < 0.6 else "",
        ),
        gender="Feminine" if woman else "Masculine",
        birth_precision=precision,
        birth_year=birth_year,
        estimated_age=age if precision == "estimated" else None,
        citizenship=[_weighted(rng, CITIZENSHIP_MIX.get(country, {country: 1}))],
        identification_source=_weighted(rng, SOURCES),
        identified_on=identified_on,
    )


def _mobile(country: str, draw: int) -> str:
    """A mobile number of ``country`` (its example number with six digits drawn), E.164."""
    import phonenumbers

    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        return f"+{draw}"
    number = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    return f"{number[:-6]}{draw % 10**6:06d}"
