"""While the database is out of reach, pages answer a clear 503, and recover by themselves.

The failures are made at the database layer of real requests: Django's own
``connection.execute_wrapper`` raising the driver's error for every statement (or
for one table's), and on PostgreSQL a connection pointed at a port where nothing
listens. `python -m bench.faults dbrestart` restarts a real PostgreSQL under load.
"""

import logging
import socket
from contextlib import contextmanager

import pytest
from django.db import (
    DatabaseError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
)

from payvand.accounts import sessions
from payvand.core.permissions import Role
from payvand.core.unavailable import RETRY_AFTER_SECONDS
from payvand.testing.factories import member

REFUSED = 'connection to server at "127.0.0.1", port 5432 failed: Connection refused'


@contextmanager
def every_statement_fails(error: Exception, only_table: str | None = None):
    """Every SQL statement of this thread (or only those naming ``only_table``) raises."""

    def fail(execute, sql, params, many, context):
        if only_table is None or only_table in sql:
            raise error
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail):
        yield


@pytest.fixture
def caseworker_client(client, org):
    user = member(Role.CASEWORKER, org)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    # What a browser gets: the error page, not the exception re-raised into the test.
    client.raise_request_exception = False
    return client, user


def assert_unavailable_page(response, english=True):
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    assert 'role="alert"' in text
    # In another language the page is translated (not the English left as it was).
    assert ("Payvand is briefly unavailable" in text) is english
    # Nothing of the failure itself reaches the person.
    for leak in ("Traceback", "Connection refused", "5432", "SELECT", "OperationalError"):
        assert leak not in text
    return text


def test_a_signed_in_caseworker_gets_503_with_retry_after_while_the_database_refuses(
    caseworker_client, caplog
):
    client, _user = caseworker_client
    with caplog.at_level(logging.ERROR), every_statement_fails(OperationalError(REFUSED)):
        response = client.get("/cases/?name=Zarina")
    text = assert_unavailable_page(response)
    # A page being read is offered again as it was.
    assert 'href="/cases/?name=Zarina"' in text
    # The operator reads the failure once, with its cause; the session is left as it was.
    logged = [r for r in caplog.records if r.name == "django.request"]
    assert [r.getMessage() for r in logged] == ["Service Unavailable: /cases/"]
    assert logged[0].exc_info[0] is OperationalError
    assert "sessionid" not in response.cookies


def test_the_same_session_works_again_once_the_database_answers(caseworker_client):
    client, _user = caseworker_client
    with every_statement_fails(OperationalError(REFUSED)):
        assert client.get("/cases/").status_code == 503
    response = client.get("/cases/")
    assert response.status_code == 200  # still signed in, nothing to restart


def test_a_closed_connection_is_unavailable_too(caseworker_client):
    client, _user = caseworker_client
    with every_statement_fails(InterfaceError("the connection is closed")):
        assert_unavailable_page(client.get("/"))


def test_a_form_sent_during_the_outage_is_not_offered_again_as_a_link(caseworker_client):
    client, _user = caseworker_client
    with every_statement_fails(OperationalError(REFUSED)):
        response = client.post("/cases/new/", {"given_name": "Zarina"})
    text = assert_unavailable_page(response)
    assert 'href="/"' in text
    assert "check whether it was saved" in text


def test_before_the_user_is_known_the_page_speaks_the_browsers_language(caseworker_client):
    client, _user = caseworker_client
    # The session row cannot be read, so neither can the user's own language.
    with every_statement_fails(OperationalError(REFUSED)):
        response = client.get("/", HTTP_ACCEPT_LANGUAGE="fa-AF,fa;q=0.8")
    text = assert_unavailable_page(response, english=False)
    assert '<html lang="fa-af" dir="rtl">' in text
    assert response["Content-Language"] == "fa-af"


def test_after_the_user_is_known_the_page_speaks_the_users_language(caseworker_client):
    client, user = caseworker_client
    user.preferred_language = "ru"
    user.save(update_fields=["preferred_language"])
    # The session and the user load; the case list's own query fails.
    with every_statement_fails(OperationalError(REFUSED), only_table="cases_case"):
        response = client.get("/cases/", HTTP_ACCEPT_LANGUAGE="en")
    text = assert_unavailable_page(response, english=False)
    assert '<html lang="ru" dir="ltr">' in text


def _due_for_write_back(client) -> None:
    """A session in use is written back once a minute: make this request's the one."""
    session = client.session
    session[sessions.SEEN_AT] -= sessions.TOUCH_EVERY + 1
    session.save()


def test_the_database_going_away_while_the_session_is_saved_is_a_503_not_a_400(
    caseworker_client,
):
    client, _user = caseworker_client
    _due_for_write_back(client)
    # The page is made; saving the session at the end of the request fails.
    with every_statement_fails(OperationalError(REFUSED), only_table='UPDATE "django_session"'):
        response = client.get("/cases/")
    assert_unavailable_page(response)


def test_a_session_deleted_meanwhile_is_still_a_bad_request(caseworker_client):
    client, _user = caseworker_client
    _due_for_write_back(client)
    # Signed out in another tab while this request ran: Django's own 400.
    with every_statement_fails(
        DatabaseError("Forced update did not affect any rows."),
        only_table='UPDATE "django_session"',
    ):
        response = client.get("/cases/")
    assert response.status_code == 400
    assert "Retry-After" not in response


def test_a_bug_in_a_query_stays_a_500_not_a_503(caseworker_client):
    client, _user = caseworker_client
    with every_statement_fails(IntegrityError("duplicate key"), only_table="cases_case"):
        response = client.get("/cases/")
    assert response.status_code == 500
    assert "Retry-After" not in response


@pytest.mark.django_db(transaction=True)
def test_postgresql_unreachable_on_its_port_gives_503_then_the_app_reconnects(client, org):
    if connection.vendor != "postgresql":
        pytest.skip("points the PostgreSQL connection at a closed port")
    user = member(Role.CASEWORKER, org)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    client.raise_request_exception = False
    saved = dict(connection.settings_dict)
    # Bound but not listening: connecting is refused at once, as with a stopped server.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed.getsockname()[1]))
        try:
            response = client.get("/cases/")
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)
    assert_unavailable_page(response)
    assert client.get("/cases/").status_code == 200
