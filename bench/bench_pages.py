"""Latency of the two pages everyone sees: the login page and the dashboard.

Measured twice: through Django's test client (view, middleware and database
cost alone) and through the real production server (`payvand serve`: gunicorn,
WhiteNoise, a socket per request), so the gap between the two shows what the
deployment adds. The dashboard is measured for the platform admin (the
cross-organisation view) and for an organisation admin (one organisation).
"""

from collections.abc import Callable

from django.test import Client

from bench.harness import Context, Figure
from bench.live import LOGIN_PATH, HttpSession, ServerError
from payvand.demo.region import DEMO_PASSWORD, demo_email

DASHBOARD_PATH = "/"
DASHBOARD_USERS = ["platform-admin", "tj-dyu-admin"]
# Outside the test runner 'testserver' is not an allowed host; the live server's
# host is, so both ways of measuring pass the same host check.
CLIENT_HOST = "127.0.0.1"


def run(ctx: Context) -> list[Figure]:
    # Test client first, so the idle live server does not share the CPUs with it.
    return [*client_figures(ctx), *live_figures(ctx)]


def page_figure(ctx: Context, name: str, fetch: Callable[[], bytes]) -> Figure:
    """Time ``fetch`` (which returns the page's body) and note the page's size."""
    timings, body = ctx.measure(fetch)
    return Figure(name, timings, {"KB": round(len(body) / 1024, 1)})


# Through django.test.Client, in this process.


def client_figures(ctx: Context) -> list[Figure]:
    anonymous = Client(HTTP_HOST=CLIENT_HOST)
    figures = [
        page_figure(
            ctx, "login page (anonymous) · test client", client_fetch(anonymous, LOGIN_PATH)
        )
    ]
    for slug in DASHBOARD_USERS:
        client = Client(HTTP_HOST=CLIENT_HOST)
        client_login(client, demo_email(slug))
        figures.append(
            page_figure(
                ctx, f"dashboard ({slug}) · test client", client_fetch(client, DASHBOARD_PATH)
            )
        )
    return figures


def client_login(client: Client, email: str) -> None:
    """Sign in through the login form, not `force_login`, so django-axes and the
    session are exercised as in production (`Client.login` gives axes no request)."""
    response = client.post(LOGIN_PATH, {"username": email, "password": DEMO_PASSWORD})
    if response.status_code != 302:
        raise ServerError(f"test-client login as {email} answered {response.status_code}")
    if response.url.startswith("/accounts/2fa/"):
        from payvand.accounts.models import User
        from payvand.testing.twofactor import code_for

        code = code_for(User.objects.get(email__iexact=email))
        response = client.post(response.url, {"code": code})
        if response.status_code != 302:
            raise ServerError(f"second factor of {email} answered {response.status_code}")


def client_fetch(client: Client, path: str) -> Callable[[], bytes]:
    def fetch() -> bytes:
        response = client.get(path)
        if response.status_code != 200:
            raise ServerError(f"test client: GET {path} answered {response.status_code}")
        return response.content

    return fetch


# Through `payvand serve` over loopback HTTP.


def live_figures(ctx: Context) -> list[Figure]:
    server = ctx.live_server()
    anonymous = server.session()
    figures = [
        page_figure(ctx, "login page (anonymous) · live server", live_fetch(anonymous, LOGIN_PATH))
    ]
    for slug in DASHBOARD_USERS:
        session = server.session()
        session.login(demo_email(slug), DEMO_PASSWORD)
        figures.append(
            page_figure(
                ctx, f"dashboard ({slug}) · live server", live_fetch(session, DASHBOARD_PATH)
            )
        )
    return figures


def live_fetch(session: HttpSession, path: str) -> Callable[[], bytes]:
    return lambda: session.get_ok(path)
