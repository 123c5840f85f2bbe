from django.urls import path

from payvand.protection import views

app_name = "protection"
urlpatterns = [
    path("orgs/<uuid:org_id>/panic/", views.panic_page, name="panic"),
    path("panic/<uuid:public_id>/confirm/", views.panic_confirm, name="panic_confirm"),
    path("panic/<uuid:public_id>/cancel/", views.panic_cancel, name="panic_cancel"),
]
