"""Shared vocabulary of the URL permission matrix (core/tests/test_url_matrix.py).

An app adds its URLs in `payvand/<app>/tests/url_matrix.py`:

    ROWS = {"consent:withdraw": ("POST", OK_FOR(Role.CASEWORKER, ...), {...})}
    def url_kwargs(name, converters, org, target):  # optional
        '''kwargs to reverse `name` for an object of `org`; `target` is a caseworker
        membership of `org` that does not belong to the caller. None: not mine.'''

Statuses are for the caller's own organisation and for another one (None: the URL
has no organisation in it). Anonymous callers are sent to the login page (302)
unless ANON is in the table.
"""

from payvand.core.permissions import Role

ANON = "anonymous"
ROLES = [ANON, *Role.values]
ALL_SIGNED_IN = {role: 200 for role in Role.values}


def OK_FOR(*roles, ok: int = 200) -> dict:
    return {role: (ok if role in roles else 404) for role in Role.values}
