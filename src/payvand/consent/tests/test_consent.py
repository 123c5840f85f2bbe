import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from payvand.consent.models import Consent, Purpose
from payvand.consent.selectors import (
    cases_allowing,
    consent_allows,
    consents_for,
    consents_shown,
)
from payvand.consent.services import consent_record, consent_withdraw
from payvand.core.audit.models import AuditEvent
from payvand.core.errors import DomainError, IllegalTransition, PermissionDenied
from payvand.core.keys import org_keys_destroy, org_keys_rotate
from payvand.core.permissions import Role
from payvand.testing.factories import OrganisationFactory, case, member

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LAST_WEEK = TODAY - dt.timedelta(days=7)
GUARDIAN = "Гулнора Назарова"
RELATION = "тётя"
NOTE = "Do not tell her brother Rustam"
REASON = "Afraid her employer Daler will learn"


def _record(c, by, purpose="statistics", **kw):
    values = {"given_on": LAST_WEEK, "recorded_how": "written_signed"} | kw
    return consent_record(case=c, by=by, purpose=purpose, **values)


def _page(client, user, c):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("cases:detail", args=[c.public_id]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture(autouse=True)
def only_the_consent_section(monkeypatch):
    """The case page with this app's section alone: other apps' sections are theirs to test."""
    from payvand.cases import sections

    monkeypatch.setattr(sections, "SECTIONS", {"consent": sections.SECTIONS["consent"]})


@pytest.fixture
def worker(org):
    return member(Role.CASEWORKER, org)


@pytest.fixture
def own_case(org, worker):
    return case(org, owner=worker)


# --- the happy path, through the pages -------------------------------------------------


def test_caseworker_records_a_consent_and_the_case_page_says_yes(client, worker, own_case):
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("consent:record", args=[own_case.public_id])
    assert client.get(url).status_code == 200
    response = client.post(url, {
        "purpose": "statistics", "given_by": "self", "given_on": LAST_WEEK.isoformat(),
        "recorded_how": "oral_witnessed",
    })  # fmt: skip
    assert response.status_code == 302
    assert response["Location"].endswith(f"/cases/{own_case.public_id}/#consent")
    consent = Consent.objects.get()
    assert (consent.purpose, consent.recorded_by, consent.given_on) == (
        "statistics", worker, LAST_WEEK,
    )  # fmt: skip
    event = AuditEvent.objects.get(action="consent.record")
    assert event.details == {"purpose": "statistics"}
    assert event.object_id == str(consent.public_id) and event.actor_id == worker.public_id
    page = _page(client, worker, own_case)
    assert "Statistics: yes" in page
    assert "Medical data: no consent recorded" in page


def test_sharing_consent_names_the_recipient_in_the_audit_trail(org, worker, own_case):
    partner = OrganisationFactory(country="AF", subdivision="AF-KAB")
    _record(own_case, worker, "sharing_org", recipient_org=partner)
    _record(own_case, worker, "sharing_country", recipient_country="kz")
    details = [e.details for e in AuditEvent.objects.filter(action="consent.record")]
    assert details == [
        {"purpose": "sharing_org", "recipient_org": str(partner.public_id)},
        {"purpose": "sharing_country", "recipient_country": "KZ"},
    ]


def test_case_page_shows_each_consent_state_at_a_glance(client, org, worker, own_case):
    partner = OrganisationFactory(name="Hamsafar", country="AF", subdivision="AF-KAB")
    tajik = _record(own_case, worker, "sharing_country", recipient_country="TJ")
    consent_withdraw(consent=tajik, by=worker, withdrawn_on=TODAY, reason="")
    _record(own_case, worker, "sharing_org", recipient_org=partner)
    page = _page(client, worker, own_case)
    assert "Sharing with Tajikistan: withdrawn" in page
    assert "Sharing with Hamsafar (Afghanistan): yes" in page
    assert "Statistics: no consent recorded" in page


def test_guardian_name_is_shown_on_the_case_page_and_the_read_audited_once(
    client, worker, own_case
):
    first = _record(own_case, worker, "services", given_by="guardian",
                    guardian_name=GUARDIAN, guardian_relation=RELATION, note=NOTE)  # fmt: skip
    second = _record(own_case, worker, "statistics")
    before = AuditEvent.objects.filter(action="consent.read").count()
    page = _page(client, worker, own_case)
    assert GUARDIAN in page and RELATION in page and NOTE in page
    reads = AuditEvent.objects.filter(action="consent.read")
    assert reads.count() == before + 1, "one audit row per page view"
    event = reads.latest("seq")
    assert sorted(event.details["consents"]) == sorted(
        [str(first.public_id), str(second.public_id)]
    )
    assert event.actor_id == worker.public_id and event.case_id == own_case.public_id
    assert GUARDIAN not in repr(event.details)


def test_a_case_without_consent_writes_no_consent_read(client, worker, own_case):
    page = _page(client, worker, own_case)
    assert "Record consent" in page
    assert not AuditEvent.objects.filter(action="consent.read").exists()


def test_withdrawing_through_the_page(client, worker, own_case):
    consent = _record(own_case, worker, "family_contact")
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    page = _page(client, worker, own_case)
    withdraw_url = reverse("consent:withdraw", args=[own_case.public_id, consent.public_id])
    assert withdraw_url in page
    response = client.post(withdraw_url, {"withdrawn_on": TODAY.isoformat(), "reason": REASON})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_on == TODAY and consent.withdrawn_by == worker
    assert not consent_allows(own_case, Purpose.FAMILY_CONTACT)
    page = _page(client, worker, own_case)
    assert "Contact with the family: withdrawn" in page
    assert REASON in page
    assert withdraw_url not in page, "no Withdraw button on a withdrawn consent"


def test_record_form_speaks_solar_hijri_for_dari_users(client, org, worker, own_case):
    worker.preferred_language, worker.calendar = "fa-af", "solar_hijri"
    worker.save()
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("consent:record", args=[own_case.public_id]), {
        "purpose": "medical", "given_by": "self", "given_on": "1405-08-11",
        "recorded_how": "thumbprint",
    })  # fmt: skip
    assert response.status_code == 302
    assert Consent.objects.get().given_on == dt.date(2026, 11, 2)


def test_record_page_offers_other_active_organisations_by_country_then_name(
    client, org, worker, own_case
):
    OrganisationFactory(name="Zeta", country="AF", subdivision="AF-KAB")
    OrganisationFactory(name="Alpha", country="TJ", subdivision="TJ-DU")
    OrganisationFactory(name="Beta", country="AF", subdivision="AF-KAB")
    OrganisationFactory(name="Closed", country="AF", subdivision="AF-KAB", is_active=False)
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    form = client.get(reverse("consent:record", args=[own_case.public_id])).context["form"]
    labels = [label for _value, label in form.fields["recipient_org"].choices][1:]
    assert labels == ["Beta (Afghanistan)", "Zeta (Afghanistan)", "Alpha (Tajikistan)"]
    assert org.name not in " ".join(labels)


# --- the rule other issues enforce -------------------------------------------------------


def test_withdrawing_makes_consent_allows_false_immediately(org, worker, own_case):
    partner = OrganisationFactory(country="AF", subdivision="AF-KAB")
    consent = _record(own_case, worker, "sharing_org", recipient_org=partner)
    assert consent_allows(own_case, Purpose.SHARING_ORG, organisation=partner)
    consent_withdraw(consent=consent, by=worker, withdrawn_on=TODAY, reason="")
    assert not consent_allows(own_case, Purpose.SHARING_ORG, organisation=partner)
    assert not cases_allowing(
        consents_case_qs(own_case), Purpose.SHARING_ORG, organisation=partner
    ).exists()


def test_a_sharing_consent_can_be_withdrawn_after_the_case_moved_to_its_recipient(
    org, worker, own_case
):
    from payvand.cases.models import Case

    partner = OrganisationFactory(country="AF", subdivision="AF-KAB")
    consent = _record(own_case, worker, "sharing_org", recipient_org=partner)
    # The case is transferred to the very organisation she agreed to share with; the
    # partner's supervisor now holds it, and she changes her mind.
    Case.objects.filter(pk=own_case.pk).update(organisation=partner)
    supervisor = member(Role.SUPERVISOR, partner)
    moved = Consent.objects.get(pk=consent.pk)
    consent_withdraw(consent=moved, by=supervisor, withdrawn_on=TODAY, reason="")
    assert Consent.objects.get(pk=consent.pk).withdrawn_on == TODAY


def consents_case_qs(c):
    from payvand.cases.models import Case

    return Case.objects.filter(pk=c.pk)


def test_country_consent_covers_an_organisation_of_that_country_and_not_another(worker, own_case):
    afghan = OrganisationFactory(country="AF", subdivision="AF-KAB")
    kazakh = OrganisationFactory(country="KZ", subdivision="")
    _record(own_case, worker, "sharing_country", recipient_country="AF")
    assert consent_allows(own_case, Purpose.SHARING_ORG, organisation=afghan)
    assert not consent_allows(own_case, Purpose.SHARING_ORG, organisation=kazakh)
    assert consent_allows(own_case, Purpose.SHARING_COUNTRY, country="AF")
    assert not consent_allows(own_case, Purpose.SHARING_COUNTRY, country="KZ")


def test_organisation_consent_covers_that_organisation_only(org, worker, own_case):
    named = OrganisationFactory(country="AF", subdivision="AF-KAB")
    neighbour = OrganisationFactory(country="AF", subdivision="AF-KAB")
    _record(own_case, worker, "sharing_org", recipient_org=named)
    assert consent_allows(own_case, Purpose.SHARING_ORG, organisation=named)
    assert not consent_allows(own_case, Purpose.SHARING_ORG, organisation=neighbour)
    assert not consent_allows(own_case, Purpose.SHARING_COUNTRY, country="AF")
    assert not consent_allows(own_case, Purpose.STATISTICS)


def test_consent_belongs_to_its_case_only(org, worker, own_case):
    _record(own_case, worker, "statistics")
    other = case(org, owner=worker)
    assert consent_allows(own_case, Purpose.STATISTICS)
    assert not consent_allows(other, Purpose.STATISTICS)


def test_consent_allows_answers_for_a_past_day(worker, own_case):
    consent = _record(own_case, worker, "statistics", given_on=TODAY - dt.timedelta(days=10))
    consent_withdraw(consent=consent, by=worker, withdrawn_on=TODAY - dt.timedelta(days=3))
    assert not consent_allows(own_case, Purpose.STATISTICS)
    assert consent_allows(own_case, Purpose.STATISTICS, on=TODAY - dt.timedelta(days=5))
    assert not consent_allows(own_case, Purpose.STATISTICS, on=TODAY - dt.timedelta(days=3))
    assert not consent_allows(own_case, Purpose.STATISTICS, on=TODAY - dt.timedelta(days=11))


@pytest.mark.parametrize(
    ("purpose", "kwargs"),
    [
        ("sharing_org", {}),
        ("sharing_org", {"country": "AF"}),
        ("sharing_country", {}),
        ("statistics", {"country": "AF"}),
        ("gossip", {}),
    ],
)
def test_a_wrongly_asked_question_is_a_programming_error(own_case, purpose, kwargs):
    with pytest.raises(ValueError):
        consent_allows(own_case, purpose, **kwargs)


def test_cases_allowing_filters_many_cases_in_one_query(org, worker, django_assert_num_queries):
    cases = [case(org, owner=worker) for _ in range(3)]
    _record(cases[0], worker, "statistics")
    _record(cases[2], worker, "statistics")
    from payvand.cases.models import Case

    with django_assert_num_queries(1):
        found = set(cases_allowing(Case.objects.all(), Purpose.STATISTICS))
    assert found == {cases[0], cases[2]}


# --- double submit, transitions ----------------------------------------------------------


def test_recording_the_same_active_consent_twice_returns_the_first(client, worker, own_case):
    first = _record(own_case, worker, "statistics")
    again = _record(own_case, worker, "statistics", recorded_how="electronic")
    assert again.pk == first.pk
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    data = {"purpose": "services", "given_by": "self", "given_on": LAST_WEEK.isoformat(),
            "recorded_how": "written_signed"}  # fmt: skip
    url = reverse("consent:record", args=[own_case.public_id])
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302, "the second click lands on the case too"
    assert Consent.objects.filter(case=own_case).count() == 2
    assert AuditEvent.objects.filter(action="consent.record").count() == 2


def test_a_consent_racing_in_from_a_second_tab_returns_the_first(worker, own_case, monkeypatch):
    """Both requests saw no active consent: the database refuses the second insert."""
    from payvand.consent import services

    first = _record(own_case, worker, "statistics")
    real = services._active_same
    calls = []

    def not_yet_committed(*args):
        calls.append(args)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(services, "_active_same", not_yet_committed)
    monkeypatch.setattr(Consent, "validate_constraints", lambda self, exclude=None: None)
    again = _record(own_case, worker, "statistics")
    assert again.pk == first.pk and len(calls) == 2
    assert Consent.objects.count() == 1
    assert AuditEvent.objects.filter(action="consent.record").count() == 1


def test_after_withdrawal_consent_can_be_given_again(worker, own_case):
    first = _record(own_case, worker, "statistics")
    consent_withdraw(consent=first, by=worker, withdrawn_on=TODAY)
    second = _record(own_case, worker, "statistics", given_on=TODAY)
    assert second.pk != first.pk
    assert consent_allows(own_case, Purpose.STATISTICS)


def test_withdrawing_twice_is_refused_clearly_and_audited_once(client, worker, own_case):
    consent = _record(own_case, worker, "medical")
    consent_withdraw(consent=consent, by=worker, withdrawn_on=TODAY, reason=REASON)
    with pytest.raises(IllegalTransition, match="already withdrawn"):
        consent_withdraw(consent=consent, by=worker, withdrawn_on=TODAY, reason="again")
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("consent:withdraw", args=[own_case.public_id, consent.public_id])
    response = client.post(url, {"withdrawn_on": TODAY.isoformat()}, follow=True)
    assert "This consent was already withdrawn on" in response.content.decode()
    assert AuditEvent.objects.filter(action="consent.withdraw").count() == 1
    consent.refresh_from_db()
    assert consent.withdrawn_on == TODAY


def test_withdraw_page_of_a_withdrawn_consent_says_so(client, worker, own_case):
    consent = _record(own_case, worker, "medical")
    consent_withdraw(consent=consent, by=worker, withdrawn_on=TODAY)
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("consent:withdraw", args=[own_case.public_id, consent.public_id]))
    assert page.status_code == 200
    assert "already withdrawn" in page.content.decode()


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("purpose", "overrides", "field"),
    [
        ("sharing_org", {}, "recipient_org"),
        ("sharing_org", {"recipient_org": "OWN"}, "recipient_org"),
        ("sharing_org", {"recipient_org": "INACTIVE"}, "recipient_org"),
        ("sharing_country", {}, "recipient_country"),
        ("sharing_country", {"recipient_country": "XX"}, "recipient_country"),
        ("sharing_country", {"recipient_country": "AF", "recipient_org": "OTHER"}, "recipient_org"),
        ("statistics", {"recipient_org": "OTHER"}, "recipient_org"),
        ("statistics", {"recipient_country": "AF"}, "recipient_country"),
        ("services", {"given_on": TODAY + dt.timedelta(days=1)}, "given_on"),
        ("services", {"given_on": None}, "given_on"),
        ("services", {"given_by": "guardian"}, "guardian_name"),
        ("services", {"given_by": "guardian", "guardian_name": "A"}, "guardian_relation"),
        ("services", {"guardian_name": "Somebody"}, "guardian_name"),
        ("services", {"given_by": "neighbour"}, "given_by"),
        ("services", {"note": "x" * 10_000}, "note"),
        ("services", {"recorded_how": "telepathy"}, "recorded_how"),
        ("gossip", {}, "purpose"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(org, worker, own_case, purpose,
                                                     overrides, field):  # fmt: skip
    stand_ins = {
        "OWN": org,
        "OTHER": OrganisationFactory(country="AF", subdivision="AF-KAB"),
        "INACTIVE": OrganisationFactory(country="AF", subdivision="AF-KAB", is_active=False),
    }
    if "recipient_org" in overrides:
        overrides["recipient_org"] = stand_ins[overrides["recipient_org"]]
    audit_before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        _record(own_case, worker, purpose, **overrides)
    assert field in error.value.message_dict
    assert not Consent.objects.exists()
    assert AuditEvent.objects.count() == audit_before


def test_the_form_shows_a_missing_recipient_on_its_field(client, worker, own_case):
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("consent:record", args=[own_case.public_id]), {
        "purpose": "sharing_org", "given_by": "self", "given_on": LAST_WEEK.isoformat(),
        "recorded_how": "written_signed",
    })  # fmt: skip
    assert response.status_code == 200
    assert response.context["form"].errors["recipient_org"]
    assert 'id="id_recipient_org_error"' in response.content.decode()
    assert not Consent.objects.exists()


def test_the_form_refuses_unreadable_dates_and_unknown_codes(client, worker, own_case):
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("consent:record", args=[own_case.public_id]), {
        "purpose": "sharing_country", "recipient_country": "ZZ", "given_by": "self",
        "given_on": "yesterday", "recorded_how": "written_signed",
    })  # fmt: skip
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "recipient_country" in errors and "given_on" in errors
    assert not Consent.objects.exists()


@pytest.mark.parametrize(
    ("withdrawn_on", "message"),
    [
        (LAST_WEEK - dt.timedelta(days=1), "before the date consent was given"),
        (TODAY + dt.timedelta(days=1), "cannot be in the future"),
        (None, "Enter the date"),
    ],
)
def test_withdrawal_date_must_be_between_consent_and_today(worker, own_case, withdrawn_on,
                                                           message):  # fmt: skip
    consent = _record(own_case, worker, "statistics")
    with pytest.raises(ValidationError) as error:
        consent_withdraw(consent=consent, by=worker, withdrawn_on=withdrawn_on, reason=REASON)
    assert message in " ".join(error.value.message_dict["withdrawn_on"])
    consent.refresh_from_db()
    assert consent.is_active and consent.withdrawal_reason is None
    assert not AuditEvent.objects.filter(action="consent.withdraw").exists()


def test_withdraw_form_shows_the_date_error_on_its_field(client, worker, own_case):
    consent = _record(own_case, worker, "statistics")
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("consent:withdraw", args=[own_case.public_id, consent.public_id])
    response = client.post(url, {"withdrawn_on": (TODAY + dt.timedelta(days=3)).isoformat()})
    assert response.status_code == 200
    assert response.context["form"].errors["withdrawn_on"]
    consent.refresh_from_db()
    assert consent.is_active


# --- who may --------------------------------------------------------------------------------


def test_other_organisations_supervisor_gets_404_and_changes_nothing(
    client, worker, own_case, other_org
):
    consent = _record(own_case, worker, "statistics")
    outsider = member(Role.SUPERVISOR, other_org)
    client.force_login(outsider, backend="django.contrib.auth.backends.ModelBackend")
    record_url = reverse("consent:record", args=[own_case.public_id])
    withdraw_url = reverse("consent:withdraw", args=[own_case.public_id, consent.public_id])
    assert client.get(record_url).status_code == 404
    assert client.post(record_url, {"purpose": "medical", "given_by": "self",
                                    "given_on": LAST_WEEK.isoformat(),
                                    "recorded_how": "thumbprint"}).status_code == 404  # fmt: skip
    assert client.get(withdraw_url).status_code == 404
    assert client.post(withdraw_url, {"withdrawn_on": TODAY.isoformat()}).status_code == 404
    consent.refresh_from_db()
    assert consent.is_active and Consent.objects.count() == 1
    with pytest.raises(PermissionDenied):
        consent_withdraw(consent=consent, by=outsider, withdrawn_on=TODAY)
    with pytest.raises(PermissionDenied):
        _record(own_case, outsider, "medical")


def test_caseworker_not_assigned_gets_404_and_sees_no_consent(client, org, worker, own_case):
    consent = _record(own_case, worker, "statistics")
    colleague = member(Role.CASEWORKER, org)
    client.force_login(colleague, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("consent:record", args=[own_case.public_id])).status_code == 404
    withdraw_url = reverse("consent:withdraw", args=[own_case.public_id, consent.public_id])
    assert client.post(withdraw_url, {"withdrawn_on": TODAY.isoformat()}).status_code == 404
    assert list(consents_for(colleague, own_case)) == []
    with pytest.raises(PermissionDenied):
        consent_withdraw(consent=consent, by=colleague, withdrawn_on=TODAY)
    consent.refresh_from_db()
    assert consent.is_active


def test_supervisor_of_the_organisation_may_withdraw(client, org, worker, own_case):
    consent = _record(own_case, worker, "statistics")
    supervisor = member(Role.SUPERVISOR, org)
    client.force_login(supervisor, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("consent:withdraw", args=[own_case.public_id, consent.public_id])
    assert client.post(url, {"withdrawn_on": TODAY.isoformat()}).status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_by == supervisor


def test_a_consent_is_reached_only_through_its_own_case(client, org, worker, own_case):
    other_case = case(org, owner=worker)
    consent = _record(other_case, worker, "statistics")
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("consent:withdraw", args=[own_case.public_id, consent.public_id])
    assert client.post(url, {"withdrawn_on": TODAY.isoformat()}).status_code == 404
    consent.refresh_from_db()
    assert consent.is_active


# --- sealed data ------------------------------------------------------------------------


def test_guardian_name_note_and_reason_are_not_in_clear_in_the_database(worker, own_case):
    consent = _record(own_case, worker, "services", given_by="guardian",
                      guardian_name=GUARDIAN, guardian_relation=RELATION, note=NOTE)  # fmt: skip
    consent_withdraw(consent=consent, by=worker, withdrawn_on=TODAY, reason=REASON)
    with connection.cursor() as cursor:
        for table in ("consent_consent", "audit_auditevent"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608  (fixed table names)
            rows = cursor.fetchall()
            dump = repr(rows) + " ".join(
                bytes(v).decode("utf-8", "replace")
                for row in rows
                for v in row
                if isinstance(v, (bytes, memoryview))
            )
            for text in (GUARDIAN, "Гулнора", RELATION, NOTE, "Rustam", REASON, "Daler"):
                assert text not in dump, (table, text)


def test_sealed_details_survive_key_rotation(org, worker, own_case, monkeypatch):
    from payvand.core import sealed

    # Rotation re-seals every registered column; other apps' tables are theirs to test.
    mine = [c for c in sealed.COLUMNS if c.model._meta.app_label in ("cases", "consent")]
    monkeypatch.setattr(sealed, "COLUMNS", mine)
    consent = _record(own_case, worker, "services", given_by="guardian",
                      guardian_name=GUARDIAN, guardian_relation=RELATION, note=NOTE)  # fmt: skip
    consent_withdraw(consent=consent, by=worker, withdrawn_on=TODAY, reason=REASON)
    old = bytes(Consent.objects.get().guardian)
    assert org_keys_rotate(org=org) >= 4
    assert bytes(Consent.objects.get().guardian) != old
    shown = consents_shown(worker, own_case).shown[0]
    assert (shown.guardian_name, shown.guardian_relation, shown.note, shown.reason) == (
        GUARDIAN, RELATION, NOTE, REASON,
    )  # fmt: skip


def test_after_purge_the_case_page_says_the_guardian_was_erased(client, org, worker, own_case):
    _record(own_case, worker, "services", given_by="guardian",
            guardian_name=GUARDIAN, guardian_relation=RELATION)  # fmt: skip
    supervisor = member(Role.SUPERVISOR, org)
    org_keys_destroy(org=org)
    page = _page(client, supervisor, own_case)
    assert GUARDIAN not in page
    assert "name erased" in page
    assert consent_allows(own_case, Purpose.SERVICES), "consent codes outlive the keys"


def test_after_purge_consent_can_still_be_withdrawn_but_no_text_sealed(org, worker, own_case):
    consent = _record(own_case, worker, "statistics")
    org_keys_destroy(org=org)
    with pytest.raises(DomainError, match="keys were destroyed"):
        consent_withdraw(consent=consent, by=worker, withdrawn_on=TODAY, reason=REASON)
    consent_withdraw(consent=consent, by=worker, withdrawn_on=TODAY, reason="")
    assert not consent_allows(own_case, Purpose.STATISTICS)


# --- performance ---------------------------------------------------------------------------


def test_consent_section_makes_a_bounded_number_of_queries(
    client, worker, own_case, django_assert_max_num_queries
):
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    _record(own_case, worker, "statistics", given_by="guardian", guardian_name=GUARDIAN,
            guardian_relation=RELATION, note=NOTE)  # fmt: skip
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("cases:detail", args=[own_case.public_id])
    with CaptureQueriesContext(conn) as one:
        assert client.get(url).status_code == 200
    for code in ("AF", "PK", "TM", "UZ", "IR", "RU", "KZ", "KG", "TR", "AE", "SA", "IN"):
        _record(own_case, worker, "sharing_country", recipient_country=code,
                given_by="guardian", guardian_name=GUARDIAN, guardian_relation=RELATION,
                note=NOTE)  # fmt: skip
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(url)
    assert page.content.decode().count("consent-item") >= 13
