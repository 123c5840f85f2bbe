from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "payvand.plans"
    label = "plans"
    verbose_name = _("Plans")

    def ready(self) -> None:
        from payvand.cases.sections import CaseSection, register
        from payvand.core import sealed
        from payvand.plans import models, sections

        sealed.register(models.RiskAssessment, "content", org_field="case__organisation")
        sealed.register(models.SupportPlan, "decision", org_field="case__organisation")
        sealed.register(models.SupportPlanItem, "content", org_field="plan__case__organisation")
        sealed.register(models.ReintegrationPlan, "content", org_field="case__organisation")
        sealed.register(models.FollowUpVisit, "content", org_field="plan__case__organisation")
        register(
            CaseSection(
                key="risk",
                template="plans/section_risk.html",
                order=25,
                context=sections.risk_context,
                rows=sections.RISK_ROWS,
            )
        )
        register(
            CaseSection(
                key="support_plan",
                template="plans/section_support.html",
                order=35,
                context=sections.support_context,
                rows=sections.SUPPORT_ROWS,
            )
        )
        register(
            CaseSection(
                key="reintegration",
                template="plans/section_reintegration.html",
                order=70,
                context=sections.reintegration_context,
                rows=sections.REINTEGRATION_ROWS,
            )
        )
