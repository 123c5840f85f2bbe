"""A data key made inside a transaction that rolls back must not outlive it in the
process's key cache: whatever is sealed with it meanwhile could never be opened again."""

import pytest
from django.db import transaction

from payvand.core import crypto


class _Boom(Exception):
    pass


@pytest.mark.django_db
def test_a_key_made_in_a_rolled_back_transaction_seals_nothing_afterwards(org):
    crypto.cache.forget()
    with pytest.raises(_Boom), transaction.atomic():
        crypto.seal(org, b"first registration, refused later", context="t")  # makes key 1
        raise _Boom
    blob = crypto.seal(org, b"the next survivor's name", context="t")
    crypto.cache.forget()  # the cache expires, or another process reads it
    assert crypto.unseal(org, blob, context="t") == b"the next survivor's name"


@pytest.mark.django_db
def test_a_key_made_in_a_rolled_back_savepoint_is_not_used_by_the_outer_transaction(org):
    crypto.cache.forget()
    with transaction.atomic():
        with pytest.raises(_Boom), transaction.atomic():
            crypto.seal(org, b"refused", context="t")  # makes key 1 in the savepoint
            raise _Boom
        blob = crypto.seal(org, b"kept", context="t")  # makes key 1 again
    crypto.cache.forget()
    assert crypto.unseal(org, blob, context="t") == b"kept"


@pytest.mark.django_db(transaction=True)
def test_a_key_is_cached_once_its_transaction_commits(org):
    crypto.cache.forget()
    with transaction.atomic():
        crypto.seal(org, b"first", context="t")
        assert crypto.cache.current_version(org.public_id) is None  # held
    crypto.seal(org, b"second", context="t")
    assert crypto.cache.current_version(org.public_id) == 1
