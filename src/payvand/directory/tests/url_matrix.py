"""The directory's pages: the public ones open for everyone, signed in or not; the
editing ones only for the admins of the organisation the entry belongs to."""

from payvand.core.permissions import Role
from payvand.testing.matrix import ANON, OK_FOR

EVERYONE = {role: 200 for role in Role.values} | {ANON: 200}
ADMINS = OK_FOR(Role.ORG_ADMIN)
NOBODY = {role: 404 for role in Role.values}

ROWS = {
    "directory:search": ("GET", EVERYONE, None),
    "directory:organisation": ("GET", EVERYONE, EVERYONE),
    "directory:service": ("GET", EVERYONE, EVERYONE),
    "directory:manage": ("GET", ADMINS, NOBODY),
    "directory:profile_edit": ("GET", ADMINS, NOBODY),
    "directory:location_add": ("GET", ADMINS, NOBODY),
    "directory:location_edit": ("GET", ADMINS, NOBODY),
    "directory:service_add": ("GET", ADMINS, NOBODY),
    "directory:service_edit": ("GET", ADMINS, NOBODY),
    "directory:service_availability": ("POST", OK_FOR(Role.ORG_ADMIN, ok=302), NOBODY),
}


def url_kwargs(name, converters, org, target):
    if not name.startswith("directory:"):
        return None
    from payvand.directory.tests.factories import location, service

    kwargs = {}
    if "public_id" in converters:
        kwargs["public_id"] = org.public_id
    if "service_id" in converters:
        kwargs["service_id"] = service(org).public_id
    if "location_id" in converters:
        kwargs["location_id"] = location(org).public_id
    return kwargs
