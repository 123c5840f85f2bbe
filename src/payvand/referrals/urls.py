from django.urls import path

from payvand.referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.referral_list, name="list"),
    path("new/<uuid:case_id>/", views.referral_new, name="new"),
    path("package/<uuid:case_id>/", views.package_new, name="package"),
    path("<uuid:public_id>/", views.referral_detail, name="detail"),
    path("<uuid:public_id>/act/", views.referral_act, name="act"),
    path("<uuid:public_id>/message/", views.referral_message, name="message"),
    path("<uuid:public_id>/service/", views.referral_service, name="service"),
    path("<uuid:public_id>/follow-up/", views.referral_followup, name="followup"),
]
