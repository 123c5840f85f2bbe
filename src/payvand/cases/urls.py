from django.urls import path

from payvand.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_register, name="register"),
    path("import/", views.case_import, name="import"),
    path("<uuid:public_id>/", views.case_detail, name="detail"),
    path("<uuid:public_id>/status/", views.case_status, name="status"),
    path("<uuid:public_id>/assign/", views.case_assign, name="assign"),
    path("<uuid:public_id>/timeline/", views.case_timeline, name="timeline"),
    path("<uuid:public_id>/erase/", views.case_erase, name="erase"),
]
