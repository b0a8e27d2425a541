"""The JSON API, mounted at /api/. What each role may see and do: alignment_fund/api/__init__.py."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from alignment_fund.api.token import obtain_token
from alignment_fund.api.views import docs
from grants.api.approvals import ApprovalViewSet
from grants.api.attributions import AttributionViewSet
from grants.api.awards import AwardViewSet, RoundViewSet
from grants.api.contributions import ConversionViewSet, PledgeViewSet, ReceiptViewSet
from grants.api.funders import FunderViewSet
from grants.api.milestones import DisbursementViewSet, MilestoneViewSet
from grants.api.payment_runs import PaymentRunViewSet
from grants.api.pool import PoolView
from projects.api import ProjectViewSet, ResearchAreaViewSet

# A SimpleRouter: no browsable root and no format suffixes (the API speaks JSON only).
router = SimpleRouter()
router.register("funders", FunderViewSet, basename="api-funder")
router.register("pledges", PledgeViewSet, basename="api-pledge")
router.register("receipts", ReceiptViewSet, basename="api-receipt")
router.register("conversions", ConversionViewSet, basename="api-conversion")
router.register("attributions", AttributionViewSet, basename="api-attribution")
router.register("rounds", RoundViewSet, basename="api-round")
router.register("research-areas", ResearchAreaViewSet, basename="api-research-area")
router.register("projects", ProjectViewSet, basename="api-project")
router.register("awards", AwardViewSet, basename="api-award")
router.register("milestones", MilestoneViewSet, basename="api-milestone")
router.register("disbursements", DisbursementViewSet, basename="api-disbursement")
router.register("approvals", ApprovalViewSet, basename="api-approval")
router.register("payment-runs", PaymentRunViewSet, basename="api-payment-run")

urlpatterns = [
    path("token/", obtain_token, name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", docs, name="api-docs"),
    path("pool/", PoolView.as_view(), name="api-pool"),
    path("", include(router.urls)),
]
