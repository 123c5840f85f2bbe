from django.urls import path

from payvand.screening import views

app_name = "screening"
urlpatterns = [
    path("<uuid:case_id>/screening/", views.screening_history, name="history"),
    path("<uuid:case_id>/screening/new/", views.screening_new, name="new"),
    path("<uuid:case_id>/screening/<uuid:screening_id>/", views.screening_detail, name="detail"),
    path(
        "<uuid:case_id>/screening/<uuid:screening_id>/decide/",
        views.screening_decide,
        name="decide",
    ),
    path("screening/catalogue/", views.catalogue_index, name="catalogue"),
    path("screening/catalogue/<int:number>/", views.catalogue_version, name="catalogue_version"),
    path(
        "screening/catalogue/<int:number>/export/",
        views.catalogue_export,
        name="catalogue_export",
    ),
]
