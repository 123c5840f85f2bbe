"""Simulated staff in a browser, over loopback HTTP: sign in (password, then the code of
the authenticator app), read pages, fill in forms as rendered, and record every request.

Standard library only (http.client, html.parser): the load is small enough for threads,
and nothing more needs installing. gunicorn's sync workers close the connection after
each response, so each request opens its own, as a browser behind them would.
"""

import hashlib
import hmac
import http.client
import random
import re
import struct
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

REQUEST_TIMEOUT = 60.0
HOST = "127.0.0.1"

CASE_LINK = re.compile(r'href="/cases/([0-9a-f]{8}-[0-9a-f-]{27})/"')
REFERRAL_LINK = re.compile(r'href="/referrals/([0-9a-f]{8}-[0-9a-f-]{27})/"')
CASE_NUMBER = re.compile(r"\b[A-Z]{2}-[A-Z]{3}-\d{4}-\d{5}\b")
ERRORS = re.compile(r'<div class="errors?"[^>]*>(.*?)</div>', re.S)
CONFIRM_NEW = re.compile(r'<input[^>]*type="checkbox"[^>]*name="confirm_new"')
TAGS = re.compile(r"<[^>]+>")
# What a stack trace or a debug page would show; the 503 page must show none of it.
LEAKS = ("Traceback", "OperationalError", "InterfaceError", "psycopg", "Exception Value")

# Names as the region writes them, several scripts; the search finds them across scripts.
GIVEN = ["Zarina", "Гулнора", "Мадина", "Shabnam", "شبنم", "Nargis", "Нигора", "Aziza",
         "Malika", "پریسا", "Sitora", "Dilnoza", "Fatima", "Муҳаммад", "Ahmad", "محمد"]  # fmt: skip
FAMILY = ["Rahimova", "Назарова", "Karimi", "کریمی", "Yusupova", "Ahmadi", "احمدی",
          "Sultonova", "Юсупова", "Qureshi", "Berdiýewa", "Saidova"]  # fmt: skip
SEARCHES = ["Muhammad", "Мухаммад", "محمد", "Gulnora", "Назарова", "Zarina", "Ahmadi",
            "Fatima", "Aziz", "Karimov", "Rahim", "Sultonova"]  # fmt: skip
CITIZENSHIPS = ["AF", "PK", "TJ", "UZ", "TM", "KZ"]


def totp(key_hex: str, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """The code an authenticator app shows (RFC 6238, HMAC-SHA1, as django-otp's TOTP)."""
    counter = int((time.time() if at is None else at) // step)
    mac = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = (struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return f"{value:0{digits}d}"


# ---------------------------------------------------------------- forms as a browser reads them


@dataclass
class Form:
    action: str
    method: str
    pairs: list[tuple[str, str]] = field(default_factory=list)  # sent as rendered
    options: dict[str, list[str]] = field(default_factory=dict)  # select/radio/checkbox

    def names(self) -> set[str]:
        return {name for name, _ in self.pairs} | set(self.options)

    def data(self, **overrides: str | Iterable[str] | None) -> list[tuple[str, str]]:
        """The rendered values with some fields replaced (None: leave the field out)."""
        pairs = [(k, v) for k, v in self.pairs if k not in overrides]
        for name, value in overrides.items():
            if value is None:
                continue
            if isinstance(value, str):
                pairs.append((name, value))
            else:
                pairs.extend((name, v) for v in value)
        return pairs


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: tuple[str, list[str]] | None = None
        self._select: tuple[str, bool, list[str], list[str]] | None = None
        self._option: tuple[str | None, bool, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").lower())
            self.forms.append(self._form)
        if self._form is None or ("name" not in a and tag != "option"):
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio"):
                self._form.options.setdefault(a["name"], []).append(a.get("value", "on"))
                if "checked" in a:
                    self._form.pairs.append((a["name"], a.get("value", "on")))
            else:
                self._form.pairs.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea = (a["name"], [])
        elif tag == "select":
            self._select = (a["name"], "multiple" in a, [], [])
        elif tag == "option" and self._select is not None:
            self._option = (a.get("value"), "selected" in a, [])

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)
        if self._option is not None:
            self._option[2].append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None and self._form is not None:
            name, text = self._textarea
            self._form.pairs.append((name, "".join(text).removeprefix("\n")))
            self._textarea = None
        elif tag == "option" and self._option is not None and self._select is not None:
            value, selected, text = self._option
            value = "".join(text).strip() if value is None else value
            self._select[2].append(value)
            if selected:
                self._select[3].append(value)
            self._option = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, multiple, options, selected = self._select
            self._form.options[name] = options
            if not selected and options and not multiple:
                selected = [options[0]]
            self._form.pairs.extend((name, v) for v in selected)
            self._select = None
        elif tag == "form":
            self._form = None


def forms_of(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


# ---------------------------------------------------------------- requests and what they gave


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    set_cookies: list[str]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        """The redirect's path (with its query), whatever host it names."""
        parts = urlsplit(self.headers.get("location", ""))
        return parts.path + (f"?{parts.query}" if parts.query else "")


def unavailable_page_problem(response: Response) -> str | None:
    """None if this is the clear 503 page the brief asks for; else what is wrong."""
    if response.status != 503:
        return f"status {response.status}"
    if not response.headers.get("retry-after", "").isdigit():
        return "no Retry-After"
    if not response.headers.get("content-type", "").startswith("text/html"):
        return f"content type {response.headers.get('content-type')}"
    text = response.text
    if "<h1>" not in text or 'role="alert"' not in text:
        return "not the 503 page"
    leaked = [word for word in LEAKS if word in text]
    return f"shows {', '.join(leaked)}" if leaked else None


@dataclass
class Sample:
    label: str
    method: str
    started: float  # time.time() when sent
    ms: float
    status: int | None
    outcome: str  # ok | unavailable | refused | error
    detail: str = ""


class Recorder:
    """Every request of every simulated person, and every write acknowledged to them."""

    def __init__(self) -> None:
        self.samples: list[Sample] = []
        self.acked: list[dict] = []
        self._lock = threading.Lock()

    def add(self, sample: Sample) -> None:
        with self._lock:
            self.samples.append(sample)

    def ack(self, **write) -> None:
        with self._lock:
            self.acked.append(write)


class Browser:
    """One person's browser: cookies, one connection per request, every request recorded.

    ``expect``: the statuses a working server answers (200 for a page, 302 after a form
    was accepted). A 503 that is the clear "briefly unavailable" page is recorded as
    ``unavailable``; a 200 answering a form is ``refused`` (the form came back with
    errors); anything else, or no answer at all, is an ``error``.
    """

    def __init__(self, port: int, recorder: Recorder) -> None:
        self.port = port
        self.recorder = recorder
        self.cookies: dict[str, str] = {}
        self.last: Response | None = None

    def send(
        self, method: str, path: str, label: str, *, data=None, expect=(200,), shown_again=None
    ) -> Response | None:
        """``shown_again``: for a form the server may rightly show again (possible
        duplicates to look at), a test of the page that says it was that."""
        body = urlencode(data).encode() if data is not None else None
        headers = {"Connection": "close", "User-Agent": "payvand-faults"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{HOST}:{self.port}{path}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started, clock = time.time(), time.perf_counter()
        conn = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            response = Response(
                raw.status,
                {k.lower(): v for k, v in raw.getheaders()},
                raw.read(),
                raw.headers.get_all("Set-Cookie") or [],
            )
        except (OSError, http.client.HTTPException) as error:
            ms = (time.perf_counter() - clock) * 1000
            detail = f"no answer: {type(error).__name__}: {error}"
            self.recorder.add(Sample(label, method, started, ms, None, "error", detail))
            self.last = None
            return None
        finally:
            conn.close()
        ms = (time.perf_counter() - clock) * 1000
        self.last = response
        self._keep_cookies(response.set_cookies)
        outcome, detail = self._judge(method, response, expect, shown_again)
        self.recorder.add(Sample(label, method, started, ms, response.status, outcome, detail))
        return response

    def _judge(self, method: str, response: Response, expect, shown_again) -> tuple[str, str]:
        if response.status in expect:
            return "ok", ""
        if method == "POST" and response.status == 200 and shown_again and shown_again(response):
            return "ok", "shown again on purpose"
        if response.status == 503:
            problem = unavailable_page_problem(response)
            return ("unavailable", "") if problem is None else ("error", f"503 {problem}")
        if method == "POST" and response.status == 200:
            errors = " / ".join(TAGS.sub("", e).strip() for e in ERRORS.findall(response.text))
            return "refused", errors[:300] or "form shown again"
        where = f" to {response.location}" if response.status in (301, 302, 303) else ""
        return "error", f"status {response.status}{where}"

    def _keep_cookies(self, headers: list[str]) -> None:
        for header in headers:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def page(self, path: str, label: str) -> Response | None:
        response = self.send("GET", path, label)
        return response if response is not None and response.status == 200 else None

    def submit(self, form: Form, page_path: str, label: str, data, shown_again=None):
        action = form.action or page_path
        return self.send(
            "POST", action, label, data=data, expect=(302, 303), shown_again=shown_again
        )


class SignInFailed(RuntimeError):
    pass


class Unavailable(SignInFailed):
    """The server answered 503 while signing in: the database is away for a moment."""


def _unless_unavailable(response: Response | None) -> None:
    if response is not None and response.status == 503:
        raise Unavailable("503 while signing in")


def sign_in(browser: Browser, account: dict, patience: float = 180.0) -> None:
    """Sign in; on a 503 (the database away) wait and start again, as a person would.

    She waits for her app's next code: the one she typed may have been used up even
    though the answer was lost (django-otp accepts each code once).
    """
    deadline = time.monotonic() + patience
    while True:
        try:
            return _sign_in_once(browser, account)
        except Unavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(30 - time.time() % 30 + 1)


def _sign_in_once(browser: Browser, account: dict) -> None:
    """The login form, then the second-factor page with the app's current code."""
    page = browser.page("/accounts/login/", "sign in page")
    _unless_unavailable(browser.last)
    form = next((f for f in forms_of(page.text) if "username" in f.names()), None) if page else None
    if form is None:
        raise SignInFailed("no login form")
    response = browser.submit(
        form,
        "/accounts/login/",
        "sign in",
        form.data(username=account["email"], password=account["password"]),
    )
    _unless_unavailable(response)
    if response is None or response.status != 302:
        raise SignInFailed(f"login answered {response.status if response else 'nothing'}")
    path = response.location or "/"
    for _hop in range(6):
        if path.startswith("/accounts/2fa/setup"):
            raise SignInFailed("the account has no authenticator")
        if path.startswith("/accounts/2fa/"):
            page = browser.page(path, "second factor page")
            _unless_unavailable(browser.last)
            form = (
                next((f for f in forms_of(page.text) if "code" in f.names()), None)
                if page
                else None
            )
            if form is None or not account.get("totp_key"):
                raise SignInFailed("no second-factor form, or no key for it")
            response = browser.submit(
                form, path, "second factor", form.data(code=totp(account["totp_key"]))
            )
        else:
            response = browser.send("GET", path, "sign in: landing page", expect=(200, 302))
        _unless_unavailable(response)
        if response is None:
            raise SignInFailed(f"no answer at {path}")
        if response.status == 200:
            if path.startswith("/accounts/"):
                raise SignInFailed(f"stuck at {path}")
            return
        if response.status != 302:
            raise SignInFailed(f"{path} answered {response.status}")
        path = response.location
    raise SignInFailed("too many redirects")


# ---------------------------------------------------------------- what a person does


class Person:
    """A member of staff at work: the actions are the pages of an ordinary day.

    Supervisors see every case of their organisation and send referrals; caseworkers
    see the cases assigned to them (and those they register).
    """

    def __init__(self, account: dict, browser: Browser, rng: random.Random) -> None:
        self.account = account
        self.browser = browser
        self.rng = rng
        self.cases: list[str] = []  # seen in lists
        self.own_cases: list[str] = []  # registered by this person
        self.numbers: list[str] = []
        self.referrals: list[str] = []  # seen in the referral list
        self.attempts = 0  # sendings of the last form
        self.own_referrals: list[str] = []  # sent by this person

    @property
    def supervisor(self) -> bool:
        return self.account["role"] == "supervisor"

    def _harvest(self, response: Response | None) -> None:
        if response is None:
            return
        text = response.text
        for found, into in ((CASE_LINK, self.cases), (REFERRAL_LINK, self.referrals)):
            for value in found.findall(text):
                if value not in into:
                    into.append(value)
        for number in CASE_NUMBER.findall(text):
            if number not in self.numbers:
                self.numbers.append(number)
        for into in (self.cases, self.referrals, self.numbers):
            del into[:-200]

    # reading
    def dashboard(self) -> None:
        self.browser.page("/", "dashboard")

    def case_list(self) -> None:
        page = self.rng.choice(["", "?page=2", "?page=3"])
        self._harvest(self.browser.page(f"/cases/{page}", "case list"))

    def search_name(self) -> None:
        query = urlencode({"name": self.rng.choice(SEARCHES)})
        self._harvest(self.browser.page(f"/cases/?{query}", "search by name"))

    def search_number(self) -> None:
        if not self.numbers:
            return self.case_list()
        query = urlencode({"number": self.rng.choice(self.numbers)})
        self._harvest(self.browser.page(f"/cases/?{query}", "search by case number"))

    def case_page(self) -> None:
        pool = self.own_cases if self.own_cases and self.rng.random() < 0.3 else self.cases
        if not pool:
            return self.case_list()
        self.browser.page(f"/cases/{self.rng.choice(pool)}/", "case page")

    def referral_list(self) -> None:
        self._harvest(self.browser.page("/referrals/", "referral list"))

    def referral_page(self) -> None:
        pool = self.own_referrals or self.referrals
        if not pool:
            return self.referral_list()
        self.browser.page(f"/referrals/{self.rng.choice(pool)}/", "referral page")

    # writing
    def register_case(self, retry_until: float = 0.0) -> str | None:
        path = "/cases/new/"
        page = self.browser.page(path, "register form")
        form = (
            next((f for f in forms_of(page.text) if "given_name" in f.names()), None)
            if page
            else None
        )
        if form is None:
            return None
        age = self.rng.randint(14, 45)
        citizenships = [c for c in CITIZENSHIPS if c in form.options.get("citizenship", [])]
        data = form.data(
            given_name=self.rng.choice(GIVEN),
            family_name=self.rng.choice(FAMILY),
            father_name=self.rng.choice(GIVEN),
            gender=self.rng.choice([o for o in form.options.get("gender", []) if o] or [""]),
            birth_precision="estimated",
            estimated_age=str(age),
            citizenship=[self.rng.choice(citizenships)] if citizenships else None,
            identification_source=self.rng.choice(
                [o for o in form.options.get("identification_source", []) if o] or [""]
            ),
        )
        response = self._post(
            form, path, "register case", data, retry_until, shown_again=_duplicates_shown
        )
        if response is not None and response.status == 200 and _duplicates_shown(response):
            # Possible duplicates shown: she looks, and confirms it is someone new.
            again = next((f for f in forms_of(response.text) if "given_name" in f.names()), form)
            data = again.data(confirm_new="on")
            response = self._post(again, path, "register case, confirmed new", data, retry_until)
        match = re.fullmatch(r"/cases/([0-9a-f-]{36})/", response.location) if response else None
        if response is None or response.status != 302 or not match:
            return None
        public_id = match.group(1)
        submission = dict(data).get("submission_id", "")
        self._ack(kind="case", public_id=public_id, submission_id=submission)
        self.own_cases.append(public_id)
        return public_id

    def add_note(self, retry_until: float = 0.0, case: str | None = None) -> bool:
        case = case or (self.rng.choice(self.own_cases) if self.own_cases else None)
        if case is None:
            return self.register_case(retry_until) is not None
        path = f"/cases/{case}/notes/new/"
        page = self.browser.page(path, "note form")
        form = next((f for f in forms_of(page.text) if "text" in f.names()), None) if page else None
        if form is None:
            return False
        text = f"Follow-up call {uuid.uuid4().hex[:8]}: she is safe; next visit on {date.today()}."
        data = form.data(text=text)
        response = self._post(form, path, "add note", data, retry_until)
        if response is None or response.status != 302:
            return False
        self._ack(kind="note", case=case, submission_id=dict(data).get("submission_id", ""))
        return True

    def send_referral(self, retry_until: float = 0.0, case: str | None = None) -> str | None:
        case = case or (self.rng.choice(self.own_cases) if self.own_cases else None)
        if case is None or not self.supervisor:
            return None
        path = f"/referrals/new/{case}/"
        page = self.browser.page(path, "referral form")
        form = (
            next((f for f in forms_of(page.text) if "to_org" in f.names()), None) if page else None
        )
        if form is None:
            return None
        services = [o for o in form.options.get("services", []) if o]
        data = form.data(
            to_org=self.rng.choice([o for o in form.options.get("to_org", []) if o]),
            kind="referral",
            services=self.rng.sample(services, k=min(2, len(services))),
            sections=[s for s in form.options.get("sections", []) if s == "identity"],
            reason="Shelter and legal aid on arrival; she asked for a woman caseworker.",
            # Load-test users send without the recorded consent, which a supervisor may.
            override_reason="Consent given on paper at the shelter; to be recorded.",
        )
        response = self._post(form, path, "send referral", data, retry_until)
        match = (
            re.fullmatch(r"/referrals/([0-9a-f-]{36})/", response.location) if response else None
        )
        if response is None or response.status != 302 or not match:
            return None
        public_id = match.group(1)
        self._ack(
            kind="referral",
            public_id=public_id,
            case=case,
            submission_id=dict(data).get("submission_id", ""),
        )
        self.own_referrals.append(public_id)
        return public_id

    def post_message(self, retry_until: float = 0.0, referral: str | None = None) -> bool:
        referral = referral or (self.rng.choice(self.own_referrals) if self.own_referrals else None)
        if referral is None:
            return False
        path = f"/referrals/{referral}/"
        page = self.browser.page(path, "referral page")
        forms = forms_of(page.text) if page else []
        form = next((f for f in forms if f.action.endswith("/message/")), None)
        if form is None:
            return False
        data = form.data(text=f"Can you confirm the date of arrival? ({uuid.uuid4().hex[:6]})")
        response = self._post(form, path, "referral message", data, retry_until)
        if response is None or response.status != 302:
            return False
        self._ack(
            kind="message", referral=referral, submission_id=dict(data).get("submission_id", "")
        )
        return True

    def _post(self, form: Form, path: str, label: str, data, retry_until: float, shown_again=None):
        """Send the form; if nothing answered, send the same form again (its one-time id
        makes that safe) until ``retry_until`` — what a person does after a crash."""
        self.attempts = 0
        while True:
            self.attempts += 1
            response = self.browser.submit(form, path, label, data, shown_again)
            if response is not None and response.status != 503:
                return response
            if time.monotonic() >= retry_until:
                return response
            time.sleep(0.5)

    def _ack(self, **write) -> None:
        """The write was acknowledged; ``attempts`` > 1: the form was sent again after
        getting no answer (the first may have been saved, its reply lost)."""
        self.browser.recorder.ack(**write, attempts=self.attempts)


def _duplicates_shown(response: Response) -> bool:
    """The registration form came back listing possible duplicates to confirm against."""
    return CONFIRM_NEW.search(response.text) is not None


# What a day's work is made of: (weight, action). Reading dominates.
DAY = [
    (10, "dashboard"),
    (14, "case_list"),
    (12, "search_name"),
    (6, "search_number"),
    (24, "case_page"),
    (5, "referral_list"),
    (5, "referral_page"),
    (10, "add_note"),
    (6, "register_case"),
    (4, "send_referral"),
    (4, "post_message"),
]


class Crowd:
    """The people of one run: when the last has signed in, ``duration`` seconds of work
    begin for everyone (those signed in earlier are already working)."""

    def __init__(self, size: int, duration: float) -> None:
        self.size = size
        self.duration = duration
        self.failures: list[str] = []
        self.steady_from: float | None = None  # time.monotonic() when all were in
        self.until: float | None = None
        self.everyone_in = threading.Event()
        self._arrived = 0
        self._lock = threading.Lock()

    def arrived(self, failure: str | None = None) -> None:
        with self._lock:
            self._arrived += 1
            if failure:
                self.failures.append(failure)
            if self._arrived == self.size:
                self.steady_from = time.monotonic()
                self.until = self.steady_from + self.duration
                self.everyone_in.set()

    def working(self) -> bool:
        return self.until is None or time.monotonic() < self.until


def working_day(
    person: Person, crowd: Crowd, stop: threading.Event, think: tuple[float, float]
) -> None:
    """Random actions, each followed by a pause to read or type, until the crowd's end."""
    weights = [w for w, _ in DAY]
    actions = [name for _, name in DAY]
    while crowd.working() and not stop.is_set():
        name = person.rng.choices(actions, weights)[0]
        if name in ("send_referral", "post_message") and not person.supervisor:
            name = "add_note"
        getattr(person, name)()
        pause = person.rng.uniform(*think)
        if pause:
            left = crowd.until - time.monotonic() if crowd.until is not None else pause
            stop.wait(min(pause, max(0.0, left)))
