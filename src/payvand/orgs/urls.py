from django.urls import path

from payvand.orgs import views

app_name = "orgs"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("new/", views.organisation_create, name="create"),
    path("subdivisions/", views.subdivision_options, name="subdivisions"),
    path("<uuid:public_id>/", views.organisation_detail, name="detail"),
    path("<uuid:public_id>/edit/", views.organisation_edit, name="edit"),
    path("<uuid:public_id>/active/", views.organisation_set_active, name="set_active"),
]
