"""The demo region: fictional organisations and staff in the programme countries.

Names of organisations and people are invented. Every login uses DEMO_PASSWORD.
"""

from payvand.core.permissions import Role

DEMO_PASSWORD = "payvand-demo"  # noqa: S105  (printed on purpose: demo only)
# Every demo login's authenticator app holds this key (printed, like the password; base32
# IRJFGVCZMMRSEI2EMFDGTJCKKNJAVKAX). `payvand demo-code` prints its current code.
DEMO_TOTP_KEY = "44525354596323222344614669a44a53520aa817"
DEMO_DOMAIN = "demo.example"
DEMO_CASES = 2000

# code, name, type, country, subdivision, phone, languages, staff language
ORGANISATIONS = [
    ("REG", "Payvand Regional Coordination Hub", "NGO", "TJ", "TJ-DU", "+992372210000",
     ["en", "ru", "tg", "fa", "uz"], "en"),
    ("HWP", "Hamdili Women's Protection Organisation", "NGO", "AF", "AF-KAB", "+93202100000",
     ["fa", "ps", "en"], "fa-af"),
    ("RRF", "Roshan Rights Foundation", "LegalService", "PK", "PK-PB", "+924235700000",
     ["ur", "pa", "ps", "en"], "ur"),
    ("DYU", "Dushanbe Survivor Support Centre", "NGO", "TJ", "TJ-DU", "+992372270000",
     ["tg", "ru", "uz", "en"], "tg"),
    ("AFS", "Ashgabat Family Support", "NGO", "TM", "TM-S", "+99312390000",
     ["tk", "ru"], "tk"),
    ("TSM", "Tashkent Safe Migration Centre", "NGO", "UZ", "UZ-TK", "+998712000000",
     ["uz", "ru", "en"], "uz"),
    ("AMH", "Almaty Migrant Help", "NGO", "KZ", "KZ-75", "+77272000000",
     ["kk", "ru", "uz", "tg"], "ru"),
    ("IST", "Istanbul Migrant Solidarity", "LegalService", "TR", "TR-34", "+902122000000",
     ["tr", "en", "fa"], "en"),
]  # fmt: skip

# Staff names in the script each country's staff would write them; none of them is
# among the survivors' names (demo/people.py), so a dump can be searched for those.
STAFF_NAMES = {
    "HWP": ("Farzana Ahmadi", "Habibullah Noori", "Mariam Sadat"),
    "RRF": ("Ayesha Malik", "Imran Qureshi", "Sana Butt"),
    "DYU": ("Лола Исмоилова", "Парвиз Азизов", "Сабрина Олимова"),
    "AFS": ("Läle Berdiýewa", "Kakajan Amanow", "Selbi Öwezowa"),
    "TSM": ("Oydin Aliyeva", "Ulugbek Soliyev", "Kamola Saidova"),
    "AMH": ("Сауле Нурпеисова", "Данияр Ахметов", "Камила Бекова"),
    "IST": ("Elif Yılmaz", "Mehmet Demir", "Zeynep Kaya"),
}
ORG_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.ORG_ADMIN)
ROLE_SLUG = {
    Role.CASEWORKER: "caseworker",
    Role.SUPERVISOR: "supervisor",
    Role.ORG_ADMIN: "admin",
    Role.ANALYST: "analyst",
    Role.PLATFORM_ADMIN: "platform",
}
REGIONAL_STAFF = [
    (Role.ANALYST, "Shirin Davlatova", "regional-analyst"),
    (Role.PLATFORM_ADMIN, "Platform Administrator", "platform-admin"),
]


def demo_email(slug: str) -> str:
    return f"{slug}@{DEMO_DOMAIN}"
