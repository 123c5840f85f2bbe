import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from payvand.cases import selectors
from payvand.cases.models import Case, NameToken, Person
from payvand.cases.services import Identity, case_register, person_identity
from payvand.core import crypto
from payvand.core.audit.models import AuditEvent
from payvand.core.keys import master_key_rotate, org_keys_destroy, org_keys_rotate
from payvand.core.permissions import Role
from payvand.testing.factories import case, member, registration

pytestmark = pytest.mark.django_db


def _search(user, text, **kw):
    return [c.number for c in selectors.case_search(user, selectors.CaseQuery(name=text, **kw))]


def test_registration_numbers_cases_per_organisation_and_year(org):
    first, second = case(org), case(org)
    assert first.number == f"{org.country}-{org.code}-2026-00001"
    assert second.number.endswith("-00002")


def test_names_are_never_stored_in_clear(org):
    c = case(org, given_name="Гулнора", family_name="Назарова", father_name="Саидмурод")
    person = Person.objects.get(pk=c.person_id)
    blob = bytes(person.identity)
    for name in ("Гулнора", "Назарова", "Саидмурод"):
        assert name.encode() not in blob
    with connection.cursor() as cursor:
        for table in ("cases_person", "cases_nametoken", "cases_case", "audit_auditevent"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608  (fixed table names)
            dump = repr(cursor.fetchall())
            for name in ("Гулнора", "Назарова", "Саидмурод", "gulnora", "nazarova"):
                assert name not in dump, (table, name)


@pytest.mark.parametrize(
    "query", ["Мухаммад", "Muhammad", "Mohammad", "محمد", "mohamad", "Muhamad"]
)
def test_search_finds_the_same_person_from_every_script(org, query):
    supervisor = member(Role.SUPERVISOR, org)
    target = case(org, given_name="Мухаммад", family_name="Раҳимов", father_name="Карим")
    case(org, given_name="Zarina", family_name="Karimova")
    assert _search(supervisor, query) == [target.number]


def test_search_by_given_and_family_name_needs_both_to_match(org):
    supervisor = member(Role.SUPERVISOR, org)
    target = case(org, given_name="Gulnora", family_name="Nazarova")
    case(org, given_name="Gulnora", family_name="Karimova")
    assert _search(supervisor, "Гулнора Назарова") == [target.number]


def test_search_by_father_name_and_filters(org):
    supervisor = member(Role.SUPERVISOR, org)
    target = case(org, father_name="Абдулло", gender="Masculine", given_name="Farhod")
    case(org, father_name="Karim")
    found = selectors.case_search(
        supervisor, selectors.CaseQuery(father_name="Abdullo", gender="Masculine")
    )
    assert [c.number for c in found] == [target.number]
    by_citizenship = selectors.case_search(supervisor, selectors.CaseQuery(citizenship="TJ"))
    assert len(by_citizenship) == 2
    assert selectors.case_search(supervisor, selectors.CaseQuery(citizenship="AF")).count() == 0


def test_caseworker_sees_only_assigned_cases_and_never_another_organisation(org, other_org):
    worker = member(Role.CASEWORKER, org)
    mine = case(org, owner=worker)
    case(org)  # a colleague's
    case(other_org, given_name="Zarina")
    assert [c.number for c in selectors.cases_visible_to(worker)] == [mine.number]
    assert _search(worker, "Zarina") == [mine.number]  # the default name, only own case


def test_identity_read_is_audited(org, client):
    supervisor = member(Role.SUPERVISOR, org)
    c = case(org)
    client.force_login(supervisor, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("cases:detail", args=[c.public_id]))
    assert "Zarina" in page.content.decode()
    event = AuditEvent.objects.filter(action="person.identity_read").latest("seq")
    assert event.actor_id == supervisor.public_id and event.object_id == str(c.person.public_id)
    client.get(reverse("cases:list"))
    listed = AuditEvent.objects.filter(action="person.identity_list").latest("seq")
    assert listed.details["persons"] == [str(c.person.public_id)]


def test_case_page_audits_each_read_of_its_sections_and_locks_the_chain_once(org, client):
    from django.test.utils import CaptureQueriesContext

    from payvand.assistance.services import note_add
    from payvand.consent.services import consent_record
    from payvand.core.audit.verify import audit_chain_verify

    supervisor = member(Role.SUPERVISOR, org)
    c = case(org)
    note = note_add(case=c, by=supervisor, text="Met her at the border post")
    consent = consent_record(
        case=c, by=supervisor, purpose="statistics", given_on=dt.date(2026, 1, 5),
        recorded_how="written_signed",
    )  # fmt: skip
    client.force_login(supervisor, backend="django.contrib.auth.backends.ModelBackend")
    before = AuditEvent.objects.order_by("seq").last().seq
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("cases:detail", args=[c.public_id])).content.decode()
    assert "Met her at the border post" in page
    rows = {e.action: e for e in AuditEvent.objects.filter(seq__gt=before)}
    assert {"person.identity_read", "assistance.read", "consent.read"} <= set(rows)
    assert rows["person.identity_read"].object_id == str(c.person.public_id)
    assert rows["assistance.read"].details["notes"] == [str(note.public_id)]
    assert rows["consent.read"].details == {"consents": [str(consent.public_id)]}
    assert all(e.actor_id == supervisor.public_id for e in rows.values())
    assert rows["assistance.read"].case_id == rows["consent.read"].case_id == c.public_id
    heads = [q for q in queries.captured_queries if q["sql"].startswith("SELECT") and
             "audit_auditchainhead" in q["sql"]]  # fmt: skip
    assert len(heads) == 1, "the page's read rows are appended together"
    assert audit_chain_verify().ok


def test_a_case_with_nothing_recorded_asks_each_section_table_once(org, client):
    """The page asks in one query which sections have rows; empty ones are not read."""
    from django.test.utils import CaptureQueriesContext

    from payvand.assistance.services import note_add
    from payvand.cases.sections import SECTIONS

    supervisor = member(Role.SUPERVISOR, org)
    c = case(org)
    client.force_login(supervisor, backend="django.contrib.auth.backends.ModelBackend")
    tables = {
        rows(c.pk).model._meta.db_table
        for section in SECTIONS.values()
        for rows in section.rows.values()
    }
    assert {"assistance_casenote", "screening_screening", "consent_consent"} <= tables
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("cases:detail", args=[c.public_id])).status_code == 200
    asking = [
        q["sql"] for q in queries.captured_queries if any(f'"{t}"' in q["sql"] for t in tables)
    ]
    assert len(asking) == 1 and all(f'"{t}"' in asking[0] for t in tables)
    note_add(case=c, by=supervisor, text="Called her sister")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("cases:detail", args=[c.public_id])).content.decode()
    assert "Called her sister" in page
    notes = [q for q in queries.captured_queries if '"assistance_casenote"' in q["sql"]]
    assert len(notes) == 2, "asked, then read"


def test_a_supervisor_of_two_organisations_finds_by_name_and_father_in_both(org, other_org):
    """Each organisation's names are indexed under its own key; one search asks both."""
    from payvand.testing.factories import MembershipFactory

    supervisor = member(Role.SUPERVISOR, org)
    MembershipFactory(user=supervisor, organisation=other_org, role=Role.SUPERVISOR)
    here = case(org, given_name="Гулнора", family_name="Назарова", father_name="Саидмурод")
    there = case(other_org, given_name="Gulnora", family_name="Nazarova", father_name="Saidmurod")
    case(other_org, given_name="Gulnora", family_name="Nazarova", father_name="Karim")
    case(org, given_name="Gulnora", family_name="Karimova", father_name="Saidmurod")
    both = sorted([here.number, there.number])
    assert sorted(_search(supervisor, "Gulnora Nazarova", father_name="Saidmurod")) == both
    assert _search(supervisor, "Gulnora Nazarova", father_name="Saidmurod", organisation=org) == [
        here.number
    ]
    assert _search(supervisor, "!!!", father_name="Saidmurod") == []


def test_the_blank_search_form_is_the_same_markup_as_a_filled_in_one_renders(org, client):
    from django.template.loader import render_to_string

    from payvand.cases.forms import CaseSearchForm

    supervisor = member(Role.SUPERVISOR, org)
    client.force_login(supervisor, backend="django.contrib.auth.backends.ModelBackend")
    blank = client.get(reverse("cases:list")).content.decode()
    whole = render_to_string("form_fields.html", {"form": CaseSearchForm()})
    # Rendered field by field (cases/search_fields.py): the same markup, but for blank lines.
    assert " ".join(whole.split()) in " ".join(blank.split())
    searched = client.get(reverse("cases:list"), {"citizenship": "TJ"}).content.decode()
    assert '<option value="TJ" selected>' in searched
    assert '<option value="TJ" selected>' not in client.get(reverse("cases:list")).content.decode()


def test_register_page_warns_of_a_possible_duplicate_before_saving(org, client):
    worker = member(Role.CASEWORKER, org)
    existing = case(org, owner=worker, given_name="Гулнора", family_name="Назарова")
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    data = {
        "organisation": str(org.public_id), "given_name": "Gulnora", "family_name": "Nazarova",
        "gender": "Feminine", "birth_precision": "estimated", "estimated_age": "25",
        "identification_source": "Hotline", "identified_on": "2026-11-20",
        "submission_id": "5b6f1d9e-8a8f-4f0e-9d55-3b8f6f1f0a11",
    }  # fmt: skip
    response = client.post(reverse("cases:register"), data)
    assert response.status_code == 200
    assert existing.number in response.content.decode()
    assert Case.objects.count() == 1
    confirmed = client.post(reverse("cases:register"), data | {"confirm_new": "on"})
    assert confirmed.status_code == 302
    assert Case.objects.count() == 2
    # The same form sent again (double click, second tab) registers nothing more.
    again = client.post(reverse("cases:register"), data | {"confirm_new": "on"})
    assert again.status_code == 302 and Case.objects.count() == 2


def test_register_accepts_solar_hijri_dates_for_dari_users(org, client):
    worker = member(Role.CASEWORKER, org)
    worker.preferred_language, worker.calendar = "fa-af", "solar_hijri"
    worker.save()
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("cases:register"), {
        "organisation": str(org.public_id), "given_name": "زرینه", "gender": "Feminine",
        "birth_precision": "exact", "birth_date": "۱۳۸۰-۰۱-۰۱",
        "identification_source": "Shelter", "identified_on": "1405-09-08",
        "submission_id": "5b6f1d9e-8a8f-4f0e-9d55-3b8f6f1f0a12",
    })  # fmt: skip
    assert response.status_code == 302
    c = Case.objects.get()
    assert c.identified_on == dt.date(2026, 11, 29)
    assert person_identity(person=c.person, by=worker).birth_date == dt.date(2001, 3, 21)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"birth_precision": "exact", "identity": Identity(given_name="A", birth_date=dt.date(2030, 1, 1))}, "birth_date"),
        ({"birth_precision": "estimated", "estimated_age": 130}, "estimated_age"),
        ({"birth_precision": "estimated", "identity": Identity(given_name="A", birth_date=dt.date(2000, 1, 1))}, "birth_date"),
        ({"birth_precision": "year", "birth_year": 1850}, "birth_year"),
        ({"gender": "Alien"}, "gender"),
        ({"identification_source": "Rumour"}, "identification_source"),
        ({"citizenship": ["XX"]}, "citizenship"),
        ({"identity": Identity(given_name="x" * 10_000)}, "given_name"),
        ({"identity": Identity()}, "given_name"),
        ({"identity": Identity(given_name="Zari\u0007na")}, "given_name"),
        ({"identity": Identity(given_name="Ali\u202eevil")}, "given_name"),  # reorders the line
        ({"identity": Identity(given_name="Zarina", father_name="Karim\u2066")}, "father_name"),
        ({"identity": Identity(given_name="Zarina", phone="+992\x00")}, "phone"),
        ({"identity": Identity(given_name="Zarina", phone="call her sister")}, "phone"),
        ({"identity": Identity(given_name="Zarina", phone="+992 12")}, "phone"),
        ({"identified_on": dt.date(2099, 1, 1)}, "identified_on"),
        ({"identified_on": dt.date(1, 1, 1)}, "identified_on"),
        ({"identified_on": dt.date(1979, 12, 31), "estimated_age": 60}, "identified_on"),
        ({"birth_precision": "exact", "identity": Identity(given_name="A", birth_date=dt.date(2010, 5, 2)), "identified_on": dt.date(2010, 5, 1)}, "identified_on"),
        ({"birth_precision": "year", "birth_year": 2012, "identified_on": dt.date(2011, 12, 31)}, "identified_on"),
        ({"province": "AF-KAB"}, "province"),
    ],
)  # fmt: skip
def test_bad_input_names_the_field_and_saves_nothing(org, overrides, field):
    worker = member(Role.CASEWORKER, org)
    before = (Person.objects.count(), Case.objects.count(), NameToken.objects.count())
    with pytest.raises(ValidationError) as error:
        case_register(org=org, by=worker, registration=registration(**overrides))
    assert field in error.value.message_dict
    assert (Person.objects.count(), Case.objects.count(), NameToken.objects.count()) == before


def test_right_to_left_and_mixed_script_names_round_trip(org):
    name = "ځدران \u200cگل‌احمد Ahmad Ҷӯраев"
    c = case(org, given_name=name)
    assert person_identity(person=c.person, by=None).given_name == name


def test_org_key_rotation_loses_nothing_and_search_still_works(org):
    supervisor = member(Role.SUPERVISOR, org)
    c = case(org, given_name="Мухаммад", family_name="Раҳимов")
    old_blob = bytes(Person.objects.get(pk=c.person_id).identity)
    assert org_keys_rotate(org=org) == 1
    person = Person.objects.get(pk=c.person_id)
    assert bytes(person.identity) != old_blob
    assert crypto.blob_version(person.identity) == 2
    assert person_identity(person=person, by=None).given_name == "Мухаммад"
    assert _search(supervisor, "Muhammad") == [c.number]


def test_master_key_rotation_loses_nothing(org, settings):
    import base64
    import secrets

    c = case(org)
    new = secrets.token_bytes(32)
    assert master_key_rotate(new_master=new) >= 1
    settings.MASTER_KEY = base64.urlsafe_b64encode(new).decode()
    crypto.cache.forget()
    assert (
        person_identity(person=Person.objects.get(pk=c.person_id), by=None).given_name == "Zarina"
    )


def test_a_master_key_that_did_not_wrap_the_keys_is_named_before_any_identity_fails(org, settings):
    import base64
    import secrets

    from payvand.core.keys import master_key_mismatch

    case(org)
    assert master_key_mismatch() is None
    settings.MASTER_KEY = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    crypto.cache.forget()
    problem = master_key_mismatch()
    assert problem and "is not the one that wrapped" in problem


def test_purge_makes_one_organisation_unreadable_and_leaves_others(org, other_org, client):
    supervisor = member(Role.SUPERVISOR, org)
    gone, kept = case(org), case(other_org)
    org_keys_destroy(org=org)
    with pytest.raises(crypto.KeyDestroyed):
        person_identity(person=Person.objects.get(pk=gone.person_id), by=None)
    assert person_identity(person=Person.objects.get(pk=kept.person_id), by=None).given_name
    assert not NameToken.objects.filter(organisation=org).exists()
    client.force_login(supervisor, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("cases:detail", args=[gone.public_id])).content.decode()
    assert "erased" in page and "Zarina" not in page
    assert "Zarina" not in client.get(reverse("cases:list")).content.decode()
    assert Case.objects.filter(pk=gone.pk).exists(), "the case skeleton remains"


def test_case_list_makes_a_bounded_number_of_queries(org, client, django_assert_max_num_queries):
    supervisor = member(Role.SUPERVISOR, org)
    for _ in range(30):
        case(org)
    client.force_login(supervisor, backend="django.contrib.auth.backends.ModelBackend")
    with django_assert_max_num_queries(20):
        assert client.get(reverse("cases:list")).status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(reverse("cases:list"), {"name": "Zarina"}).status_code == 200


SEEDED = ("Shahnoza", "Yusupova", "Rudaki", "shahnoza", "+992900112233", "Шаҳноза")


def _seed_for_dump(org):
    case(org, given_name="Shahnoza", family_name="Yusupova", other_names="Шаҳноза",
         address="Dushanbe, Rudaki 12", phone="+992900112233")  # fmt: skip


@pytest.mark.skipif(connection.vendor != "sqlite", reason="dumps the SQLite database")
def test_a_sqlite_dump_holds_no_name_or_phone(org):
    _seed_for_dump(org)
    dump = "\n".join(connection.connection.iterdump())
    assert "cases_person" in dump
    for text in SEEDED:
        assert text not in dump, text


@pytest.mark.skipif(connection.vendor != "postgresql", reason="runs pg_dump")
@pytest.mark.django_db(transaction=True)
def test_a_pg_dump_holds_no_name_or_phone(org):
    import os
    import shutil
    import subprocess

    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    _seed_for_dump(org)
    db = connection.settings_dict
    env = os.environ | ({"PGPASSWORD": db["PASSWORD"]} if db["PASSWORD"] else {})
    dump = subprocess.run(
        ["pg_dump", "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432),
         "-U", db["USER"], "--data-only", db["NAME"]],
        capture_output=True, text=True, check=True, env=env, timeout=120,
    ).stdout  # fmt: skip
    assert "cases_person" in dump
    for text in SEEDED:
        assert text not in dump, text


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+992 93 123 4567", "+992931234567"),
        ("93 123-45-67", "+992931234567"),  # a local number of the organisation's country
        ("۹۳ ۱۲۳ ۴۵۶۷", "+992931234567"),  # Persian digits
        ("+7 (912) 345-67-89", "+79123456789"),  # a Russian number, abroad
    ],
)
def test_a_phone_is_stored_in_international_form(org, typed, stored):
    c = case(org, phone=typed)
    assert person_identity(person=c.person, by=None, purpose="test").phone == stored


@pytest.mark.parametrize("text", ["%", "ي", "_", "Zarina %", "'", "--"])
def test_a_name_without_letters_enough_finds_nothing_and_fails_nothing(org, client, text):
    case(org, given_name="Zarina", family_name="Rahimova")
    supervisor = member(Role.SUPERVISOR, org)
    assert _search(supervisor, text) == []
    client.force_login(supervisor, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("cases:list"), {"name": text}).status_code == 200


def test_the_joiners_of_persian_script_are_part_of_a_name(org):
    c = case(org, given_name="مهرو\u200cنساء", family_name="Rahimi\u200f")
    assert person_identity(person=c.person, by=None, purpose="test").given_name == "مهرو\u200cنساء"


def test_a_dari_user_types_a_birth_year_in_her_calendar_and_digits(org, client):
    from payvand.cases.models import Person

    worker = member(Role.CASEWORKER, org)
    worker.preferred_language, worker.calendar = "fa-af", "solar_hijri"
    worker.save()
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    form = client.get(reverse("cases:register")).content.decode()
    assert 'name="birth_year"' in form and 'placeholder="1370"' in form
    response = client.post(reverse("cases:register"), {
        "organisation": str(org.public_id), "given_name": "زرینه", "gender": "Feminine",
        "birth_precision": "year", "birth_year": "۱۳۷۰",
        "identification_source": "Shelter", "identified_on": "1405-09-01",
        "submission_id": "6c7f1d9e-8a8f-4f0e-9d55-3b8f6f1f0a13",
    })  # fmt: skip
    assert response.status_code == 302
    assert Person.objects.get().birth_year == 1991
