from django.urls import path

from payvand.linkage import views

app_name = "linkage"
urlpatterns = [
    path("cases/<uuid:case_id>/contact/", views.contact_request, name="contact"),
    path("requests/", views.contact_requests, name="requests"),
    path("requests/<uuid:public_id>/answer/", views.contact_answer, name="answer"),
]
