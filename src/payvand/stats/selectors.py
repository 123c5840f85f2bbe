"""Who may see which figures, and the dashboard's tables (cached).

- Regional analysts (``Perm.STATS_REGIONAL``) see the whole region, never by organisation
  (a figure for one organisation is its staff's business).
- An organisation's **case supervisors and organisation admins** see their own
  organisation's figures, the same suppressed counts: supervisors already see every
  case of it, and admins answer for it to donors and the programme. Caseworkers do not
  (they see the cases assigned to them, and aggregates of the rest would tell them about
  cases they may not open). The roles are declared here, as ``ORG_STATS_ROLES``.
- Everyone else gets 404.

The tables are cached (Django's cache) for ``PAYVAND_STATS_CACHE_SECONDS`` (default 300)
per filter and scope; the case facts they read are as of the last `payvand stats
refresh` (run it every 15 minutes: see README), corrected for the withdrawals of consent
made since when a table is computed (tables.materialised_fact_parts). So a page may be up
to five minutes behind a withdrawal of consent and up to one refresh behind new or
changed cases, consents given since and new links between records.
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
from payvand.stats.models import ReferenceDataset
from payvand.stats.suppression import ALL, Table
from payvand.stats.tables import count_table, latest_dataset
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
    key = filters.cache_key(chart)
    table = cache.get(key)
    if table is None:
        by = CHARTS[chart]
        table = count_table(
            source=filters.source,
            by=by,
            k=K,
            year_from=filters.year_from,
            year_to=filters.year_to,
            dataset=filters.dataset,
            organisation=filters.organisation,
            country=filters.country or None,
            exploitation=filters.exploitation or None,
            materialised=filters.source == "cases" and last_refresh() is not None,
            # Countries beyond the programme's and its partners' are grouped, so that the
            # charts stay readable and fewer cells are withheld.
            other_outside={f: PUBLIC_COUNTRIES for f in by if f != "year"}
            if {"citizenship", "country_of_exploitation"} & set(by)
            else None,
        )
        cache.set(key, table, cache_seconds())
    return table


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
