import csv
import json

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _

from payvand.core import countries
from payvand.core.errors import PermissionDenied
from payvand.stats import charts
from payvand.stats.exports import export_htcds
from payvand.stats.facts import last_refresh
from payvand.stats.selectors import (
    CHARTS,
    K,
    chart_table,
    chart_tables,
    filters_from,
    htcds_exports_for,
    stats_scope,
    total_of,
)
from payvand.stats.tables import table_rows
from payvand.stats.vocab import ExploitationKind


def _titles() -> dict[str, str]:
    return {
        "trend": _("Survivors identified, by year"),
        "gender": _("Survivors by gender"),
        "age_band": _("Survivors by age at registration"),
        "exploitation_type": _("Survivors by type of exploitation"),
        "citizenship": _("Survivors by citizenship"),
        "corridor": _("Routes: citizenship and country of exploitation"),
    }


def _chart(name: str, table, rtl: bool) -> dict:
    title = _titles()[name]
    rows = table_rows(table)
    released = [n for _cell, n in rows if n]
    withheld = [cell for cell, n in rows if n is None]
    item = {
        "name": name,
        "title": title,
        "empty": not rows,
        "all_withheld": bool(rows) and not released,
        "withheld": len(withheld),
        "total": charts.shown(total_of(table), K) if table.with_totals and rows else "",
        "svg": "",
        "rows": [],
    }
    if name == "corridor":
        fields = CHARTS[name]
        row_labels = [charts.label(fields[0], v) for v in table.categories[0]]
        col_labels = [charts.label(fields[1], v) for v in table.categories[1]]
        item["rows"] = [
            (
                f"{charts.label(fields[0], c[0])} → {charts.label(fields[1], c[1])}",
                charts.shown(n, K),
            )
            for c, n in rows
            if n is None or n
        ]
        if rows and released:
            item["svg"] = charts.matrix(title, table, row_labels, col_labels, rtl)
        return item
    field = CHARTS[name][0]
    bars = [charts.Bar(charts.label(field, cell[0]), n) for cell, n in rows]
    item["rows"] = [(b.label, charts.shown(b.value, K)) for b in bars]
    if rows and released:
        draw = charts.vertical_bars if name == "trend" else charts.horizontal_bars
        item["svg"] = draw(title, bars, K, rtl)
    return item


def dashboard(request):
    scope = stats_scope(request.user)
    filters = filters_from(request.GET, scope)
    rtl = get_language_bidi()
    refreshed = last_refresh()
    context = {
        "scope": scope,
        "filters": filters,
        "charts": [_chart(name, table, rtl) for name, table in chart_tables(filters).items()],
        "k": K,
        "query": request.GET.urlencode(),
        "country_choices": [
            (code, countries.country_name(code))
            for code in (*countries.PROGRAMME_COUNTRIES, *countries.PARTNER_COUNTRIES)
        ],
        "exploitation_choices": ExploitationKind.choices,
        "refreshed": refreshed.refreshed_at if refreshed and filters.source == "cases" else None,
    }
    return render(request, "stats/dashboard.html", context)


def chart_csv(request, chart: str):
    if chart not in CHARTS:
        raise Http404
    scope = stats_scope(request.user)
    filters = filters_from(request.GET, scope)
    table = chart_table(chart, filters)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="payvand-{chart}.csv"'
    writer = csv.writer(response, lineterminator="\n")
    writer.writerow([*CHARTS[chart], "count"])
    for cell, count in table_rows(table):
        writer.writerow([*cell, "" if count is None else count])
    return response


def htcds_export(request):
    """An organisation's cases as HTCDS JSON, for its own use (exports.export_htcds): its
    supervisors get the codes, its organisation admins may add identities."""
    allowed = {str(e.organisation.public_id): e for e in htcds_exports_for(request.user)}
    if not allowed:
        raise Http404
    error = ""
    if request.method == "POST":
        chosen = allowed.get(request.POST.get("org", ""))
        try:
            if chosen is None:
                raise PermissionDenied(_("Choose one of your organisations."))
            data = export_htcds(
                org=chosen.organisation,
                with_identities=request.POST.get("with_identities") == "1",
                by=request.user,
            )
        except PermissionDenied as exc:
            error = str(exc)
        else:
            name = f"payvand-htcds-{chosen.organisation.code}-{timezone.localdate():%Y%m%d}.json"
            response = HttpResponse(
                json.dumps(data, ensure_ascii=False, indent=1),
                content_type="application/json; charset=utf-8",
            )
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            response["Cache-Control"] = "no-store"
            return response
    return render(
        request,
        "stats/htcds_export.html",
        {
            "exports": list(allowed.values()),
            "any_identities": any(e.with_identities for e in allowed.values()),
            "error": error,
        },
        status=400 if error else 200,
    )
