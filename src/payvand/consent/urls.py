from django.urls import path

from payvand.consent import views

app_name = "consent"
urlpatterns = [
    path("<uuid:case_id>/consents/new/", views.consent_record, name="record"),
    path(
        "<uuid:case_id>/consents/<uuid:consent_id>/withdraw/",
        views.consent_withdraw,
        name="withdraw",
    ),
]
