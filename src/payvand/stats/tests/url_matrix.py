from payvand.core.permissions import Role
from payvand.testing.matrix import OK_FOR

# Regional analysts see the region; an organisation's supervisors and admins see their
# own organisation's figures (stats/selectors.py). Caseworkers and platform admins: 404.
STATS_ROLES = OK_FOR(Role.ANALYST, Role.SUPERVISOR, Role.ORG_ADMIN)
ROWS = {
    "stats:dashboard": ("GET", STATS_ROLES, None),
    "stats:chart_csv": ("GET", STATS_ROLES, None),
    # An organisation's own cases: its supervisors and admins, never a regional analyst.
    "stats:htcds_export": ("GET", OK_FOR(Role.SUPERVISOR, Role.ORG_ADMIN), None),
}


def url_kwargs(name, converters, org, target):
    if name == "stats:chart_csv":
        return {"chart": "gender"}
    return None
