"""Every table module, imported in one place so that the metadata is complete for Alembic,
the drift test and anything that walks all tables (e.g. shop erasure)."""

from app.commerce.models import Checkout, Customer, Order, OrderLineRow, RefundRow, StoreSync
from app.digest.alerts.models import KeyResultAlert
from app.digest.models import DigestSettings
from app.initiatives.experiments.models import ExperimentAssignment
from app.initiatives.models import (
    Initiative,
    InitiativeAudit,
    InitiativeKeyResult,
    RecoveryEnrollment,
    WinBackCode,
    WinBackEnrollment,
    WinBackRun,
)
from app.initiatives.surveys.models import SurveyInvitation, SurveyResponse
from app.messaging.models import MarketingSend, MarketingUnsubscribe, MessagingSettings
from app.metrics.models import (
    CheckoutDay,
    CustomerDay,
    CustomerDayTotals,
    CustomerPreviousTotals,
    SalesDay,
)
from app.okr.models import CheckIn, Cycle, KeyResult, Objective, OkrSettings
from app.privacy.models import CustomerExport
from app.sharing.models import ShareLink
from app.shops.models import AuthNonce, Shop
from app.webhooks.models import WebhookEvent

__all__ = [
    "AuthNonce",
    "CheckIn",
    "Checkout",
    "CheckoutDay",
    "CustomerDay",
    "CustomerDayTotals",
    "CustomerPreviousTotals",
    "Cycle",
    "DigestSettings",
    "KeyResultAlert",
    "ExperimentAssignment",
    "Initiative",
    "InitiativeAudit",
    "InitiativeKeyResult",
    "MarketingSend",
    "MarketingUnsubscribe",
    "MessagingSettings",
    "RecoveryEnrollment",
    "KeyResult",
    "Objective",
    "OkrSettings",
    "Customer",
    "CustomerExport",
    "Order",
    "OrderLineRow",
    "RefundRow",
    "SalesDay",
    "ShareLink",
    "Shop",
    "SurveyInvitation",
    "SurveyResponse",
    "StoreSync",
    "WebhookEvent",
    "WinBackCode",
    "WinBackEnrollment",
    "WinBackRun",
]
