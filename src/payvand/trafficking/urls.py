from django.urls import path

from payvand.trafficking import views

app_name = "trafficking"
urlpatterns = [
    path("<uuid:case_id>/what-happened/", views.victim_edit, name="victim_edit"),
    path("<uuid:case_id>/perpetrators/new/", views.perpetrator_edit, name="perpetrator_add"),
    path(
        "<uuid:case_id>/perpetrators/<uuid:perpetrator_id>/",
        views.perpetrator_edit,
        name="perpetrator_edit",
    ),
    path(
        "<uuid:case_id>/perpetrators/<uuid:perpetrator_id>/remove/",
        views.perpetrator_remove,
        name="perpetrator_remove",
    ),
    path("<uuid:case_id>/route/new/", views.event_edit, name="event_add"),
    path("<uuid:case_id>/route/<uuid:event_id>/", views.event_edit, name="event_edit"),
    path("<uuid:case_id>/route/<uuid:event_id>/remove/", views.event_remove, name="event_remove"),
]
