"""The processes' in-memory store of encodings follows the table by what changed: new,
rewritten and removed rows, without reading every encoding again."""

import numpy as np
import pytest

from payvand.linkage import encoding
from payvand.linkage.models import Encoding
from payvand.linkage.selectors import _Store
from payvand.testing.factories import case

pytestmark = pytest.mark.django_db
SECRET = b"s" * 32


def _bits(rng) -> bytes:
    return rng.integers(0, 256, encoding.STORED_BYTES, dtype=np.uint8).tobytes()


def _encode(person, rng) -> Encoding:
    return Encoding.objects.create(
        person=person,
        organisation=person.organisation,
        country=person.organisation.country,
        bits=_bits(rng),
        version=encoding.version(),
    )


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

    _encode(people[6], rng)  # a survivor registered elsewhere
    rows[1].delete()  # an erasure
    rows[2].bits = _bits(rng)  # encoded again in place
    rows[2].save()
    _same(store, encoder)
    _encode(people[7], rng)
    _same(store, encoder)
    assert store.full_loads == 1, "only what changed was read"
    assert len(store.ids) == 7


def test_a_row_that_commits_after_a_later_one_is_still_found(org):
    rng = np.random.default_rng(8)
    encoder = encoding.encoder_for(SECRET)
    people = [case(org).person for _ in range(3)]
    first, late, last = (_encode(p, rng) for p in people)
    late_id, late_bits = late.id, bytes(late.bits)
    late.delete()  # as if not yet committed when the store looked
    store = _Store()
    store.current(encoder, SECRET)
    Encoding.objects.create(
        id=late_id, person=people[1], organisation=org, country=org.country,
        bits=late_bits, version=encoding.version(),
    )  # fmt: skip
    _same(store, encoder)
    assert store.full_loads == 1 and list(store.ids) == [first.id, late_id, last.id]
