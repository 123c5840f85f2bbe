"""Referrals: the consent gate, the sharing profile, every move in the table and no
other, double clicks, withdrawal of consent, notifications, the receiver's services."""

import datetime as dt
import uuid

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from payvand.assistance.models import AssistanceEntry
from payvand.consent.services import consent_withdraw
from payvand.core.audit.models import AuditEvent
from payvand.core.errors import IllegalTransition, PermissionDenied
from payvand.core.permissions import Role
from payvand.plans.services import risk_assess
from payvand.referrals import selectors, services
from payvand.referrals.models import Notification, Referral
from payvand.referrals.tests.helpers import consent_to, send
from payvand.testing.factories import OrganisationFactory, case, member

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture
def pk_org(db):
    return OrganisationFactory(country="PK", subdivision="PK-KP", name="Peshawar Shelter")


@pytest.fixture
def af_org(db):
    return OrganisationFactory(country="AF", subdivision="AF-HER", name="Herat Women")


@pytest.fixture
def sender(pk_org):
    return member(Role.CASEWORKER, pk_org, email="sender@example.org")


@pytest.fixture
def receiver(af_org):
    return member(Role.CASEWORKER, af_org, email="receiver@example.org", preferred_language="fa-af")


@pytest.fixture
def the_case(pk_org, sender):
    return case(pk_org, owner=sender, given_name="Zarghuna", family_name="Safi")


def _page(client, user, url):
    client.force_login(user, backend=BACKEND)
    return client.get(url)


def test_sending_without_consent_is_refused_naming_the_missing_consent(the_case, sender, af_org):
    with pytest.raises(ValidationError) as error:
        send(the_case, sender, af_org)
    message = error.value.message_dict["to_org"][0]
    assert "No consent is recorded for sharing with Herat Women" in message
    assert "Afghanistan" in message
    assert not Referral.objects.exists()


def test_a_supervisor_overrides_with_a_reason_sealed_in_the_referral_not_the_audit(
    the_case, pk_org, af_org
):
    from payvand.core.sealed import open_from

    supervisor = member(Role.SUPERVISOR, pk_org)
    referral = send(the_case, supervisor, af_org, override_reason="Risk to life; unreachable")
    assert referral.consent_overridden and referral.state == "sent"
    event = AuditEvent.objects.get(action="referral.consent_override")
    assert "Risk to life" not in str(event.details)
    step = referral.transitions.get(action="send")
    assert open_from(pk_org, step, "note") == "Risk to life; unreachable"


def test_a_caseworker_cannot_override(the_case, sender, af_org):
    with pytest.raises(ValidationError) as error:
        send(the_case, sender, af_org, override_reason="Urgent")
    assert "Only a supervisor" in str(error.value)


def test_a_country_consent_covers_its_organisations_and_medical_needs_its_own(
    the_case, sender, af_org
):
    consent_to(the_case, sender, purpose="sharing_country", country="AF")
    with pytest.raises(ValidationError) as error:
        send(the_case, sender, af_org, sections=["identity", "medical"])
    assert "Medical information travels only with" in str(error.value)
    assert send(the_case, sender, af_org).state == "sent"


def test_the_receiver_sees_exactly_the_shared_sections_and_the_risk_to_life(
    client, the_case, sender, receiver, af_org
):
    consent_to(the_case, sender, af_org)
    risk_assess(
        case=the_case, by=sender, assessed_on=timezone.localdate(), individual_level="high",
        household_level="low", community_level="low", risk_to_life=True,
        safety_plan="Never alone at the bus station",
    )  # fmt: skip
    referral = send(the_case, sender, af_org, sections=["identity"])
    body = _page(client, receiver, reverse("referrals:detail", args=[referral.public_id]))
    text = body.content.decode()
    assert body.status_code == 200
    assert "Zarghuna" in text and 'class="risk-life"' in text
    assert "Never alone at the bus station" not in text, "risk section not shared"
    assert AuditEvent.objects.filter(action="referral.shared_read").exists()
    # A third organisation sees nothing of it.
    outsider = member(Role.SUPERVISOR, OrganisationFactory(country="TJ"))
    response = _page(client, outsider, reverse("referrals:detail", args=[referral.public_id]))
    assert response.status_code == 404


def test_accept_once_record_services_complete_and_the_sender_sees_them(
    the_case, sender, receiver, af_org
):
    consent_to(the_case, sender, af_org)
    referral = send(the_case, sender, af_org)
    click = uuid.uuid4()
    for _ in range(2):  # a double click
        services.referral_transition(
            referral=referral, action="accept", by=receiver, submission_id=click
        )
    assert referral.transitions.filter(action="accept").count() == 1
    with pytest.raises(IllegalTransition, match="“Accepted”: “Accept” is not possible"):
        services.referral_transition(referral=referral, action="accept", by=receiver)
    for kind in ("Shelter", "Legal"):
        services.referral_assistance_record(
            referral=referral, by=receiver, assistance_type=kind,
            delivered_on=timezone.localdate(), outcome="Done",
        )  # fmt: skip
    referral.refresh_from_db()
    assert referral.state == "in_progress", "the first service starts the work"
    services.referral_transition(referral=referral, action="complete", by=receiver)
    entries = AssistanceEntry.objects.filter(case=the_case, provider=af_org)
    assert entries.count() == 2, "the sender's case shows the receiver's services"
    assert Notification.objects.filter(user=sender, event="complete").exists()


@pytest.mark.parametrize(
    ("action", "by_receiver"),
    [("complete", True), ("start", True), ("revoke", False), ("decline", True)],
)
def test_moves_outside_the_table_are_refused(
    the_case, sender, receiver, af_org, action, by_receiver
):
    consent_to(the_case, sender, af_org)
    referral = send(the_case, sender, af_org)
    services.referral_transition(referral=referral, action="decline", by=receiver,
                                 reason="NoCapacity")  # fmt: skip
    with pytest.raises(IllegalTransition, match="state is “Declined”"):
        services.referral_transition(
            referral=referral, action=action, by=receiver if by_receiver else sender,
            reason="NoCapacity", note="x",
        )  # fmt: skip


def test_only_each_side_makes_its_own_moves(the_case, sender, receiver, af_org):
    consent_to(the_case, sender, af_org)
    referral = send(the_case, sender, af_org)
    with pytest.raises(PermissionDenied):
        services.referral_transition(referral=referral, action="accept", by=sender)
    with pytest.raises(PermissionDenied):
        services.referral_transition(referral=referral, action="revoke", by=receiver, note="x")
    with pytest.raises(ValidationError):
        services.referral_transition(referral=referral, action="revoke", by=sender, note="")


def test_withdrawing_consent_or_revoking_removes_the_receivers_access_at_once(
    client, the_case, sender, receiver, af_org
):
    consent = consent_to(the_case, sender, af_org)
    referral = send(the_case, sender, af_org)
    url = reverse("referrals:detail", args=[referral.public_id])
    assert _page(client, receiver, url).status_code == 200
    consent_withdraw(consent=consent, by=sender, withdrawn_on=timezone.localdate())
    assert _page(client, receiver, url).status_code == 404
    assert selectors.referral_lists(receiver)["to_answer"] == []
    consent_to(the_case, sender, af_org)
    assert _page(client, receiver, url).status_code == 200
    services.referral_transition(referral=referral, action="revoke", by=sender, note="Moved")
    assert _page(client, receiver, url).status_code == 404


def test_notices_go_out_in_the_recipients_language_and_name_nobody(
    the_case, sender, receiver, af_org, django_capture_on_commit_callbacks
):
    consent_to(the_case, sender, af_org)
    with django_capture_on_commit_callbacks(execute=True):
        send(the_case, sender, af_org)
    assert Notification.objects.filter(user=receiver, event="send").exists()
    (message,) = [m for m in mail.outbox if receiver.email in m.to]
    assert "Zarghuna" not in message.body and "Safi" not in message.body
    assert "/referrals/" in message.body
    assert "Peshawar Shelter" in message.body
    with translation.override("fa-af"):
        assert message.subject == gettext("Payvand: a referral needs your attention")


def test_a_revoked_referral_is_announced_without_a_link_to_the_page_it_no_longer_has(
    the_case, sender, receiver, af_org, django_capture_on_commit_callbacks
):
    consent_to(the_case, sender, af_org)
    referral = send(the_case, sender, af_org)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_transition(referral=referral, action="revoke", by=sender, note="Moved")
    (message,) = [m for m in mail.outbox if receiver.email in m.to]
    assert "/referrals/" not in message.body and "sign in" not in message.body
    with translation.override(receiver.preferred_language):
        withdrawn = gettext(
            "%(org)s withdrew a referral it had sent your organisation. It can no longer be "
            "opened, and there is nothing to do."
        ) % {"org": referral.from_org.name}
    assert withdrawn in message.body
    assert "Zarghuna" not in message.body and "Moved" not in message.body


def test_overdue_answers_expire_and_supervisors_hear_of_late_work(
    the_case, sender, receiver, af_org
):
    from payvand.referrals.notify import referrals_alert_overdue

    consent_to(the_case, sender, af_org)
    today = timezone.localdate()
    late = send(the_case, sender, af_org, answer_due=today)
    assert services.referrals_expire(today + dt.timedelta(days=1)) == 1
    late.refresh_from_db()
    assert late.state == "expired"
    working = send(the_case, sender, af_org, completion_due=today + dt.timedelta(days=8))
    services.referral_transition(referral=working, action="accept", by=receiver)
    supervisor = member(Role.SUPERVISOR, af_org)
    assert referrals_alert_overdue(today + dt.timedelta(days=9)) == 1
    assert referrals_alert_overdue(today + dt.timedelta(days=10)) == 0, "once"
    assert Notification.objects.filter(user=supervisor, event="overdue").exists()


def test_list_pages_make_a_bounded_number_of_queries(
    client, the_case, sender, receiver, af_org, pk_org, django_assert_max_num_queries
):
    consent_to(the_case, sender, af_org)
    for _ in range(3):
        send(the_case, sender, af_org)
    client.force_login(receiver, backend=BACKEND)
    with django_assert_max_num_queries(25) as few:
        client.get(reverse("referrals:list"))
    for _ in range(12):
        send(the_case, sender, af_org)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("referrals:list")).status_code == 200


def test_the_expire_command_reports_what_it_did(capsys):
    from django.core.management import call_command

    call_command("referrals", "expire")
    assert "0 referrals expired; 0 late referrals alerted." in capsys.readouterr().out


def test_an_accepted_transfer_moves_the_case_and_everything_sealed_to_the_receiver(
    client, the_case, sender, receiver, af_org, pk_org, django_capture_on_commit_callbacks
):
    from payvand.assistance.services import note_add
    from payvand.attachments.services import attachment_add
    from payvand.cases import selectors as case_selectors
    from payvand.cases.services import person_identity

    consent_to(the_case, sender, af_org)
    note_add(case=the_case, by=sender, text="Afraid of the uncle")
    attachment_add(case=the_case, by=sender, category="Other", filename="a.txt", data=b"scan")
    referral = send(the_case, sender, af_org, kind="transfer")
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_transition(referral=referral, action="accept", by=receiver)
    the_case.refresh_from_db()
    assert (the_case.organisation, the_case.owner) == (af_org, receiver)
    identity = person_identity(person=the_case.person, by=receiver)
    assert identity.given_name == "Zarghuna"
    found = case_selectors.case_search(receiver, case_selectors.CaseQuery(name="Zarghuna"))
    assert [c.pk for c in found] == [the_case.pk], "found under the new organisation's index"
    client.force_login(receiver, backend=BACKEND)
    page = client.get(reverse("cases:detail", args=[the_case.public_id])).content.decode()
    assert "Afraid of the uncle" in page and "a.txt" in page
    client.force_login(sender, backend=BACKEND)
    assert client.get(reverse("cases:detail", args=[the_case.public_id])).status_code == 404
    assert client.get(reverse("referrals:detail", args=[referral.public_id])).status_code == 200
    from payvand.attachments import storage
    from payvand.attachments.models import Attachment

    attachment = Attachment.objects.get()
    assert storage.read(af_org, attachment) == b"scan"


def test_the_dashboard_counts_referrals_per_state(client, the_case, sender, receiver, af_org):
    consent_to(the_case, sender, af_org)
    referral = send(the_case, sender, af_org)
    send(the_case, sender, af_org)
    services.referral_transition(referral=referral, action="accept", by=receiver)
    client.force_login(receiver, backend=BACKEND)
    with translation.override("en"):
        page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="referrals-h"' in page
    receiver.preferred_language = "en"
    receiver.save()
    page = client.get("/").content.decode()
    assert '<span class="num">1</span> Accepted' in page
    assert '<span class="num">1</span> Sent, waiting for an answer' in page


def test_the_receivers_follow_up_visits_flow_back_to_the_sender_on_a_return(
    client, the_case, sender, receiver, af_org
):
    from payvand.plans.models import FollowUpVisit
    from payvand.plans.services import reintegration_plan_save

    consent_to(the_case, sender, af_org)
    referral = send(
        the_case, sender, af_org, kind="return", sections=["identity", "reintegration"],
        travel="Torkham crossing on Monday; met by Herat Women",
    )  # fmt: skip
    services.referral_transition(referral=referral, action="accept", by=receiver)
    visit = {
        "visited_on": timezone.localdate(), "mode": "home_visit", "economic": 2, "social": 3,
        "psychosocial": 3, "notes": "Back with her mother; looking for work",
    }  # fmt: skip
    with pytest.raises(ValidationError, match="no reintegration plan"):
        services.referral_followup_record(referral=referral, by=receiver, **visit)
    reintegration_plan_save(
        case=the_case, by=sender, start_on=timezone.localdate(), goals="Work in Herat"
    )
    client.force_login(receiver, backend=BACKEND)
    receiver.preferred_language = "en"
    receiver.save()
    url = reverse("referrals:followup", args=[referral.public_id])
    page = client.get(reverse("referrals:detail", args=[referral.public_id])).content.decode()
    assert url in page
    response = client.post(url, {**visit, "visited_on": visit["visited_on"].isoformat(),
                                 "submission_id": str(uuid.uuid4())})  # fmt: skip
    assert response.status_code == 302
    recorded = FollowUpVisit.objects.get()
    assert recorded.visited_by == receiver and recorded.plan.case == the_case
    with pytest.raises(IllegalTransition):
        plain = send(the_case, sender, af_org)
        services.referral_followup_record(referral=plain, by=receiver, **visit)


def test_the_history_names_each_state_in_the_readers_language_not_the_workflow_codes(
    client, the_case, sender, receiver, af_org
):
    consent_to(the_case, sender, af_org)
    referral = send(the_case, sender, af_org)
    services.referral_transition(referral=referral, action="accept", by=receiver)
    url = reverse("referrals:detail", args=[referral.public_id])
    history = _page(client, sender, url).content.decode().split('id="history-h"')[1]
    assert "send → sent" not in history and "accept → accepted" not in history
    assert "Sent, waiting for an answer" in history and "Accepted" in history
    client.cookies["django_language"] = "fa-af"
    history = _page(client, receiver, url).content.decode().split('id="history-h"')[1]
    with translation.override("fa-af"):
        accepted = gettext("Accepted")
    assert accepted != "Accepted" and accepted in history


def test_a_notice_of_a_referral_the_receiver_can_no_longer_open_has_no_dead_link_and_is_shown_once(
    client, the_case, sender, receiver, af_org
):
    consent_to(the_case, sender, af_org)
    kept = send(the_case, sender, af_org)
    revoked = send(the_case, sender, af_org)
    services.referral_transition(referral=revoked, action="revoke", by=sender, note="Moved")
    assert Notification.objects.filter(user=receiver, referral=revoked, event="revoke").exists()
    with translation.override(receiver.preferred_language):
        revoked_label = gettext("Revoked by the sender")
    page = _page(client, receiver, reverse("referrals:list")).content.decode()
    notices = page.split('id="notices-h"')[1].split("</section>")[0]
    assert reverse("referrals:detail", args=[kept.public_id]) in notices
    assert reverse("referrals:detail", args=[revoked.public_id]) not in notices
    assert revoked_label in notices, "the notice still says what happened"
    assert client.get(reverse("referrals:detail", args=[revoked.public_id])).status_code == 404
    again = client.get(reverse("referrals:list")).content.decode()
    assert revoked_label not in again, "shown once, not new for ever"
    assert reverse("referrals:detail", args=[kept.public_id]) in again
