from django.urls import path

from payvand.directory import views

app_name = "directory"
urlpatterns = [
    path("", views.search, name="search"),
    path("organisations/<uuid:public_id>/", views.organisation, name="organisation"),
    path("services/<uuid:service_id>/", views.service, name="service"),
    path("manage/<uuid:public_id>/", views.manage, name="manage"),
    path("manage/<uuid:public_id>/profile/", views.profile_edit, name="profile_edit"),
    path("manage/<uuid:public_id>/locations/new/", views.location_add, name="location_add"),
    path("manage/locations/<uuid:location_id>/", views.location_edit, name="location_edit"),
    path("manage/<uuid:public_id>/services/new/", views.service_add, name="service_add"),
    path("manage/services/<uuid:service_id>/", views.service_edit, name="service_edit"),
    path(
        "manage/services/<uuid:service_id>/availability/",
        views.service_availability,
        name="service_availability",
    ),
]
