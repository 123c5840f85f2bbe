"""The real production server (`payvand serve`, i.e. gunicorn) and a stdlib HTTP client.

Benchmarks through the test client leave out the WSGI server, the socket and
static/middleware set-up as deployed; these figures include them. Loopback only.
"""

import http.client
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

if TYPE_CHECKING:
    from bench.harness import Context

HOST = "127.0.0.1"
WORKERS = 2
READY_TIMEOUT = 90.0  # collectstatic, then gunicorn importing Django
REQUEST_TIMEOUT = 15.0
STOP_TIMEOUT = 15.0
LOGIN_PATH = "/accounts/login/"
TWO_FACTOR_PATH = "/accounts/2fa/"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Lines of the server's log a reader should see (the access log is the rest).
PROBLEM = re.compile(r"\[(WARNING|ERROR|CRITICAL)\]| (WARNING|ERROR|CRITICAL) |Traceback")


class ServerError(RuntimeError):
    """The server did not start, or did not answer as a deployed one would."""


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass
class HttpSession:
    """A browser-like session against one host: cookies kept, one connection a request.

    gunicorn's sync workers close the connection after every response, as a
    browser going through them would see, so each request pays its own connect.
    """

    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> Response:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT)
        try:
            all_headers = {"Connection": "close", "User-Agent": "payvand-bench"}
            if self.cookies:
                all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            all_headers.update(headers or {})
            conn.request(method, path, body=body, headers=all_headers)
            raw = conn.getresponse()
            response = Response(raw.status, raw.headers, raw.read())
        finally:
            conn.close()
        self._keep_cookies(response.headers.get_all("Set-Cookie") or [])
        return response

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def get_ok(self, path: str) -> bytes:
        """GET that must answer 200 (a redirect to the login page is a failure)."""
        response = self.get(path)
        if response.status != 200:
            raise ServerError(f"GET {path} answered {response.status}, expected 200")
        return response.body

    def login(self, email: str, password: str) -> None:
        """Sign in through the login form, exactly as a browser does (CSRF included)."""
        page = self.get(LOGIN_PATH)
        match = CSRF_INPUT.search(page.text)
        if page.status != 200 or not match or "csrftoken" not in self.cookies:
            raise ServerError(f"login page answered {page.status} without a CSRF token")
        form = urlencode(
            {
                "csrfmiddlewaretoken": match.group(1),
                "username": email,
                "password": password,
                "next": "",
            }
        )
        response = self.request(
            "POST",
            LOGIN_PATH,
            body=form.encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": self.url(LOGIN_PATH),
            },
        )
        if response.status != 302:
            raise ServerError(f"login as {email} answered {response.status}, expected 302")
        location = response.headers.get("Location", "")
        if location.startswith(TWO_FACTOR_PATH):
            self._second_factor(email, location)

    def _second_factor(self, email: str, path: str) -> None:
        """Type the code the person's authenticator app shows (computed from its key)."""
        from payvand.accounts.models import User
        from payvand.testing.twofactor import code_for

        page = self.get(path)
        match = CSRF_INPUT.search(page.text)
        if page.status != 200 or not match:
            raise ServerError(f"second-factor page answered {page.status}")
        code = code_for(User.objects.get(email__iexact=email))
        form = urlencode({"csrfmiddlewaretoken": match.group(1), "code": code, "next": "/"})
        response = self.request(
            "POST",
            path,
            body=form.encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": self.url(path),
            },
        )
        if response.status != 302:
            raise ServerError(f"second factor of {email} answered {response.status}")

    def _keep_cookies(self, set_cookie_headers: list[str]) -> None:
        """Store what the server set and forget what it deleted (Max-Age=0)."""
        for header in set_cookie_headers:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


@dataclass
class LiveServer:
    host: str
    port: int
    log_path: Path

    def session(self) -> HttpSession:
        return HttpSession(self.host, self.port)


def free_port() -> int:
    """A port the kernel just handed out on loopback (free unless someone races us)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def payvand_executable() -> str:
    """The `payvand` script next to this interpreter (the virtualenv's), else on PATH."""
    candidate = Path(sys.executable).parent / "payvand"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("payvand")
    if not found:
        raise ServerError("the `payvand` command is not installed")
    return found


def wait_until_healthy(server: LiveServer, process: subprocess.Popen) -> None:
    """Poll /healthz until it answers 200; fail early if the server died."""
    session = server.session()
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(
                f"`payvand serve` exited with {process.returncode}:\n{log_tail(server.log_path)}"
            )
        try:
            if session.get("/healthz").status == 200:
                return
        except OSError:
            pass  # not listening yet
        time.sleep(0.2)
    raise ServerError(
        f"/healthz did not answer 200 within {READY_TIMEOUT:.0f}s:\n{log_tail(server.log_path)}"
    )


def stop(process: subprocess.Popen) -> None:
    """SIGTERM gunicorn's master (it stops its workers), SIGKILL if it lingers.

    The server runs in the worker's process group, which the runner kills as a
    last resort, so nothing outlives a run even if this is never reached.
    """
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


def log_tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def log_problems(path: Path, limit: int = 5) -> list[str]:
    """Errors and warnings in the server's log, as notes for the report."""
    found = [line for line in path.read_text(errors="replace").splitlines() if PROBLEM.search(line)]
    if not found:
        return []
    shown = "; ".join(f"`{line.strip()[:200]}`" for line in found[:limit])
    return [f"`payvand serve` logged {len(found)} error/warning line(s): {shown}"]


@contextmanager
def serve(ctx: "Context") -> Iterator[LiveServer]:
    """Run `payvand serve --bind 127.0.0.1:<free port> --workers 2` until the block ends."""
    port = free_port()
    server = LiveServer(HOST, port, ctx.data_dir / f"serve-{port}.log")
    command = [payvand_executable(), "serve", "--bind", f"{HOST}:{port}", "--workers", str(WORKERS)]
    with server.log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            env=ctx.env,
            cwd=ctx.data_dir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_healthy(server, process)
        yield server
    finally:
        stop(process)
        ctx.notes.extend(log_problems(server.log_path))
