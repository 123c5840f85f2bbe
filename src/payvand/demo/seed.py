"""Seeding the demo region through the same services the pages use (audited)."""

import random
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from payvand.accounts.models import Membership, User
from payvand.accounts.services import membership_grant
from payvand.cases.models import Case, NameToken, Person
from payvand.cases.services import Registration, case_register, case_register_many
from payvand.core.audit.models import AuditEvent
from payvand.core.permissions import Role
from payvand.demo import region
from payvand.demo.directory import seed_directory
from payvand.demo.journeys import JourneyContext, seed_journey
from payvand.demo.people import demo_registration
from payvand.orgs.models import Organisation
from payvand.orgs.services import organisation_create


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    org_code: str
    country: str


def seed_demo(
    progress: Callable[[str], None] = lambda _msg: None,
    cases: int = 0,
    journeys: bool = True,
    bar: Callable[[int, int], None] | None = None,
) -> list[DemoLogin]:
    """Create what is missing of the demo region; running it again changes nothing.

    ``cases``: how many survivor cases the region should hold in all (only the
    missing ones are added, through the same service as the registration form).
    ``journeys``: record consents, screenings, plans, assistance… on the new cases
    through the services, as their caseworkers and supervisors would (journeys.py).
    ``bar``: called with (cases now, total) while cases are added (a progress bar).
    """
    for code, name, org_type, country, subdivision, phone, languages, _lang in region.ORGANISATIONS:
        if Organisation.objects.filter(code=code).exists():
            continue
        organisation_create(
            by=None,
            code=code,
            name=name,
            org_type=org_type,
            country=country,
            subdivision=subdivision,
            phone=phone,
            email=region.demo_email(code.lower()),
            languages=languages,
        )
        progress(f"organisation {country}-{code}")
    orgs = {
        o.code: o
        for o in Organisation.objects.filter(code__in=[o[0] for o in region.ORGANISATIONS])
    }
    seed_directory(orgs, progress)
    language = {o[0]: o[7] for o in region.ORGANISATIONS}
    wanted: list[tuple[Organisation, str, str, str, str]] = []
    for code, names in region.STAFF_NAMES.items():
        org = orgs[code]
        for role, full_name in zip(region.ORG_ROLES, names, strict=True):
            slug = f"{org.country.lower()}-{code.lower()}-{region.ROLE_SLUG[role]}"
            wanted.append((org, role, full_name, slug, language[code]))
    for role, full_name, slug in region.REGIONAL_STAFF:
        wanted.append((orgs["REG"], role, full_name, slug, "en"))
    logins = []
    for org, role, full_name, slug, lang in wanted:
        email = region.demo_email(slug)
        if not Membership.objects.filter(user__email=email, organisation=org, role=role).exists():
            with transaction.atomic():
                membership_grant(
                    org=org,
                    by=None,
                    email=email,
                    full_name=full_name,
                    role=role,
                    language=lang,
                    invite=False,
                )
                user = User.objects.get(email=email)
                user.set_password(region.DEMO_PASSWORD)
                user.save(update_fields=["password"])
            progress(f"login {email}")
        logins.append(
            DemoLogin(email=email, role=role, org_code=org.full_code, country=org.country)
        )
    demo_authenticators([login.email for login in logins])
    if cases:
        seed_cases(cases, progress, journeys=journeys, bar=bar)
    return logins


SEED_BATCH = 500


def demo_authenticators(emails: list[str]) -> None:
    """Give every demo login the demo authenticator key (demo/region.py), once."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    users = User.objects.filter(email__in=emails).exclude(totpdevice__confirmed=True)
    TOTPDevice.objects.bulk_create(
        [
            TOTPDevice(user=u, name="authenticator", key=region.DEMO_TOTP_KEY, confirmed=True)
            for u in users
        ]
    )


def seed_cases(
    total: int,
    progress: Callable[[str], None] = lambda _msg: None,
    *,
    journeys: bool = False,
    bar: Callable[[int, int], None] | None = None,
    batch_size: int = SEED_BATCH,
) -> int:
    """Add cases until the demo organisations hold ``total``; returns how many were added.

    ``journeys``: also record what happened to each new case after registration
    (demo/journeys.py), one case after another. Without journeys (the benchmark's
    100,000 cases) cases are registered ``batch_size`` at a time per organisation,
    each batch one transaction (`case_register_many`): an interrupted run keeps
    whole batches only, and running it again tops up to ``total``. Cases that
    already exist are left as they are, so seeding again adds nothing.
    ``bar``: called with (cases now, total) as cases are added (a progress bar).
    """
    codes = list(region.STAFF_NAMES)
    existing = Case.objects.filter(organisation__code__in=codes).count()
    missing = max(0, total - existing)
    if not missing:
        return 0
    owners = {
        m.organisation.code: (m.organisation, m.user)
        for m in Membership.objects.filter(
            organisation__code__in=codes, role=Role.CASEWORKER, is_active=True
        ).select_related("organisation", "user")
    }
    rng = random.Random(2026 + existing)
    today = timezone.localdate()
    done = 0
    if bar is not None:
        bar(existing, total)

    def report(added: int) -> None:
        nonlocal done
        before, done = done, done + added
        if bar is not None:
            bar(existing + done, total)
        elif done // 250 > before // 250 or done == missing:
            progress(f"cases {existing + done}/{total}")

    if not journeys:
        pending: dict[str, list[Registration]] = {code: [] for code in codes}

        def register(code: str) -> None:
            org, owner = owners[code]
            case_register_many(org=org, by=None, owner=owner, registrations=pending[code])
            report(len(pending[code]))
            pending[code] = []

        for _n in range(missing):
            code = rng.choice(codes)
            pending[code].append(demo_registration(rng, owners[code][0].country, today))
            if len(pending[code]) >= batch_size:
                register(code)
        for code in codes:
            if pending[code]:
                register(code)
        _refresh_planner_statistics()
        return missing
    demo_orgs = Organisation.objects.filter(
        code__in=[o[0] for o in region.ORGANISATIONS], is_active=True
    ).order_by("code")
    context = JourneyContext.load(list(demo_orgs), today=today)
    for _n in range(missing):
        org, owner = owners[rng.choice(codes)]
        registration = demo_registration(rng, org.country, today)
        case = case_register(org=org, by=None, owner=owner, registration=registration)
        seed_journey(case, registration, context)
        report(1)
    if context.counts:
        progress(f"journeys: {context.summary()}")
    return missing


def _refresh_planner_statistics() -> None:
    """After a bulk load PostgreSQL plans with its old row counts (a 14,000-case list as
    if it held 200) until autovacuum gets round to it; ANALYZE brings that forward, and
    VACUUM sets the visibility map, so that a name search reads the covering token index
    alone (96 → 30–37 ms for a common name at 100,000 cases). Outside a transaction only."""
    if connection.vendor != "postgresql":
        return
    models = (Case, Case.assigned.through, Person, NameToken, AuditEvent)
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            cursor.execute(f"ANALYZE {tables}")  # VACUUM cannot run in a transaction
        else:
            cursor.execute(f"VACUUM ANALYZE {tables}")
