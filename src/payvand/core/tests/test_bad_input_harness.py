"""The bad-input test finds what it looks for: each deliberately broken form below (a
crash, markup written out unescaped, a row left behind by a refusal, a refusal that says
nothing, a redirect off the site, a javascript: link) makes it report exactly that."""

import pytest
from django import forms
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path
from django.utils.html import format_html

from payvand.core.tests.test_bad_input import Fuzzer, Report
from payvand.orgs.models import Organisation
from payvand.testing.htmlforms import forms_of

PAGE = (
    '<form method="post"><input type="text" name="name" value="Zarina">'
    '<input type="hidden" name="next" value="/"><button type="submit">Save</button></form>'
)
ERROR = '<div class="errors" role="alert"><p>Wrong.</p></div>'


class NameForm(forms.Form):
    name = forms.CharField(max_length=100)
    next = forms.CharField(required=False)


def _broken(handle):
    @login_not_required
    def view(request):
        if request.method != "POST":
            return HttpResponse(PAGE)
        return handle(request, NameForm(request.POST))

    return view


def crashes(request, form):
    return HttpResponseRedirect("/") if int(request.POST["name"]) else HttpResponse(PAGE)


def unescaped(request, form):
    return HttpResponse(f"<p>{request.POST['name'][:100]}</p>{PAGE}")


def half_written(request, form):
    if form.is_valid():
        return HttpResponseRedirect("/")
    Organisation.objects.create(code="HALF", name="Half", country="TJ")
    return HttpResponse(ERROR + PAGE)


def silent(request, form):
    return HttpResponseRedirect("/") if form.is_valid() else HttpResponse(PAGE)


def script_link(request, form):
    # Escaped, and still a link that runs script when followed.
    return HttpResponse(format_html('<a href="{}">Website</a>', request.POST["next"]) + PAGE)


def off_site(request, form):
    # The classic mistake: "starts with a slash" lets //evil.example through.
    next_url = request.POST.get("next", "")
    return HttpResponseRedirect(next_url if next_url.startswith("/") else "/")


urlpatterns = [
    path("", login_not_required(lambda request: HttpResponse("Saved.")), name="home"),
    path("crashes/", _broken(crashes), name="crashes"),
    path("unescaped/", _broken(unescaped), name="unescaped"),
    path("half-written/", _broken(half_written), name="half_written"),
    path("silent/", _broken(silent), name="silent"),
    path("off-site/", _broken(off_site), name="off_site"),
    path("script-link/", _broken(script_link), name="script_link"),
]

EXPECTED = {
    "crashes": "ValueError",
    "unescaped": "unescaped in /unescaped/",
    "half_written": "rejected, yet rows changed: {'orgs_organisation': (0, 1)}",
    "silent": "answered 200 with neither a form error nor a redirect",
    "off_site": "redirects off the site: '//evil.example/%2F..'",
    "script_link": "a javascript: link in /script-link/",
}


@pytest.mark.django_db
@pytest.mark.urls("payvand.core.tests.test_bad_input_harness")
@pytest.mark.parametrize("broken", sorted(EXPECTED))
def test_the_bad_input_test_reports_a_broken_form(client, broken):
    url = f"/{broken.replace('_', '-')}/"
    report = Report(broken)
    (form,) = forms_of(client.get(url).content.decode())
    Fuzzer(client, report, broken).fuzz(url, form, {})
    assert any(EXPECTED[broken] in problem for problem in report.problems), report.problems
