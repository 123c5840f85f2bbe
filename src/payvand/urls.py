from django.urls import include, path

from payvand.accounts import urls as accounts_urls
from payvand.accounts.views import language_switch
from payvand.core import views as core_views

urlpatterns = [
    path("", include("payvand.dashboard.urls")),
    path("accounts/", include("payvand.accounts.urls")),
    path("language/", language_switch, name="language_switch"),
    path("orgs/", include("payvand.orgs.urls")),
    path("cases/", include("payvand.cases.urls")),
    path("cases/", include("payvand.consent.urls")),
    path("cases/", include("payvand.screening.urls")),
    path("cases/", include("payvand.assistance.urls")),
    path("cases/", include("payvand.plans.urls")),
    path("cases/", include("payvand.trafficking.urls")),
    path("cases/", include("payvand.attachments.urls")),
    path("referrals/", include("payvand.referrals.urls")),
    path("linkage/", include("payvand.linkage.urls")),
    path("orgs/", include((accounts_urls.staff_urlpatterns, "staff"))),
    path("stats/", include("payvand.stats.urls")),
    path("audit/", core_views.audit_status, name="audit_status"),
    path("directory/", include("payvand.directory.urls")),
    path("protection/", include("payvand.protection.urls")),
    path("healthz", core_views.healthz, name="healthz"),
]

handler400 = "payvand.core.views.bad_request"
handler404 = "payvand.core.views.not_found"
handler500 = "payvand.core.views.server_error"
