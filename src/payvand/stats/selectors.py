"""Who may see which figures, and the dashboard's tables (cached).

- Regional analysts (``Perm.STATS_REGIONAL``) see the whole region, never by organisation
  (a figure for one organisation is its staff's business).
- An organisation's **case supervisors and organisation admins** see their own
  organisation's figures, the same suppressed counts: supervisors already see every
  case of it, and admins answer for it to donors and the programme. Caseworkers do not
  (they see the cases assigned to them, and aggregates of the rest would tell them about
  cases they may not open). The roles are declared here, as ``ORG_STATS_ROLES``.
- Everyone else gets 404.

**How stale.** The tables are cached (Django's cache) for
``PAYVAND_STATS_CACHE_SECONDS`` (default 300) per filter and scope. They are computed
from the cube of the case facts (``FactCube``), which is as of the last `payvand stats
refresh` (run it every 15 minutes: see README; it takes one to three minutes at a
million cases), corrected for the withdrawals of consent made since, which are looked
up once per page when its tables are computed (tables.withdrawal_delta). So a page is
at most ``PAYVAND_STATS_CACHE_SECONDS`` (five minutes) behind a withdrawal of consent,
and at most one refresh interval plus the refresh's own run plus the cache time (about
15 + 3 + 5 = 23 minutes) behind new or changed cases, consents given since and new
links between records. Until the first refresh the pages count live.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.http import Http404

from payvand.core import countries
from payvand.core.permissions import Perm, Role, has_perm
from payvand.orgs.models import Organisation
from payvand.stats.facts import last_refresh
from payvand.stats.models import FactsRefresh, ReferenceDataset
from payvand.stats.suppression import ALL, Table
from payvand.stats.tables import count_table, latest_dataset, withdrawal_delta
from payvand.stats.vocab import ExploitationKind

ORG_STATS_ROLES = frozenset({Role.SUPERVISOR, Role.ORG_ADMIN})
K = 11
PUBLIC_COUNTRIES = {*countries.PROGRAMME_COUNTRIES, *countries.PARTNER_COUNTRIES}
# chart → the fields of its table
CHARTS = {
    "trend": ["year"],
    "gender": ["gender"],
    "age_band": ["age_band"],
    "exploitation_type": ["exploitation_type"],
    "citizenship": ["citizenship"],
    "corridor": ["citizenship", "country_of_exploitation"],
}


@dataclass
class Scope:
    regional: bool
    organisations: list[Organisation] = field(default_factory=list)


def stats_scope(user) -> Scope:
    """What ``user`` may see; 404 when nothing."""
    regional = has_perm(user, Perm.STATS_REGIONAL)
    orgs = [
        m.organisation
        for m in user.active_memberships()
        if m.role in ORG_STATS_ROLES and m.organisation.is_active
    ]
    orgs = list({o.pk: o for o in orgs}.values())
    if not regional and not orgs:
        raise Http404
    return Scope(regional=regional, organisations=orgs)


@dataclass
class HtcdsExport:
    """An organisation whose cases ``user`` may download as HTCDS JSON, for its own use."""

    organisation: Organisation
    with_identities: bool  # names and contacts too: its organisation admins only


def htcds_exports_for(user) -> list[HtcdsExport]:
    """The organisations of ``user``'s HTCDS exports: those where she is a supervisor
    (codes only) or an organisation admin (identities may be included). Regional analysts
    never get one: an organisation's records are its own."""
    exports: dict[int, HtcdsExport] = {}
    for m in user.active_memberships():
        if m.role not in ORG_STATS_ROLES or not m.organisation.is_active:
            continue
        known = exports.get(m.organisation.pk)
        identities = m.role == Role.ORG_ADMIN or bool(known and known.with_identities)
        exports[m.organisation.pk] = HtcdsExport(m.organisation, identities)
    return list(exports.values())


@dataclass
class Filters:
    source: str = "cases"
    year_from: int | None = None
    year_to: int | None = None
    country: str = ""
    exploitation: str = ""
    organisation: Organisation | None = None
    dataset: ReferenceDataset | None = None

    def cache_key(self, chart: str) -> str:
        return ":".join(
            str(part)
            for part in (
                "stats", chart, self.source, self.year_from, self.year_to, self.country,
                self.exploitation, self.organisation.pk if self.organisation else "-",
                self.dataset.pk if self.dataset else "-",
            )
        )  # fmt: skip


def cache_seconds() -> int:
    value = getattr(settings, "PAYVAND_STATS_CACHE_SECONDS", None)
    return int(value if value is not None else os.environ.get("PAYVAND_STATS_CACHE_SECONDS", 300))


def chart_table(chart: str, filters: Filters) -> Table:
    """The suppressed table behind ``chart`` (cached)."""
    return chart_tables(filters, [chart])[chart]


def chart_tables(filters: Filters, charts=tuple(CHARTS)) -> dict[str, Table]:
    """The suppressed tables behind ``charts`` (each cached): those not in the cache are
    computed from the cube, with the withdrawals since the refresh looked up once for
    all of them (tables.withdrawal_delta). If a refresh commits while they are computed,
    the delta and the cube may be of two refreshes, so they are computed again, once."""
    keys = {chart: filters.cache_key(chart) for chart in charts}
    cached = cache.get_many(list(keys.values()))
    tables = {chart: cached[key] for chart, key in keys.items() if key in cached}
    missing = [chart for chart in charts if chart not in tables]
    if not missing:
        return tables
    refresh = last_refresh() if filters.source == "cases" else None
    for _attempt in range(2):
        computed = _computed(missing, filters, materialised=refresh is not None)
        if (
            refresh is None
            or FactsRefresh.objects.filter(
                pk=refresh.pk, refreshed_at=refresh.refreshed_at
            ).exists()
        ):
            break
        refresh = last_refresh()
    cache.set_many({keys[chart]: table for chart, table in computed.items()}, cache_seconds())
    tables.update(computed)
    return {chart: tables[chart] for chart in charts}  # in the order asked


def _computed(charts: list[str], filters: Filters, *, materialised: bool) -> dict[str, Table]:
    delta = withdrawal_delta(organisation=filters.organisation) if materialised else None
    tables = {}
    for chart in charts:
        by = CHARTS[chart]
        tables[chart] = count_table(
            source=filters.source,
            by=by,
            k=K,
            year_from=filters.year_from,
            year_to=filters.year_to,
            dataset=filters.dataset,
            organisation=filters.organisation,
            country=filters.country or None,
            exploitation=filters.exploitation or None,
            materialised=materialised,
            delta=delta,
            # Countries beyond the programme's and its partners' are grouped, so that the
            # charts stay readable and fewer cells are withheld.
            other_outside={f: PUBLIC_COUNTRIES for f in by if f != "year"}
            if {"citizenship", "country_of_exploitation"} & set(by)
            else None,
        )
    return tables


def filters_from(params, scope: Scope) -> Filters:
    """Filters from the query string; anything outside the caller's scope is a 404."""
    filters = Filters()
    if params.get("source") == "ctdc":
        filters.source = "ctdc"
        filters.dataset = latest_dataset()
    for name in ("year_from", "year_to"):
        value = (params.get(name) or "").strip()
        if value.isdecimal() and len(value) == 4 and 1990 <= int(value) <= 2100:
            setattr(filters, name, int(value))
    country = (params.get("country") or "").strip().upper()
    if countries.is_country(country):
        filters.country = country
    if params.get("exploitation") in ExploitationKind.values:
        filters.exploitation = params["exploitation"]
    org = (params.get("org") or "").strip()
    mine = {str(o.public_id): o for o in scope.organisations}
    if org:
        if org not in mine:
            raise Http404
        filters.organisation = mine[org]
    elif not scope.regional:
        filters.organisation = scope.organisations[0]
    if filters.source == "ctdc":
        filters.organisation = None  # CTDC's public data belongs to no organisation
    return filters


def total_of(table: Table) -> int | None:
    return table.released_total(tuple(ALL for _ in table.dims))
