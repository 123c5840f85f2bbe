from django.urls import path

from payvand.attachments import views

app_name = "attachments"
urlpatterns = [
    path("<uuid:case_id>/attachments/new/", views.attachment_add, name="add"),
    path(
        "<uuid:case_id>/attachments/<uuid:attachment_id>/download/",
        views.attachment_download,
        name="download",
    ),
    path(
        "<uuid:case_id>/attachments/<uuid:attachment_id>/remove/",
        views.attachment_remove,
        name="remove",
    ),
]
