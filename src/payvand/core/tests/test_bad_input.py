"""Bad input in every form: never a server error, never a payload run as markup, never
half a write.

Generated from the URL matrix (test_url_matrix.py and each app's tests/url_matrix.py):
every URL that is a page is opened as a role allowed to use it, in an organisation set
up the way the matrix sets it up, and each form on it that posts back to it (or a search
form that reads it) is submitted once as rendered, then once per field and payload
(payvand/testing/payloads.py) with that one field replaced. A URL that only takes POSTs
is reached through the page that carries its form (HOSTS); fields that count only in
another mode of a form are tried again in that mode (MODES); query parameters a page
reads itself are tried too (QUERY_PARAMS). Uploads get bad files, and the case import
a well-formed file with bad cells.

Each submission runs in a savepoint that is rolled back afterwards, so every one starts
from the same state and an accepted payload does not change what the next one meets.
For each we assert:
- no 5xx, and no exception out of the view;
- a POST is answered by a form error (a page that says what is wrong) or a redirect;
- no markup payload appears unescaped, and no javascript: link, in the response or on
  the page it redirects to;
- a redirect stays on this site;
- a refused submission (form error, a redirect with an error message, a 4xx) leaves the
  row count of every table as it was (reads are audited, so the audit trail is exempt).

Choice fields that share their options (the dozens of screening indicators), the times
of day of a week and the forms of a formset are tried one of a kind; every other field
on its own. test_bad_input_harness.py shows that each check fails on a broken form.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.template import Template
from django.test.utils import _TestState
from django.urls import Resolver404, get_resolver, resolve, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from payvand.core import crypto
from payvand.core.permissions import Role
from payvand.core.tests.test_url_matrix import MATRIX, _core_kwargs, _kwargs_from_apps, _names
from payvand.testing.factories import (
    PASSWORD,
    MembershipFactory,
    OrganisationFactory,
    case,
    member,
)
from payvand.testing.htmlforms import Field, Form, forms_of
from payvand.testing.matrix import ANON
from payvand.testing.payloads import MARKERS, bad_csv_files, bad_files, payloads_for

# The role that tries a URL: the first of these allowed to use it in its own organisation.
PREFERENCE = [Role.SUPERVISOR, Role.CASEWORKER, Role.ORG_ADMIN, Role.PLATFORM_ADMIN,
              Role.ANALYST, ANON]  # fmt: skip


def _org_page(kwargs, org):
    return {"public_id": org.public_id}


# A URL that only takes POSTs: the page that carries its form, and that page's kwargs
# made from the POST URL's kwargs and the organisation.
HOSTS: dict[str, tuple[str, Callable]] = {
    "accounts:logout": ("dashboard:home", lambda kw, org: {}),
    "language_switch": ("dashboard:home", lambda kw, org: {}),
    "orgs:set_active": ("orgs:detail", lambda kw, org: {"public_id": kw["public_id"]}),
    "staff:set_active": ("staff:list", lambda kw, org: {"org_id": kw["org_id"]}),
    "staff:sessions_end": ("staff:list", lambda kw, org: {"org_id": kw["org_id"]}),
    "staff:two_factor_reset": ("staff:list", lambda kw, org: {"org_id": kw["org_id"]}),
    "accounts:recovery_codes": ("accounts:security", lambda kw, org: {}),
    "accounts:sessions_end": ("accounts:security", lambda kw, org: {}),
    "cases:status": ("cases:detail", lambda kw, org: {"public_id": kw["public_id"]}),
    "consent:withdraw": ("cases:detail", lambda kw, org: {"public_id": kw["case_id"]}),
    "screening:decide": ("screening:detail", lambda kw, org: kw),
    "assistance:task_done": ("assistance:task_list", lambda kw, org: {"case_id": kw["case_id"]}),
    "assistance:task_reopen": ("assistance:task_list", lambda kw, org: {"case_id": kw["case_id"]}),
    "plans:item_delete": ("cases:detail", lambda kw, org: {"public_id": kw["case_id"]}),
    "plans:plan_submit": ("cases:detail", lambda kw, org: {"public_id": kw["case_id"]}),
    "plans:plan_approve": ("cases:detail", lambda kw, org: {"public_id": kw["case_id"]}),
    "plans:plan_revise": ("cases:detail", lambda kw, org: {"public_id": kw["case_id"]}),
    "trafficking:perpetrator_remove": ("trafficking:perpetrator_edit", lambda kw, org: kw),
    "trafficking:event_remove": ("trafficking:event_edit", lambda kw, org: kw),
    "attachments:remove": ("cases:detail", lambda kw, org: {"public_id": kw["case_id"]}),
    "referrals:act": ("referrals:detail", lambda kw, org: kw),
    "referrals:message": ("referrals:detail", lambda kw, org: kw),
    "referrals:service": ("referrals:detail", lambda kw, org: kw),
    "referrals:followup": ("referrals:detail", lambda kw, org: kw),
    "linkage:contact": ("cases:detail", lambda kw, org: {"public_id": kw["case_id"]}),
    "linkage:answer": ("linkage:requests", lambda kw, org: {}),
    "directory:service_availability": ("directory:manage", _org_page),
    "protection:panic_confirm": ("protection:panic", lambda kw, org: {"org_id": org.public_id}),
    "protection:panic_cancel": ("protection:panic", lambda kw, org: {"org_id": org.public_id}),
}

# Forms shown only in a state the matrix does not build: their fields as the template
# writes them (linkage/section.html shows "ask" only beside a match found elsewhere).
UNSHOWN_FORMS = {
    "linkage:contact": {"country": "AF", "strength": "strong"},
}


def _case_number(setup) -> dict:
    from payvand.cases.models import Case

    return {"confirm": Case.objects.get(public_id=setup.kwargs["public_id"]).number}


def _sign_in_as_target(setup) -> dict:
    return {"username": setup.target.user.email, "password": PASSWORD}


# Values that make a form valid where "as rendered" (plus a filler in empty text fields)
# is not enough. None leaves the field out; a callable gets the test's Setup.
VALID: dict[str, dict | Callable] = {
    "accounts:login": _sign_in_as_target,
    "cases:erase": _case_number,
    "protection:panic": lambda setup: {"confirm": setup.org.code, "drill": "on"},
    "trafficking:event_add": {"date_precision": "day"},
    "trafficking:event_edit": {"date_precision": "day"},
    "trafficking:victim_edit": {"sex_exploitation_types": None},
    "cases:register": {"birth_date": "", "birth_year": ""},
    "assistance:entry_add": {"amount": ""},
    "consent:record": {"guardian_name": "", "guardian_relation": ""},
}

# Fields that count only in another mode of the form (an exact birth date, a return's
# travel): the form is also submitted in that mode and those fields tried again.
MODES: dict[str, list[tuple[dict, set[str]]]] = {
    "cases:register": [
        ({"birth_precision": "exact", "birth_date": "2000-02-29", "estimated_age": ""},
         {"birth_date"}),
        ({"birth_precision": "year", "birth_year": "1990", "estimated_age": ""}, {"birth_year"}),
    ],
    "assistance:entry_add": [({"amount": "150.50", "currency": "TJS"}, {"amount", "currency"})],
    "referrals:new": [
        ({"kind": "return", "travel": "By bus to Torghundi"},
         {"travel", "answer_due", "completion_due"}),
    ],
    "consent:record": [
        ({"given_by": "guardian", "guardian_name": "Karim", "guardian_relation": "uncle"},
         {"guardian_name", "guardian_relation"}),
    ],
    "trafficking:event_add": [
        ({"date_precision": "month"}, {"occurred_on", "ended_on"}),
    ],
}  # fmt: skip

# Query parameters pages read themselves, outside any form (a page number, a filter).
QUERY_PARAMS = {
    "accounts:login": ["next"],
    "assistance:entry_add": ["type"],
    "assistance:entry_list": ["page"],
    "assistance:note_list": ["page"],
    "assistance:task_list": ["page"],
    "assistance:tasks_overdue": ["page"],
    "audit_status": ["verify"],
    "cases:list": ["page"],
    "cases:timeline": ["page", "views"],
    "directory:organisation": ["page"],
    "directory:search": ["page"],
    "orgs:subdivisions": ["country"],
    "screening:new": ["list"],
    "stats:chart_csv": ["year_from", "year_to", "country", "exploitation", "org", "source"],
    "stats:dashboard": ["year_from", "year_to", "country", "exploitation", "org", "source"],
}

# Forms whose "as rendered" cannot pass here, and why; their fields are still tried.
REFUSED_AS_RENDERED = {
    "linkage:contact": "asking needs a match found in another organisation",
    "accounts:two_factor_setup": "needs a code from the authenticator app",
}

# Tables a refused submission may add to, by design.
WRITES_WHEN_REFUSED = {
    "accounts:login": {"axes_accessattempt"},  # a failed sign-in counts towards the lock-out
}

# POSTs rightly answered by a page (200) without an error on it: what that page is. Its
# forms that post back to the same URL (a second step) are tried in turn.
SHOWN_200 = {
    "cases:register": "possible duplicates, and the form again to confirm a new case",
    "referrals:package": "the package checked and its password, shown once",
    "accounts:recovery_codes": "the new recovery codes, shown once",
}

# A page that says what is wrong: a form error, or an error (or warning) message.
_ERROR_MARK = re.compile(rb'class="(?:errors|error|[^"]*has-error[^"]*|msg msg-(?:error|warning))"')
# Reads are audited: a rejected form that shows a case writes a row naming what it read.
_NOT_COUNTED = {"audit_auditevent", "audit_auditchainhead", "django_session"}


@dataclass
class Setup:
    org: object
    target: object
    user: object
    kwargs: dict
    url: str


@dataclass
class Report:
    name: str
    problems: list[str] = field(default_factory=list)
    tried: int = 0
    accepted: int = 0
    baseline_rejected: list[str] = field(default_factory=list)

    def add(self, label: str, problem: str) -> None:
        self.problems.append(f"{label}: {problem}")


class _Undo(Exception):
    pass


@contextmanager
def _undone():
    """Run the block in a savepoint and roll it back. Services open durable atomic blocks;
    pytest-django's own test transaction allows them, and so does this savepoint.

    The process's cache of data keys is emptied afterwards: a key made inside the block
    (an organisation's first) is gone with it, and must not be used again.
    """
    block = transaction.atomic()
    block._from_testcase = True
    try:
        with block:
            yield
            raise _Undo
    except _Undo:
        pass
    finally:
        crypto.cache.forget()


def _count_sql() -> tuple[str, list[str]]:
    qn = connection.ops.quote_name
    tables = sorted(
        {
            m._meta.db_table
            for m in apps.get_models()
            if m._meta.managed and not m._meta.proxy and m._meta.db_table not in _NOT_COUNTED
        }
    )
    # Table names of our own models, quoted: no input reaches this statement.
    counts = ", ".join(f"(SELECT COUNT(*) FROM {qn(t)})" for t in tables)  # noqa: S608
    return f"SELECT {counts}", tables


def _row_counts() -> dict[str, int]:
    """Every table's row count, in one statement."""
    sql, tables = _count_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=True))


def _role_for(name: str) -> str | None:
    method, own, _other = MATRIX[name]
    wanted = (200,) if method == "GET" else (200, 302)
    for role in PREFERENCE:
        status = own.get(role, 302 if role == ANON else None)
        if status in wanted:
            return role
    return None


def _signed_in(client, role, org):
    user = None
    if role != ANON:
        user = member(role, org)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return user


def _matrix_setup(client, name: str, role: str) -> Setup:
    """The organisation, objects and caller the matrix builds for ``name``."""
    org = OrganisationFactory()
    OrganisationFactory(country="AF", subdivision="AF-KAB")  # somewhere to refer to
    target = MembershipFactory(organisation=org, role=Role.CASEWORKER)
    MembershipFactory(organisation=org, role=Role.ORG_ADMIN)
    if name in SPECIAL:
        user, kwargs = SPECIAL[name](client, org, target)
    else:
        user = _signed_in(client, role, org)
        converters = dict(_names(get_resolver().url_patterns))[name]
        kwargs = _kwargs_from_apps(name, converters, org, target)
        if kwargs is None:
            kwargs = _core_kwargs(converters, org, target)
    return Setup(org, target, user, kwargs, reverse(name, kwargs=kwargs))


def _receiver_of_referral(kind: str):
    """The receiving organisation's supervisor on an accepted referral (the matrix's
    referral is the sender's); a return hand-over also needs the sender's plan."""

    def setup(client, org, target):
        import datetime as dt

        from django.utils import timezone

        from payvand.plans.services import reintegration_plan_save
        from payvand.referrals.services import referral_transition
        from payvand.referrals.tests.helpers import consent_to, send

        worker = target.user
        c = case(org, owner=worker)
        receiver = OrganisationFactory(country="AF", subdivision="AF-KAB")
        consent_to(c, worker, receiver)
        travel = "By bus to Torghundi, met at the border" if kind == "return" else ""
        # Dates as the services see them (the time zone active, not the server's UTC day;
        # after 19:00 UTC it is already tomorrow in the region).
        today = timezone.localdate()
        answer_due = today + dt.timedelta(days=7)
        referral = send(c, worker, receiver, kind=kind, answer_due=answer_due, travel=travel)
        if kind == "return":
            reintegration_plan_save(case=c, by=worker, start_on=today, goals="Work")
        supervisor = member(Role.SUPERVISOR, receiver)
        referral_transition(referral=referral, action="accept", by=supervisor)
        client.force_login(supervisor, backend="django.contrib.auth.backends.ModelBackend")
        return supervisor, {"public_id": referral.public_id}

    return setup


SPECIAL = {
    "referrals:service": _receiver_of_referral("referral"),
    "referrals:followup": _receiver_of_referral("return"),
}


def _html(response) -> bytes:
    if "html" not in response.get("Content-Type", ""):
        return b""
    return b"".join(response) if response.streaming else response.content


# A link that runs script when followed: a URL field that let "javascript:" through.
_SCRIPT_URL = re.compile(rb"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.I)


def _check_page(report: Report, label: str, response) -> None:
    body = _html(response)
    path = response.request["PATH_INFO"]
    for marker in MARKERS:
        if marker.encode() in body:
            report.add(label, f"payload {marker!r} unescaped in {path}")
    if _SCRIPT_URL.search(body):
        report.add(label, f"a javascript: link in {path}")


def _error_text(response) -> str:
    """The errors a page shows, as text (to say why a form was refused)."""
    found = re.findall(
        r'class="(?:errors|error|msg msg-error)"[^>]*>(.*?)</(?:div|li)>',
        _html(response).decode(errors="replace"),
        flags=re.S,
    )
    return " | ".join(re.sub(r"<[^>]+>|\s+", " ", f).strip()[:200] for f in found)


def _error_messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level >= message_levels.ERROR]


def _local(location: str) -> bool:
    return url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"})


def _fill(form: Form, data: dict[str, list[str]]) -> dict[str, list[str]]:
    """Text fields left empty get a plausible value, so the baseline can pass."""
    today = timezone.localdate().isoformat()
    fillers = {"date": today, "number": "1", "email": "fuzz@example.org",
               "url": "https://example.org", "tel": "+992372210000",
               "password": "correct horse battery staple"}  # fmt: skip
    for f in form.fields.values():
        if f.kind in ("text", "textarea", "search", *fillers) and not (data.get(f.name) or [""])[0]:
            kind = "tel" if "phone" in f.name else f.kind
            data[f.name] = [fillers.get(kind, "Test")]
    return data


def _with(data: dict, values: dict) -> dict:
    data = dict(data)
    for key, value in values.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value if isinstance(value, list) else [value]
    return data


_FORMSET_INDEX = re.compile(r"-\d+-")
# Inputs parsed alike wherever they are (a service's opening hours, one per weekday).
_ONE_OF_A_KIND = {"time", "color", "range", "week", "month", "datetime-local"}


def _fields_to_try(form: Form) -> list[Field]:
    """Every field, but one of each shape among choices that share their options (the
    screening's indicators), one time of day, and the first form of a formset."""
    seen: set = set()
    chosen = []
    for f in form.fields.values():
        if f.name == "csrfmiddlewaretoken" or f.kind == "file":
            continue
        if f.is_choice:
            shape = f.signature()
        elif f.kind in _ONE_OF_A_KIND:
            shape = f.kind
        else:
            shape = _FORMSET_INDEX.sub("-N-", f.name)
        if shape in seen:
            continue
        seen.add(shape)
        chosen.append(f)
    return chosen


class Fuzzer:
    def __init__(self, client, report: Report, name: str):
        self.client = client
        self.report = report
        self.name = name

    def submit(self, label, method, url, data, *, files=None, extra=None) -> str:
        """One submission, rolled back. Returns "accepted", "rejected" or "failed"."""
        self.report.tried += 1
        self.last_errors = ""
        self.shown = None
        cookies = SimpleCookie(self.client.cookies.output(header="", sep="\n"))
        outcome = "failed"
        with _undone():
            before = _row_counts()
            try:
                if method == "post":
                    payload = dict(data) | (files or {})
                    response = self.client.post(url, payload, **(extra or {}))
                else:
                    response = self.client.get(url, data)
            except Exception as exc:
                self.report.add(label, f"{type(exc).__name__}: {str(exc)[:300]}")
                return outcome
            outcome = self._judge(label, method, response, before)
        self.client.cookies = cookies
        return outcome

    def _judge(self, label, method, response, before) -> str:
        status = response.status_code
        if status >= 500:
            self.report.add(label, f"status {status}")
            return "failed"
        _check_page(self.report, label, response)
        if status in (301, 302, 303):
            location = response["Location"]
            if not _local(location):
                self.report.add(label, f"redirects off the site: {location[:100]!r}")
                return "failed"
            if _error_messages(response):
                self.last_errors = " ".join(_error_messages(response))
                return self._rejected(label, before)
            followed = self.client.get(location)
            if followed.status_code >= 500:
                self.report.add(label, f"the page it redirects to answers {followed.status_code}")
            _check_page(self.report, label, followed)
            self.report.accepted += 1
            return "accepted"
        if method == "get":
            return self._rejected(label, before, response)
        if status == 200 and "html" not in response.get("Content-Type", ""):
            self.report.accepted += 1
            return "accepted"  # a file made from the form (a package)
        if status == 200 and not _ERROR_MARK.search(_html(response)):
            if self.name in SHOWN_200:
                self.shown = response
                self.report.accepted += 1
                return "accepted"
            self.report.add(label, "answered 200 with neither a form error nor a redirect")
        elif status not in (200, 400, 403, 404, 413):
            self.report.add(label, f"unexpected status {status}")
        return self._rejected(label, before, response)

    def _rejected(self, label, before, response=None) -> str:
        if response is not None:
            self.last_errors = _error_text(response)
        after = _row_counts()
        allowed = WRITES_WHEN_REFUSED.get(self.name, set())
        changed = {
            t: (before[t], after[t]) for t in before if before[t] != after[t] and t not in allowed
        }
        if changed:
            self.report.add(label, f"rejected, yet rows changed: {changed}")
        return "rejected"

    def fuzz(
        self, page_url, form: Form, valid: dict, files=None, depth: int = 0, only=None
    ) -> None:
        """Submit ``form`` as rendered (with ``valid`` on top), then each field (or those
        in ``only``) with each of its payloads."""
        url = urljoin(page_url, form.action) if form.action else page_url
        base = _with(_fill(form, form.baseline()), valid)
        tag = f"{form.method.upper()} {urlsplit(url).path}"
        if only:
            tag += f" ({', '.join(f'{k}={v}' for k, v in valid.items() if k not in only)})"
        outcome = self.submit(f"{tag} as rendered", form.method, url, base, files=_fresh(files))
        if outcome != "accepted" and form.method == "post" and self.name not in REFUSED_AS_RENDERED:
            self.report.baseline_rejected.append(f"{tag}: {self.last_errors}")
        second_steps = []
        if self.shown is not None and depth == 0:
            second_steps = [
                f for f in forms_of(self.shown.content.decode()) if f.method == "post" and (
                    not f.action or urljoin(url, f.action) == url
                )
            ]  # fmt: skip
        for f in _fields_to_try(form):
            if only and f.name not in only:
                continue
            for p in payloads_for(f):
                data = base | {f.name: [p.value]}
                self.submit(f"{tag} {f.name}={p.name}", form.method, url, data, files=_fresh(files))
        for step in second_steps:
            self.fuzz(url, step, {}, depth=1)


def _fresh(files: dict | None) -> dict | None:
    """Uploads are read once: a new file object for each submission."""
    if not files:
        return None
    return {
        key: SimpleUploadedFile(name, content, content_type="application/octet-stream")
        for key, (name, content) in files.items()
    }


# A file each upload form accepts, so that its other fields are what gets tried.
GOOD_FILES = {
    "attachments:add": ("note.txt", b"A plain note about the case."),
}


def _good_file(client, name: str, form: Form) -> dict | None:
    file_fields = [f.name for f in form.fields.values() if f.kind == "file"]
    if not file_fields:
        return None
    if name == "cases:import":
        template = Path(__file__).resolve().parents[4] / "docs" / "import-template.csv"
        return {file_fields[0]: ("cases.csv", template.read_bytes())}
    if name == "screening:catalogue":
        from payvand.screening.tests.helpers import catalogue_v1

        export = reverse("screening:catalogue_export", kwargs={"number": catalogue_v1().number})
        return {file_fields[0]: ("catalogue.json", client.get(export).content)}
    return {file_fields[0]: GOOD_FILES[name]}


def _resolves_to(url: str, names: set[str]) -> bool:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return False
    return match.view_name in names


def _forms_on(client, url: str, report: Report) -> list[Form]:
    response = client.get(url)
    if response.status_code >= 500:
        report.add(f"GET {url}", f"status {response.status_code}")
        return []
    if response.status_code != 200:
        return []
    return forms_of(response.content.decode())


def _own_forms(forms: list[Form], page_url: str, name: str) -> list[Form]:
    """Forms that send to ``name`` (an empty action sends to the page itself)."""
    return [
        f
        for f in forms
        if _resolves_to(urljoin(page_url, f.action) if f.action else page_url, {name})
    ]


def _valid(name: str, setup: Setup) -> dict:
    values = VALID.get(name, {})
    return values(setup) if callable(values) else dict(values)


def _form_names():
    names = {name for name, _ in _names(get_resolver().url_patterns)}
    return sorted(n for n in names if (n in MATRIX and _role_for(n) is not None) or n in SPECIAL)


@pytest.fixture
def plain_templates(monkeypatch):
    """Templates rendered without the test client's instrumentation, which copies every
    template's context on every render (a fifth of the run's time)."""
    monkeypatch.setattr(Template, "_render", _TestState.saved_data.template_render)


def _host_forms(client, name: str, setup: Setup) -> tuple[str, list[Form]]:
    host, host_kwargs = HOSTS[name]
    page_url = reverse(host, kwargs=host_kwargs(setup.kwargs, setup.org))
    forms = [
        f
        for f in forms_of(client.get(page_url).content.decode())
        if f.method == "post" and f.action and urljoin(page_url, f.action) == setup.url
    ][:1]
    if not forms and name in UNSHOWN_FORMS:
        shown = Form("post", setup.url, "application/x-www-form-urlencoded")
        for key, value in UNSHOWN_FORMS[name].items():
            shown.fields[key] = Field(key, "hidden", values=[value])
        forms = [shown]
    assert forms, f"no form posting to {setup.url} on {page_url}"
    return page_url, forms


@pytest.mark.django_db
@pytest.mark.parametrize("name", _form_names())
def test_bad_input_in_every_field_is_refused_cleanly(client, plain_templates, name):
    method = MATRIX[name][0]
    if method == "POST" and name not in HOSTS:
        pytest.fail(f"{name} takes POSTs: say in HOSTS which page carries its form")
    setup = _matrix_setup(client, name, _role_for(name))
    report = Report(name)
    fuzzer = Fuzzer(client, report, name)
    valid = _valid(name, setup)
    if method == "GET":
        page_url = setup.url
        for form in _own_forms(_forms_on(client, page_url, report), page_url, name):
            files = _good_file(client, name, form)
            fuzzer.fuzz(page_url, form, valid, files)
            for values, only in MODES.get(name, []) if form.method == "post" else []:
                fuzzer.fuzz(page_url, form, valid | values, files, only=only)
            if form.method == "get":
                # A choice made by GET (the screening's list) opens the form that posts.
                response = client.get(page_url, _fill(form, form.baseline()))
                if response.status_code == 200:
                    next_url = response.wsgi_request.get_full_path()
                    for inner in forms_of(response.content.decode()):
                        if inner.method == "post" and not inner.action:
                            fuzzer.fuzz(next_url, inner, valid)
        for param in QUERY_PARAMS.get(name, []):
            for p in payloads_for(Field(param, "query")):
                label = f"GET {urlsplit(page_url).path}?{param}={p.name}"
                fuzzer.submit(label, "get", page_url, {param: [p.value]})
    else:
        page_url, forms = _host_forms(client, name, setup)
        for form in forms:
            fuzzer.fuzz(page_url, form, valid)
    print(f"{name}: {report.tried} submissions, {report.accepted} accepted")
    refused = [f"the form as rendered is refused: {r}" for r in report.baseline_rejected]
    assert not refused + report.problems, "\n".join(refused + report.problems[:40])


# The upload forms and the largest file each takes.
UPLOADS = {
    "cases:import": lambda: 20 * 1024 * 1024,
    "screening:catalogue": lambda: 1024 * 1024,
    "attachments:add": lambda: settings.ATTACHMENT_MAX_BYTES,
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(UPLOADS))
def test_bad_files_are_refused_cleanly(client, plain_templates, name):
    setup = _matrix_setup(client, name, _role_for(name))
    report = Report(name)
    fuzzer = Fuzzer(client, report, name)
    forms = [f for f in _own_forms(_forms_on(client, setup.url, report), setup.url, name)
             if any(x.kind == "file" for x in f.fields.values())]  # fmt: skip
    assert forms, f"no upload form on {setup.url}"
    form = forms[0]
    file_field = next(f.name for f in form.fields.values() if f.kind == "file")
    base = _with(_fill(form, form.baseline()), _valid(name, setup))
    limit = UPLOADS[name]()
    for case_name, filename, content in bad_files(limit):
        outcome = fuzzer.submit(
            f"upload {case_name}", "post", setup.url, base,
            files=_fresh({file_field: (filename, content)}),
        )  # fmt: skip
        if case_name in ("too_big", "empty") and outcome == "accepted":
            report.add(f"upload {case_name}", "accepted")
    if name == "cases:import":
        # A well-formed file with bad values: each cell of a row, then whole-file oddities.
        template = _good_file(client, name, form)[file_field][1]
        for case_name, content in bad_csv_files(template):
            fuzzer.submit(
                f"import {case_name}", "post", setup.url, base,
                files=_fresh({file_field: ("cases.csv", content)}),
            )  # fmt: skip
    if name == "attachments:add":
        # A request that says it carries more than the limit is refused before its body
        # is read (the other upload forms read the body first: the test client cannot
        # send less than it declares).
        fuzzer.submit(
            "upload declared too big", "post", setup.url, base,
            files=_fresh({file_field: ("big.txt", b"small")}),
            extra={"CONTENT_LENGTH": str(limit * 10)},
        )  # fmt: skip
    assert not report.problems, "\n".join(report.problems)


def test_every_page_with_query_parameters_is_a_url():
    names = {name for name, _ in _names(get_resolver().url_patterns)}
    assert set(QUERY_PARAMS) - names == set(), "these QUERY_PARAMS rows have no URL any more"
