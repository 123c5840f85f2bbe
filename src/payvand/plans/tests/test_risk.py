"""Risk assessment and safety plan: recorded, kept as history, sealed, audited."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import translation

from payvand.core.audit.models import AuditEvent
from payvand.core.calendars import format_date
from payvand.core.permissions import Role
from payvand.plans import services
from payvand.plans.models import RiskAssessment
from payvand.plans.tests.helpers import days, new_id, page_of
from payvand.testing.factories import case, member

pytestmark = pytest.mark.django_db

SECRET_SAFETY = "Change the route to school; the uncle must not know the new address"


def _form(**overrides):
    return {
        "assessed_on": days(-1).isoformat(),
        "individual_level": "medium",
        "individual": "Debts to the recruiter",
        "household_level": "high",
        "household": "The husband's brother works for the recruiter",
        "community_level": "low",
        "community": "",
        "overall_level": "",
        "safety_plan": SECRET_SAFETY,
        "review_on": days(14).isoformat(),
        "submission_id": new_id(),
    } | overrides


def _assess(c, by, **overrides):
    values = {
        "assessed_on": days(-1),
        "individual_level": "low",
        "household_level": "low",
        "community_level": "low",
    } | overrides
    return services.risk_assess(case=c, by=by, **values)


def test_caseworker_records_an_assessment_and_the_case_page_shows_it(client, worker, the_case):
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("plans:risk_create", args=[the_case.public_id])
    assert client.get(url).status_code == 200
    response = client.post(url, _form(risk_to_life="on"))
    assert response.status_code == 302
    assert response["Location"].endswith("#plans-risk")
    assessment = RiskAssessment.objects.get()
    assert assessment.overall_level == "high", "the highest of the three"
    assert assessment.risk_to_life is True
    page = page_of(client, worker, the_case)
    assert SECRET_SAFETY in page
    assert "Risk to life." in page
    assert "The husband&#x27;s brother works for the recruiter" in page
    written = AuditEvent.objects.get(action="risk.assess")
    assert written.object_id == str(assessment.public_id)
    assert written.case_id == the_case.public_id
    assert SECRET_SAFETY not in str(written.details)


def test_overall_risk_lower_than_a_component_is_a_field_error(client, worker, the_case):
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("plans:risk_create", args=[the_case.public_id])
    response = client.post(url, _form(overall_level="medium"))
    assert response.status_code == 200
    assert response.context["form"].errors["overall_level"] == [
        "The overall risk cannot be lower than the highest of the three levels (High). "
        "Choose High or higher."
    ]
    assert not RiskAssessment.objects.exists()


def test_the_assessor_may_rate_the_overall_risk_higher(worker, the_case):
    assessment = _assess(the_case, worker, household_level="medium", overall_level="high")
    assert assessment.overall_level == "high" and assessment.overall_raised
    assert _assess(the_case, worker).overall_level == "low"
    all_unknown = _assess(
        the_case, worker, individual_level="unknown", household_level="unknown",
        community_level="unknown",
    )  # fmt: skip
    assert all_unknown.overall_level == "unknown"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"assessed_on": days(1)}, "assessed_on"),
        ({"assessed_on": None}, "assessed_on"),
        ({"review_on": days(-10)}, "review_on"),
        ({"individual_level": "extreme"}, "individual_level"),
        ({"overall_level": "catastrophic"}, "overall_level"),
        ({"overall_level": "unknown", "community_level": "low"}, "overall_level"),
        ({"safety_plan": "x" * 5001}, "safety_plan"),
        ({"household": "y" * 5001}, "household"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(worker, the_case, overrides, field):
    with pytest.raises(ValidationError) as error:
        _assess(the_case, worker, **overrides)
    assert field in error.value.message_dict
    assert not RiskAssessment.objects.exists()
    assert not AuditEvent.objects.filter(action="risk.assess").exists()


def test_each_assessment_is_kept_and_the_page_shows_the_trend(client, worker, the_case):
    d1, d2, d3 = days(-60), days(-30), days(-2)
    _assess(the_case, worker, assessed_on=d1, household_level="high")
    _assess(the_case, worker, assessed_on=d2, household_level="medium")
    _assess(the_case, worker, assessed_on=d3, individual_level="medium")
    assert RiskAssessment.objects.filter(case=the_case).count() == 3
    page = page_of(client, worker, the_case)
    with translation.override("en"):
        since = format_date(d2, "gregorian", "en")
    assert f"High → Medium since {since}" in page
    assert "Assessments, newest first" in page


def test_a_missed_review_date_is_flagged(client, worker, the_case):
    _assess(the_case, worker, assessed_on=days(-40), review_on=days(-10))
    assert "overdue" in page_of(client, worker, the_case)


def test_the_same_form_sent_twice_records_one_assessment(client, worker, the_case):
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("plans:risk_create", args=[the_case.public_id])
    data = _form()
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert RiskAssessment.objects.count() == 1


def test_risk_texts_are_sealed_and_only_codes_are_in_clear(worker, the_case):
    _assess(
        the_case, worker, household_level="high", risk_to_life=True, safety_plan=SECRET_SAFETY,
        individual="Гулнора owes 3000 to Rustam",
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT household_level, overall_level, risk_to_life, content FROM plans_riskassessment"
        )
        household, overall, to_life, blob = cursor.fetchone()
    assert (household, overall, bool(to_life)) == ("high", "high", True)
    for secret in (SECRET_SAFETY, "uncle", "Гулнора", "Rustam"):
        assert secret.encode() not in bytes(blob)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_auditevent")
        assert "uncle" not in repr(cursor.fetchall())


def test_history_page_shows_every_text_and_is_audited(client, worker, the_case):
    first = _assess(the_case, worker, assessed_on=days(-20), safety_plan="First plan")
    second = _assess(the_case, worker, assessed_on=days(-2), safety_plan="Second plan")
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("plans:risk_history", args=[the_case.public_id])).content.decode()
    assert page.index("Second plan") < page.index("First plan")
    read = AuditEvent.objects.filter(action="plans.read").latest("seq")
    assert read.details["shown"]["riskassessment"] == [str(second.public_id), str(first.public_id)]


def test_one_audit_row_per_case_page_lists_the_sealed_objects_shown(client, worker, the_case):
    old = _assess(the_case, worker, assessed_on=days(-20))
    latest = _assess(the_case, worker, assessed_on=days(-2))
    before = AuditEvent.objects.filter(action="plans.read").count()
    page_of(client, worker, the_case)
    reads = AuditEvent.objects.filter(action="plans.read")
    assert reads.count() == before + 1
    shown = reads.latest("seq").details["shown"]
    assert shown["riskassessment"] == [str(latest.public_id)]
    assert str(old.public_id) not in str(shown), "only the text actually shown is listed"


def test_unassigned_caseworker_and_other_organisation_get_404_and_record_nothing(
    client, org, other_org, the_case
):
    colleague = member(Role.CASEWORKER, org)
    outsider = member(Role.SUPERVISOR, other_org)
    for user in (colleague, outsider):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        url = reverse("plans:risk_create", args=[the_case.public_id])
        assert client.get(url).status_code == 404
        assert client.post(url, _form()).status_code == 404
        history = reverse("plans:risk_history", args=[the_case.public_id])
        assert client.get(history).status_code == 404
    assert not RiskAssessment.objects.exists()


def test_the_service_refuses_someone_outside_the_case(org, the_case):
    colleague = member(Role.CASEWORKER, org)
    from payvand.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        _assess(the_case, colleague)
    admin = member(Role.ORG_ADMIN, org)
    with pytest.raises(PermissionDenied):
        _assess(the_case, admin)


def test_a_supervisor_assesses_any_case_of_the_organisation(org, supervisor):
    other_case = case(org)
    assert _assess(other_case, supervisor).assessed_by == supervisor
