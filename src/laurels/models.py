"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from laurels.codepools.models import CodePool, CouponCode
from laurels.competitions.models import Competition
from laurels.customers.models import Customer
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
    "CouponCode",
    "CustomFieldDefinition",
    "Customer",
    "Label",
    "LoyaltyProgram",
    "Org",
    "Partition",
    "PartnerProgram",
    "PayoutDraft",
    "PayoutDraftGroup",
    "PayoutScheme",
    "Product",
    "Reward",
    "RewardGroup",
    "RewardGroupItem",
    "RewardReference",
    "Segment",
    "Tier",
    "Vendor",
]
