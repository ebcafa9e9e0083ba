"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from laurels.codepools.models import CodePool, CouponCode
from laurels.competitions.models import Competition
from laurels.products.models import Product
from laurels.rewards.models import Reward
from laurels.tenancy.models import ApiKey, Brand, Org

__all__ = ["ApiKey", "Brand", "CodePool", "Competition", "CouponCode", "Org", "Product", "Reward"]
