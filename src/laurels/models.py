"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from laurels.codepools.models import CodePool, CouponCode
from laurels.competitions.models import Competition
from laurels.customers.models import Customer
from laurels.issuance.models import (
    CompetitionEntry,
    IdempotencyRecord,
    Issuance,
    LimitCounter,
    PointsAccount,
    PointsEntry,
)
from laurels.payouts.models import PayoutDraft, PayoutDraftGroup, PayoutScheme, RewardGroup, RewardGroupItem
from laurels.products.models import Product
from laurels.reference.models import (
    CardSeries,
    Category,
    CustomFieldDefinition,
    Label,
    LoyaltyProgram,
    Partition,
    PartnerProgram,
    RewardReference,
    Segment,
    Tier,
    Vendor,
)
from laurels.rewards.models import Reward
from laurels.tenancy.models import ApiKey, Brand, Org

__all__ = [
    "ApiKey",
    "Brand",
    "CardSeries",
    "Category",
    "CodePool",
    "Competition",
    "CompetitionEntry",
    "CouponCode",
    "CustomFieldDefinition",
    "Customer",
    "IdempotencyRecord",
    "Issuance",
    "Label",
    "LimitCounter",
    "LoyaltyProgram",
    "Org",
    "Partition",
    "PartnerProgram",
    "PayoutDraft",
    "PayoutDraftGroup",
    "PayoutScheme",
    "PointsAccount",
    "PointsEntry",
    "Product",
    "Reward",
    "RewardGroup",
    "RewardGroupItem",
    "RewardReference",
    "Segment",
    "Tier",
    "Vendor",
]
