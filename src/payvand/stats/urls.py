from django.urls import path

from payvand.stats import views

app_name = "stats"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<slug:chart>.csv", views.chart_csv, name="chart_csv"),
    path("export/htcds/", views.htcds_export, name="htcds_export"),
]
