import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from payvand.core.audit.models import AppendOnlyError, AuditEvent
from payvand.core.audit.services import audit_record
from payvand.core.audit.verify import audit_chain_verify
from payvand.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


def _three_events():
    actor = UserFactory()
    return [audit_record(action=f"test.{n}", actor=actor, details={"n": n}) for n in range(3)]


def _tamper(sql: str, params=()) -> None:
    """Change audit rows behind the application's back, as an attacker with the database would."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        else:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute(sql, params)


def test_events_are_chained_and_verify():
    events = _three_events()
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[1].prev_hash == events[0].hash
    report = audit_chain_verify()
    assert report.ok and report.rows == 3


def test_verify_command_says_ok(capsys):
    _three_events()
    call_command("audit", "verify")
    assert capsys.readouterr().out.strip() == "OK 3 rows"


def test_altered_row_is_named_and_the_command_fails():
    _three_events()
    _tamper("UPDATE audit_auditevent SET action = %s WHERE seq = 2", ["test.innocent"])
    report = audit_chain_verify()
    assert not report.ok and report.broken_seq == 2
    with pytest.raises(CommandError, match="BROKEN at row 2"):
        call_command("audit", "verify")


def test_deleted_row_in_the_middle_is_found():
    _three_events()
    _tamper("DELETE FROM audit_auditevent WHERE seq = 2")
    report = audit_chain_verify()
    assert not report.ok and report.broken_seq == 2
    assert "missing" in report.reason


def test_rows_removed_from_the_end_are_found():
    _three_events()
    _tamper("DELETE FROM audit_auditevent WHERE seq = 3")
    report = audit_chain_verify()
    assert not report.ok and report.broken_seq == 3


def test_the_application_cannot_change_or_delete_a_row():
    event = _three_events()[0]
    event.action = "test.changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_the_database_refuses_updates():
    _three_events()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'x' WHERE seq = 1")
    assert AuditEvent.objects.get(seq=1).action == "test.0"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the DELETE trigger is PostgreSQL's")
def test_postgresql_refuses_deletes():
    _three_events()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = 1")
    assert AuditEvent.objects.count() == 3


def test_an_event_records_request_id_and_address(client, org):
    from payvand.core.permissions import Role
    from payvand.testing.factories import member

    user = member(Role.ORG_ADMIN, org)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        f"/orgs/{org.public_id}/staff/invite/",
        {
            "full_name": "New Person",
            "email": "new@example.org",
            "role": "caseworker",
            "language": "ru",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="staff.grant")
    assert event.request_id == response["X-Request-ID"]
    assert event.ip == "127.0.0.1"
    assert event.actor_id == user.public_id
    assert event.organisation_id == org.public_id
    assert audit_chain_verify().ok


def test_a_failed_change_leaves_no_audit_row(org):
    from django.core.exceptions import ValidationError

    from payvand.core.permissions import Role
    from payvand.orgs.services import organisation_update
    from payvand.testing.factories import member

    admin = member(Role.ORG_ADMIN, org)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        organisation_update(org=org, by=admin, phone="not a phone")
    assert AuditEvent.objects.count() == before


def test_a_write_after_crypto_shredding_says_erased_not_server_error(client, org):
    from payvand.cases.models import Case
    from payvand.core.keys import org_keys_destroy
    from payvand.core.permissions import Role
    from payvand.testing.factories import case, member

    worker = member(Role.CASEWORKER, org)
    case(org, owner=worker)
    org_keys_destroy(org=org)
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        "/cases/new/",
        {
            "organisation": str(org.public_id), "given_name": "Nadia", "gender": "Feminine",
            "birth_precision": "unknown", "identification_source": "Hotline",
            "identified_on": "2026-11-20", "submission_id": "5b6f1d9e-8a8f-4f0e-9d55-3b8f6f1f0a19",
            "confirm_new": "on",
        },
    )  # fmt: skip
    assert response.status_code == 410
    assert Case.objects.count() == 1


def test_reads_batched_are_appended_together_in_order_when_the_block_ends():
    from payvand.core.audit.services import audit_reads_batched

    actor = UserFactory()
    with audit_reads_batched():
        assert audit_record(action="test.read.1", actor=actor, details={"n": 1}) is None
        audit_record(action="test.read.2", actor=actor)
        assert not AuditEvent.objects.exists(), "held until the block ends"
    events = list(AuditEvent.objects.order_by("seq"))
    assert [(e.seq, e.action, e.details) for e in events] == [
        (1, "test.read.1", {"n": 1}),
        (2, "test.read.2", {}),
    ]
    assert events[1].prev_hash == events[0].hash
    assert audit_chain_verify().ok


def test_a_row_recorded_in_a_transaction_inside_a_batch_is_written_with_it():
    from payvand.core.audit.services import audit_reads_batched

    actor = UserFactory()
    with audit_reads_batched():
        audit_record(action="test.read", actor=actor)
        with transaction.atomic():
            change = audit_record(action="test.change", actor=actor)
        assert change is not None and change.seq == 1
    assert list(AuditEvent.objects.order_by("seq").values_list("action", flat=True)) == [
        "test.change",
        "test.read",
    ]


def test_reads_opened_before_a_failure_in_a_batch_are_still_audited():
    from payvand.core.audit.services import audit_reads_batched

    actor = UserFactory()
    with pytest.raises(RuntimeError), audit_reads_batched():
        audit_record(action="test.read", actor=actor)
        raise RuntimeError("the page failed after opening sealed data")
    assert AuditEvent.objects.get().action == "test.read"


RELAXED = "SET LOCAL synchronous_commit = off"


@pytest.mark.django_db(transaction=True)
def test_reads_alone_are_committed_without_waiting_for_the_disk_and_changes_always_wait():
    from django.test.utils import CaptureQueriesContext

    from payvand.core.audit.services import AuditEntry, audit_reads_batched, audit_record_many

    actor = UserFactory()
    with CaptureQueriesContext(connection) as reads:
        audit_record(action="person.identity_list", actor=actor)
        with audit_reads_batched():
            audit_record(action="plans.read", actor=actor)
            audit_record(action="attachment.list_read", actor=actor)
    with CaptureQueriesContext(connection) as changes:
        # A change's row, even recorded on its own; a read beside a change; a read inside
        # someone else's transaction (it may hold a change).
        audit_record(action="case.note_added", actor=actor)
        audit_record_many(
            [AuditEntry("person.identity_read", actor), AuditEntry("case.update", actor)]
        )
        with transaction.atomic():
            audit_record(action="person.identity_read", actor=actor)
    relaxed = [q["sql"] for q in reads.captured_queries if q["sql"] == RELAXED]
    assert len(relaxed) == (2 if connection.vendor == "postgresql" else 0)
    assert not [q["sql"] for q in changes.captured_queries if RELAXED in q["sql"]]
    report = audit_chain_verify()
    assert report.ok and report.rows == 7


def test_what_counts_as_a_read():
    from payvand.core.audit.services import is_read

    assert all(map(is_read, ["consent.read", "attachment.list_read", "person.identity_list"]))
    assert not any(map(is_read, ["consent.withdraw", "person.erase", "stats.export_htcds"]))
