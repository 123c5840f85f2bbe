from django.urls import path

from payvand.plans import views
from payvand.plans.vocab import PlanAction

app_name = "plans"

CASE = "<uuid:case_id>/"
PLAN = CASE + "support-plan/<uuid:plan_id>/"
ITEM = CASE + "support-plan/items/<uuid:item_id>/"

urlpatterns = [
    path(CASE + "risk/", views.risk_history, name="risk_history"),
    path(CASE + "risk/new/", views.risk_create, name="risk_create"),
    path(CASE + "support-plan/items/new/", views.item_create, name="item_create"),
    path(ITEM + "edit/", views.item_edit, name="item_edit"),
    path(ITEM + "delete/", views.item_delete, name="item_delete"),
    path(ITEM + "achieved/", views.item_complete, name="item_complete"),
    path(
        PLAN + "submit/", views.plan_transition, {"action": PlanAction.SUBMIT}, name="plan_submit"
    ),
    path(
        PLAN + "approve/",
        views.plan_transition,
        {"action": PlanAction.APPROVE},
        name="plan_approve",
    ),
    path(PLAN + "return/", views.plan_return, name="plan_return"),
    path(PLAN + "revise/", views.plan_revise, name="plan_revise"),
    path(CASE + "reintegration/", views.reintegration_edit, name="reintegration_edit"),
    path(CASE + "reintegration/visits/new/", views.visit_create, name="visit_create"),
    path(CASE + "reintegration/visits/<uuid:visit_id>/", views.visit_detail, name="visit_detail"),
]
