"""Key rotation loses nothing: every registered sealed column, and every sealed file,
opens to the same plaintext after `payvand keys rotate-org` as before it."""

import datetime as dt

import pytest
from django.utils import timezone

from payvand.attachments import services as attachment_services
from payvand.attachments import storage
from payvand.attachments.models import Attachment
from payvand.cases.models import Case
from payvand.core import crypto, sealed
from payvand.core.keys import org_keys_rotate
from payvand.demo import journeys
from payvand.demo.seed import seed_demo
from payvand.orgs.models import Organisation
from payvand.referrals.services import message_post, referral_transition
from payvand.referrals.tests.helpers import consent_to, send
from payvand.screening import services as screening_services
from payvand.screening.tests.helpers import record

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 11)


def _plaintexts(org) -> dict:
    found = {}
    for column in sealed.COLUMNS:
        rows = column.model.objects.filter(**{column.org_field: org}).exclude(
            **{f"{column.field}__isnull": True}
        )
        for row in rows:
            blob = getattr(row, column.field)
            found[(column.model.__name__, column.field, row.pk)] = crypto.unseal(
                org, blob, context=sealed.context_for(row, column.field)
            )
    return found


def test_rotation_round_trips_every_sealed_column_and_file(
    monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    monkeypatch.setattr(journeys, "SHARE_WORKED", 0.6)
    seed_demo(cases=40)
    # What 40 demo cases may lack: a file, and a screening decided against the indicators.
    first = Case.objects.select_related("owner").first()
    attachment = attachment_services.attachment_add(
        case=first, by=first.owner, category="Other", filename="a.txt", data=b"x"
    )
    screening_services.screening_decide(
        screening=record(first, first.owner, observed=(), screened_on=TODAY),
        by=first.owner,
        status="ActualVictimOfTrafficking",
        decision_org_type="Police",
        reason="The police decided after the interview",
    )
    # And a referral with a message and a revocation's reason.
    other = Organisation.objects.exclude(pk=first.organisation_id).filter(cases__isnull=False)[0]
    consent_to(first, first.owner, other)
    referral = send(first, first.owner, other)
    message_post(referral=referral, by=first.owner, text="Call before you come")
    referral_transition(referral=referral, action="revoke", by=first.owner, note="Moved")
    before = {org.pk: _plaintexts(org) for org in Organisation.objects.all()}
    covered = {(model, field) for texts in before.values() for model, field, _pk in texts}
    registered = {(c.model.__name__, c.field) for c in sealed.COLUMNS}
    assert registered - covered == set(), "the demo should fill every sealed column"
    with django_capture_on_commit_callbacks(execute=True):
        for org in Organisation.objects.all():
            org_keys_rotate(org=org)
    for org in Organisation.objects.all():
        after = _plaintexts(org)
        assert after == before[org.pk]
        for (model, field, pk), _text in after.items():
            blob = getattr(
                next(c.model for c in sealed.COLUMNS if c.model.__name__ == model)
                .objects.only(field)
                .get(pk=pk),
                field,
            )
            assert crypto.blob_version(blob) == 2
    attachment = Attachment.objects.get(pk=attachment.pk)
    assert storage.read(attachment.case.organisation, attachment) == b"x"
