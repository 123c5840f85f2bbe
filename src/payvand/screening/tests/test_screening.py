"""Screening a survivor: the pages a caseworker uses, the rules they enforce."""

import datetime as dt
import uuid

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from payvand.core.audit.models import AuditEvent
from payvand.core.errors import IllegalTransition, PermissionDenied
from payvand.core.keys import org_keys_destroy, org_keys_rotate
from payvand.core.permissions import Role
from payvand.screening import selectors, services
from payvand.screening.models import CatalogueVersion, Screening, ScreeningAnswer
from payvand.screening.tests.helpers import VICTIM_ADULT_LABOUR, answers_for, record
from payvand.screening.vocab import DecisionKind, ScreeningState, TraffickingStatus
from payvand.testing.factories import case, member

pytestmark = pytest.mark.usefixtures("only_our_section")

REASON = "Она сказала, что работала по своей воле; свидетель подтверждает договор."


def _post_data(version, list_, observed=(), unknown=(), **extra):
    data = {
        "exploitation_list": list_,
        "catalogue_version": str(version.number),
        "submission_id": str(uuid.uuid4()),
        "screened_on": "2026-11-20",
    }
    for code, value in answers_for(version, list_, observed, unknown).items():
        data[services.answer_field(code)] = value
    return data | extra


def _new_url(c, list_=None):
    url = reverse("screening:new", args=[c.public_id])
    return f"{url}?list={list_}" if list_ else url


def _decide(client, s, **data):
    payload = {"submission_id": str(uuid.uuid4()), "decision_org_type": "NGO", "reason": ""}
    return client.post(
        reverse("screening:decide", args=[s.case.public_id, s.public_id]), payload | data
    )


def test_caseworker_screens_from_the_case_page_and_sees_the_result(login, worker, the_case, v1):
    client = login(worker)
    case_page = client.get(reverse("cases:detail", args=[the_case.public_id])).content.decode()
    assert "Not screened yet." in case_page and _new_url(the_case) in case_page
    choose = client.get(_new_url(the_case))
    assert choose.status_code == 200
    assert [code for code, _ in choose.context["form"].fields["list"].choices] == [
        "adult-labour",
        "adult-sexual",
        "child-labour",
        "child-sexual",
    ]
    form = client.get(_new_url(the_case, "adult-labour"))
    html = form.content.decode()
    assert html.count('<fieldset class="indicator') == 67
    assert html.count('type="radio"') == 3 * 67
    assert "needs review" in html  # the five flagged adult-labour items are marked
    response = client.post(
        _new_url(the_case, "adult-labour"), _post_data(v1, "adult-labour", VICTIM_ADULT_LABOUR)
    )
    screening = Screening.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "screening:detail", args=[the_case.public_id, screening.public_id]
    )
    assert screening.rule_result == "met"
    assert screening.suggested_status == TraffickingStatus.POSSIBLE
    assert screening.catalogue_version == v1 and screening.screened_by == worker
    assert ScreeningAnswer.objects.filter(screening=screening).count() == 67
    detail = client.get(response["Location"]).content.decode()
    assert "The decision rule is met" in detail
    assert "Possible victim of trafficking" in detail
    assert "Record the decision" in detail
    event = AuditEvent.objects.filter(action="screening.record").latest("seq")
    assert event.object_id == str(screening.public_id)
    assert event.case_id == the_case.public_id  # on the case's timeline
    assert event.details["rule_result"] == "met"
    assert set(event.details["dimensions_met"]) == {
        "deceptive-recruitment",
        "exploitative-conditions",
        "coercion-at-destination",
    }


def test_confirming_records_the_status_and_the_case_page_shows_it(login, worker, the_case):
    screening = record(the_case, worker)
    client = login(worker)
    detail = client.get(reverse("screening:detail", args=[the_case.public_id, screening.public_id]))
    # Proposed: the suggestion, decided by an NGO (the organisation's type).
    initial = detail.context["decision_form"].initial
    assert initial["status"] == TraffickingStatus.POSSIBLE and initial["decision_org_type"] == "NGO"
    response = _decide(client, screening, status=TraffickingStatus.ACTUAL)
    assert response.status_code == 302
    screening.refresh_from_db()
    assert screening.state == ScreeningState.DECIDED
    assert screening.status == TraffickingStatus.ACTUAL
    assert screening.decision == DecisionKind.CONFIRMED  # actual agrees with a met rule
    assert screening.decision_reason is None and screening.decided_by == worker
    case_page = client.get(reverse("cases:detail", args=[the_case.public_id])).content.decode()
    assert "Actual victim of trafficking" in case_page
    assert "History: 1 screening" in case_page
    event = AuditEvent.objects.filter(action="screening.decide").latest("seq")
    assert event.details == {
        "case": str(the_case.public_id),
        "status": "ActualVictimOfTrafficking",
        "decision_org_type": "NGO",
        "decision": "confirmed",
        "rule_result": "met",
        "reason_given": False,
    }


def test_overriding_needs_a_reason_which_is_sealed_and_its_reading_audited(login, worker, the_case):
    screening = record(the_case, worker)
    client = login(worker)
    refused = _decide(client, screening, status=TraffickingStatus.NOT_A_VICTIM)
    assert refused.status_code == 200
    assert "explain why" in refused.context["decision_form"].errors["reason"][0]
    screening.refresh_from_db()
    assert screening.state == ScreeningState.PENDING
    response = _decide(client, screening, status=TraffickingStatus.NOT_A_VICTIM, reason=REASON)
    assert response.status_code == 302
    screening.refresh_from_db()
    assert screening.decision == DecisionKind.OVERRIDDEN
    with connection.cursor() as cursor:
        for table in ("screening_screening", "audit_auditevent"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608  (fixed table names)
            dump = repr(cursor.fetchall())
            assert "работала" not in dump and "свидетель" not in dump, table
    assert REASON.encode() not in bytes(screening.decision_reason)
    before = AuditEvent.objects.filter(action="screening.reason_read").count()
    page = client.get(response["Location"]).content.decode()
    assert "работала по своей воле" in page
    assert AuditEvent.objects.filter(action="screening.reason_read").count() == before + 1


def test_deciding_again_is_refused_with_a_message_but_a_double_click_is_harmless(
    login, worker, the_case
):
    screening = record(the_case, worker)
    client = login(worker)
    submission = str(uuid.uuid4())
    first = _decide(
        client, screening, status="PossibleVictimOfTrafficking", submission_id=submission
    )
    again = _decide(
        client, screening, status="PossibleVictimOfTrafficking", submission_id=submission
    )
    assert first.status_code == again.status_code == 302
    assert [str(m) for m in get_messages(again.wsgi_request)][-1] == "The decision was recorded."
    other = _decide(client, screening, status=TraffickingStatus.NOT_A_VICTIM, reason="Changed")
    assert other.status_code == 302
    assert "already decided" in [str(m) for m in get_messages(other.wsgi_request)][-1]
    screening.refresh_from_db()
    assert screening.status == TraffickingStatus.POSSIBLE
    assert AuditEvent.objects.filter(action="screening.decide").count() == 1
    with pytest.raises(IllegalTransition):
        services.screening_decide(
            screening=screening, by=worker, status="NotAVictimOfTrafficking",
            decision_org_type="NGO", reason="x",
        )  # fmt: skip


def test_the_same_screening_form_sent_twice_saves_one_screening(login, worker, the_case, v1):
    client = login(worker)
    data = _post_data(v1, "adult-labour", VICTIM_ADULT_LABOUR)
    first = client.post(_new_url(the_case, "adult-labour"), data)
    second = client.post(_new_url(the_case, "adult-labour"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Screening.objects.count() == 1
    assert AuditEvent.objects.filter(action="screening.record").count() == 1


def test_bad_input_names_the_field_and_saves_nothing(login, worker, the_case, v1):
    client = login(worker)
    data = _post_data(v1, "adult-labour", VICTIM_ADULT_LABOUR)
    del data["answer_AL-CR-03"]
    data["answer_AL-DR-04"] = "maybe"
    data["screened_on"] = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = client.post(_new_url(the_case, "adult-labour"), data)
    assert response.status_code == 200
    assert response.context["answers"].errors.keys() == {"answer_AL-CR-03", "answer_AL-DR-04"}
    assert response.context["meta"].errors.keys() == {"screened_on"}
    html = response.content.decode()
    assert 'class="indicator has-error" data-field="answer_AL-CR-03"' in html
    assert Screening.objects.count() == 0 and ScreeningAnswer.objects.count() == 0
    # The service refuses on its own what a form would let through.
    with pytest.raises(ValidationError) as error:
        services.screening_record(
            case=the_case, by=worker, version=v1, exploitation_list="adult-labour",
            screened_on=timezone.localdate() + dt.timedelta(days=1),
            answers=answers_for(v1, "adult-labour") | {"NOPE-1": "observed", "AL-DR-01": "yes"},
        )  # fmt: skip
    assert error.value.message_dict.keys() == {"screened_on", "__all__", "answer_AL-DR-01"}
    assert Screening.objects.count() == 0


def test_an_unknown_list_asks_again(login, worker, the_case):
    response = login(worker).get(_new_url(the_case, "aliens"))
    assert response.status_code == 200
    assert response.templates[0].name == "screening/choose.html"
    assert response.context["form"].errors["list"]


def test_unknown_answers_show_the_dimensions_that_could_still_be_met(login, worker, the_case):
    screening = record(
        the_case,
        worker,
        observed=("AL-DR-01", "AL-DR-02", "AL-EX-01"),
        unknown=("AL-EX-02", "AL-CD-01", "AL-CD-02"),
    )
    assert screening.rule_result == "undecided"
    assert screening.suggested_status == TraffickingStatus.POSSIBLE
    page = login(worker).get(
        reverse("screening:detail", args=[the_case.public_id, screening.public_id])
    )
    assert [d.dimension for d in page.context["could_still_be_met"]] == [
        "exploitative-conditions",
        "coercion-at-destination",
    ]
    assert "could still be met if the unknown indicators were observed" in page.content.decode()


def test_a_child_list_needs_no_means_and_shows_its_grading_is_under_review(login, worker, the_case):
    screening = record(
        the_case,
        worker,
        list_="child-labour",
        observed=("CL-DR-01", "CL-DR-02", "CL-EX-01", "CL-EX-02"),
    )
    assert screening.rule_result == "met"
    # Every child-list grading is provisional: read as weak, none of it would count.
    assert screening.relies_on_unverified is True
    weak_case = case(the_case.organisation, owner=worker)
    fragile = record(
        weak_case, worker, list_="adult-sexual",
        observed=("AS-DR-02", "AS-DR-03", "AS-DR-10", "AS-EX-02", "AS-EX-03", "AS-EX-09",
                  "AS-CD-05", "AS-CD-07", "AS-CD-15"),
    )  # fmt: skip
    assert fragile.rule_result == "met" and fragile.relies_on_unverified
    page = login(worker).get(
        reverse("screening:detail", args=[weak_case.public_id, fragile.public_id])
    )
    assert "grading is not verified yet" in page.content.decode()


@pytest.mark.parametrize("who", ["other_org_supervisor", "unassigned_caseworker", "analyst"])
def test_screenings_are_invisible_outside_the_callers_scope(
    login, worker, the_case, other_org, who
):
    screening = record(the_case, worker)
    org = the_case.organisation
    user = {
        "other_org_supervisor": lambda: member(Role.SUPERVISOR, other_org),
        "unassigned_caseworker": lambda: member(Role.CASEWORKER, org),
        "analyst": lambda: member(Role.ANALYST, org),
    }[who]()
    client = login(user)
    ids = [the_case.public_id, screening.public_id]
    assert client.get(reverse("screening:detail", args=ids)).status_code == 404
    assert client.get(reverse("screening:history", args=ids[:1])).status_code == 404
    assert client.get(_new_url(the_case, "adult-labour")).status_code == 404
    assert _decide(client, screening, status="PossibleVictimOfTrafficking").status_code == 404
    screening.refresh_from_db()
    assert screening.state == ScreeningState.PENDING
    with pytest.raises(PermissionDenied):
        services.screening_decide(
            screening=screening, by=user, status="NotAVictimOfTrafficking",
            decision_org_type="NGO", reason="x",
        )  # fmt: skip


def test_a_screening_keeps_its_catalogue_version_when_a_new_one_is_imported(
    login, worker, the_case, v1
):
    from payvand.screening.catalogue import export

    old = record(the_case, worker)
    indicators = list(v1.indicators.order_by("order"))
    text = export("Corrected", "test", indicators).replace(
        '"label": "Deceived about conditions of work"',
        '"label": "Deceived about working conditions"',
    )
    v2, _created = services.catalogue_import(raw=text.encode(), by=None)
    client = login(worker)
    old_page = client.get(reverse("screening:detail", args=[the_case.public_id, old.public_id]))
    assert "Deceived about conditions of work" in old_page.content.decode()
    assert "version 1" in old_page.content.decode()
    # A form still showing version 1 is not saved against version 2: it is shown again.
    stale = client.post(
        _new_url(the_case, "adult-labour"), _post_data(v1, "adult-labour", VICTIM_ADULT_LABOUR)
    )
    assert stale.status_code == 200 and Screening.objects.count() == 1
    assert stale.context["meta"].initial["catalogue_version"] == v2.number
    kept = stale.context["answers"].initial
    assert kept["answer_AL-DR-01"] == "observed" and kept["answer_AL-DR-03"] == "not_observed"
    new = client.post(
        _new_url(the_case, "adult-labour"), _post_data(v2, "adult-labour", VICTIM_ADULT_LABOUR)
    )
    assert new.status_code == 302
    assert Screening.objects.order_by("id").last().catalogue_version == v2
    with pytest.raises(services.CatalogueChanged):  # the service holds the line on its own
        services.screening_record(
            case=the_case, by=worker, version=v1, exploitation_list="adult-labour",
            screened_on=dt.date(2026, 11, 20), answers=answers_for(v1, "adult-labour"),
        )  # fmt: skip
    assert CatalogueVersion.objects.get(pk=v1.pk).screenings.get() == old


def test_case_page_section_and_history_stay_within_a_fixed_number_of_queries(
    login, worker, the_case
):
    client = login(worker)
    urls = [
        reverse("cases:detail", args=[the_case.public_id]),
        reverse("screening:history", args=[the_case.public_id]),
    ]
    record(the_case, worker)
    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as one:
            assert client.get(url).status_code == 200
        counts.append(len(one))
    for n in range(5):
        s = record(the_case, worker, screened_on=dt.date(2026, 11, 1 + n))
        services.screening_decide(
            screening=s, by=worker, status="PossibleVictimOfTrafficking", decision_org_type="NGO"
        )
    for url, before in zip(urls, counts, strict=True):
        with CaptureQueriesContext(connection) as many:
            page = client.get(url)
        assert len(many) == before, url
    assert page.content.decode().count("Possible victim of trafficking") == 5


def test_history_lists_every_screening_newest_first(
    login, worker, the_case, django_assert_max_num_queries
):
    earlier = record(the_case, worker, screened_on=dt.date(2026, 10, 1))
    latest = record(the_case, worker, screened_on=dt.date(2026, 11, 1))
    client = login(worker)
    with django_assert_max_num_queries(15):
        page = client.get(reverse("screening:history", args=[the_case.public_id]))
    assert [s.pk for s in page.context["screenings"]] == [latest.pk, earlier.pk]
    assert selectors.screening_latest(the_case) == (latest, 2)


def test_key_rotation_keeps_the_reason_and_purge_erases_it(login, worker, the_case):
    screening = record(the_case, worker)
    services.screening_decide(
        screening=screening, by=worker, status="NotAVictimOfTrafficking",
        decision_org_type="Police", reason=REASON,
    )  # fmt: skip
    screening.refresh_from_db()
    old_blob = bytes(screening.decision_reason)
    org_keys_rotate(org=the_case.organisation)
    screening.refresh_from_db()
    assert bytes(screening.decision_reason) != old_blob
    assert selectors.screening_reason(worker, screening) == REASON
    org_keys_destroy(org=the_case.organisation)
    assert selectors.screening_reason(worker, screening) is None
    page = login(worker).get(
        reverse("screening:detail", args=[the_case.public_id, screening.public_id])
    )
    assert page.status_code == 200 and "erased" in page.content.decode()


def test_a_supervisor_may_screen_and_decide_on_any_case_of_the_organisation(login, org, the_case):
    supervisor = member(Role.SUPERVISOR, org)
    screening = record(the_case, supervisor)
    response = _decide(login(supervisor), screening, status="PossibleVictimOfTrafficking")
    assert response.status_code == 302
    screening.refresh_from_db()
    assert screening.decided_by == supervisor
