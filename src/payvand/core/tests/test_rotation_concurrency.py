"""`payvand keys rotate-org` while staff work: a record sealed under the old key by a
transaction still open when the rotation starts must not be lost with the old key."""

import threading

import pytest
from django.db import connection, transaction

from payvand.assistance.models import CaseNote
from payvand.assistance.services import note_record
from payvand.core import crypto
from payvand.core.keys import org_keys_rotate
from payvand.core.permissions import Role
from payvand.core.sealed import open_from
from payvand.testing.factories import case, member


@pytest.mark.django_db(transaction=True)
def test_a_note_written_while_the_key_rotates_is_resealed_not_lost(org):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's locks; SQLite runs one write transaction at a time")
    worker = member(Role.CASEWORKER, org)
    the_case = case(org, owner=worker)
    sealed, release, failures = threading.Event(), threading.Event(), []

    def writer():
        try:
            with transaction.atomic():
                note_record(case=the_case, by=worker, text="Written during the rotation")
                sealed.set()
                release.wait(10)
        except Exception as exc:  # reported below, in the test's thread
            failures.append(exc)
        finally:
            connection.close()

    def rotation():
        try:
            org_keys_rotate(org=org)
        except Exception as exc:
            failures.append(exc)
        finally:
            connection.close()

    writing = threading.Thread(target=writer)
    writing.start()
    assert sealed.wait(10)
    rotating = threading.Thread(target=rotation)
    rotating.start()
    rotating.join(1.0)
    assert rotating.is_alive(), "the rotation waits for the transaction sealing under the old key"
    release.set()
    writing.join(10)
    rotating.join(30)
    assert not failures, failures
    crypto.cache.forget()
    note = CaseNote.objects.get(case=the_case)
    assert crypto.blob_version(bytes(note.text)) == 2
    assert open_from(org, note, "text") == "Written during the rotation"


@pytest.mark.django_db(transaction=True)
def test_a_writer_after_a_rotation_seals_under_the_new_key_at_once(org):
    worker = member(Role.CASEWORKER, org)
    the_case = case(org, owner=worker)
    old_version, old_key = crypto.data_key(org)
    org_keys_rotate(org=org)
    # Another process read version 1 as current just before the rotation committed.
    crypto.cache.put(org.public_id, old_version, old_key)
    crypto.cache.set_current_version(org.public_id, old_version)
    with transaction.atomic():
        note = note_record(case=the_case, by=worker, text="after")
    note.refresh_from_db()
    assert crypto.blob_version(bytes(note.text)) == 2
