"""The processes' in-memory store of encodings follows the table by its change log: new,
rewritten and removed encodings, without reading every encoding again."""

import numpy as np
import pytest

from payvand.linkage import encoding
from payvand.linkage.models import Encoding, EncodingChange
from payvand.linkage.selectors import _Store
from payvand.linkage.services import _changes_log, _encodings_delete
from payvand.testing.factories import case

pytestmark = pytest.mark.django_db
SECRET = b"s" * 32


def _bits(rng) -> bytes:
    return rng.integers(0, 256, encoding.STORED_BYTES, dtype=np.uint8).tobytes()


def _encode(person, rng) -> Encoding:
    """As services.person_encode writes one: the row, and its line in the change log."""
    row = Encoding.objects.create(
        person=person,
        organisation=person.organisation,
        country=person.organisation.country,
        bits=_bits(rng),
        version=encoding.version(),
    )
    _changes_log([row.pk])
    return row


def _same(store: _Store, encoder) -> None:
    fresh = _Store()
    expected = fresh.current(encoder, SECRET)
    for got, want in zip(store.current(encoder, SECRET), expected, strict=True):
        assert np.array_equal(got, want)


def test_the_store_follows_new_rewritten_and_removed_encodings(org, other_org):
    rng = np.random.default_rng(7)
    encoder = encoding.encoder_for(SECRET)
    people = [case(o).person for o in (org, other_org) * 4]
    rows = [_encode(p, rng) for p in people[:6]]
    store = _Store()
    _same(store, encoder)
    assert store.full_loads == 1
    _same(store, encoder)  # nothing changed: nothing read

    _encode(people[6], rng)  # a survivor registered elsewhere
    _encodings_delete(Encoding.objects.filter(pk=rows[1].pk))  # an erasure
    rows[2].bits = _bits(rng)  # encoded again in place
    rows[2].save()
    _changes_log([rows[2].pk])
    _same(store, encoder)
    _encode(people[7], rng)
    _same(store, encoder)
    assert store.full_loads == 1, "only what changed was read"
    assert len(store.ids) == 7 and rows[1].pk not in store.ids


def test_a_change_that_commits_after_a_later_one_is_still_read(org):
    rng = np.random.default_rng(8)
    encoder = encoding.encoder_for(SECRET)
    people = [case(org).person for _ in range(3)]
    first = _encode(people[0], rng)
    late = _encode(people[1], rng)
    last = _encode(people[2], rng)
    late_change = EncodingChange.objects.get(encoding_id=late.pk)
    saved = (late.pk, bytes(late.bits), late_change.pk)
    late.delete()  # neither the row nor its change committed yet when the store looked
    late_change.delete()
    store = _Store()
    store.current(encoder, SECRET)
    assert list(store.ids) == [first.pk, last.pk]
    Encoding.objects.create(
        id=saved[0], person=people[1], organisation=org, country=org.country,
        bits=saved[1], version=encoding.version(),
    )  # fmt: skip
    EncodingChange.objects.create(id=saved[2], encoding_id=saved[0])  # committed now
    _same(store, encoder)
    assert store.full_loads == 1 and list(store.ids) == [first.pk, saved[0], last.pk]
