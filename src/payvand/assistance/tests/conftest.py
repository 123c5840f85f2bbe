import datetime as dt
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from payvand.assistance import services
from payvand.assistance.models import Task
from payvand.core.permissions import Role
from payvand.testing.factories import case, member


@pytest.fixture(autouse=True)
def only_our_sections(monkeypatch):
    """The case page with this app's sections alone: other apps' sections, their queries
    and their audit rows are theirs to test."""
    from payvand.cases import sections

    ours = {k: v for k, v in sections.SECTIONS.items() if k in ("assistance", "tasks", "notes")}
    monkeypatch.setattr(sections, "SECTIONS", ours)


@pytest.fixture
def worker(org):
    return member(Role.CASEWORKER, org)


@pytest.fixture
def supervisor(org):
    return member(Role.SUPERVISOR, org)


@pytest.fixture
def the_case(org, worker):
    return case(org, owner=worker)


def overdue_task(c, by, *, days: int, title: str = "Call the lawyer", assignee=None) -> Task:
    """A task that fell due ``days`` ago (new tasks cannot be due in the past)."""
    task = services.task_add(
        case=c, by=by, title=title, due_on=timezone.localdate(), assignee=assignee
    )
    Task.objects.filter(pk=task.pk).update(due_on=timezone.localdate() - dt.timedelta(days=days))
    task.refresh_from_db()
    return task


class _Forms(HTMLParser):
    """What a browser would send for each form of a page: {action: {name: value}}."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = self.forms.setdefault(a.get("action", ""), {})
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self._form[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a["name"]
            self._first_option = True
        elif tag == "option" and self._select:
            if "selected" in a or self._first_option:
                self._form[self._select] = a.get("value", "")
            self._first_option = False
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # A browser drops the newline right after <textarea>.
            value = self._form[self._textarea]
            self._form[self._textarea] = value[1:] if value.startswith("\n") else value
            self._textarea = None


def forms_of(html: str) -> dict[str, dict[str, str]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append(dict(attrs))


def links_of(html: str) -> list[dict]:
    parser = _Links()
    parser.feed(html)
    return parser.links
