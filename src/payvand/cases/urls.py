from django.urls import path

from payvand.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_register, name="register"),
    path("<uuid:public_id>/", views.case_detail, name="detail"),
]
