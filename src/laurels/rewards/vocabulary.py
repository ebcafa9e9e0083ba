"""Seed 003's reward vocabulary: the words its fields take, and how they group.

Enumerations (category, redemption type, payment mode, restriction KPIs and
windows ...), the sets the cross-field rules and the references sort redemption
types into, the bounds the parsers and the OpenAPI document share, and the
error codes seed 003's rules refuse with. Constants only: no parsing, no
checking, no imports from the rest of Laurels, so whatever needs only the
words (the OpenAPI schemas, the reference checks) takes them without pulling
in a parser.
"""

from __future__ import annotations

from enum import StrEnum


class RewardCode(StrEnum):
    """Every refusal of the rewards domain: the catalog's (both dialects), the offers'
    (what a customer may see) and the editability rules'. Reference data that does not
    exist is refused with ``reference.service.ReferenceCode``'s codes."""

    REWARD_NOT_FOUND = "REWARD_NOT_FOUND"
    REWARD_ALREADY_EXISTS = "REWARD_ALREADY_EXISTS"
    INVALID_REWARD_ID = "INVALID_REWARD_ID"
    INVALID_REWARD_TYPE = "INVALID_REWARD_TYPE"
    REWARD_TYPE_IMMUTABLE = "REWARD_TYPE_IMMUTABLE"
    INVALID_STATUS = "INVALID_STATUS"
    INVALID_NAME = "INVALID_NAME"
    INVALID_DESCRIPTION = "INVALID_DESCRIPTION"
    INVALID_METADATA = "INVALID_METADATA"
    INVALID_CONFIG = "INVALID_CONFIG"
    PRODUCT_NOT_FOUND = "PRODUCT_NOT_FOUND"
    COMPETITION_NOT_FOUND = "COMPETITION_NOT_FOUND"
    CODE_POOL_NOT_FOUND = "CODE_POOL_NOT_FOUND"
    BRAND_NOT_FOUND = "BRAND_NOT_FOUND"
    ORG_NOT_CONNECTED = "ORG_NOT_CONNECTED"
    MANDATORY_CUSTOM_FIELD_MISSING = "MANDATORY_CUSTOM_FIELD_MISSING"
    REFERENCE_GONE = "REFERENCE_GONE"
    DERIVED_FIELD_MISMATCH = "DERIVED_FIELD_MISMATCH"
    FIELD_NOT_EDITABLE = "FIELD_NOT_EDITABLE"
    REWARD_NOT_FOUND_OR_DISABLED = "REWARD_NOT_FOUND_OR_DISABLED"
    DATA_SCOPE_NOT_SUPPORTED = "DATA_SCOPE_NOT_SUPPORTED"
    INVALID_DATA_SCOPE = "INVALID_DATA_SCOPE"
    INVALID_FIELD = "INVALID_FIELD"
    INVALID_TYPE = "INVALID_TYPE"
    INVALID_REDEMPTION_TYPE = "INVALID_REDEMPTION_TYPE"
    INVALID_SCHEDULE = "INVALID_SCHEDULE"
    INVALID_LANGUAGE_INFO = "INVALID_LANGUAGE_INFO"
    DUPLICATE_LANGUAGE = "DUPLICATE_LANGUAGE"
    TOO_MANY_MEDIA = "TOO_MANY_MEDIA"
    INVALID_PAYMENT_CONFIG = "INVALID_PAYMENT_CONFIG"
    PAYMENT_CONFIG_REQUIRED = "PAYMENT_CONFIG_REQUIRED"
    SERIES_ID_REQUIRED = "SERIES_ID_REQUIRED"
    SERIES_ID_NOT_ALLOWED = "SERIES_ID_NOT_ALLOWED"
    VENDOR_REDEMPTION_REQUIRED = "VENDOR_REDEMPTION_REQUIRED"
    VENDOR_REDEMPTION_NOT_ALLOWED = "VENDOR_REDEMPTION_NOT_ALLOWED"
    AUDIENCE_CONFLICT = "AUDIENCE_CONFLICT"
    INVALID_RESTRICTION = "INVALID_RESTRICTION"
    INVALID_REVENUE = "INVALID_REVENUE"


class Category(StrEnum):
    """Seed 003's ``type``. VOUCHER is the legacy name, still accepted."""

    POINTS = "POINTS"
    PHYSICAL_VOUCHER = "PHYSICAL_VOUCHER"
    FREE_VOUCHER = "FREE_VOUCHER"
    VOUCHER = "VOUCHER"


class RedemptionType(StrEnum):
    INTOUCH_REWARD = "INTOUCH_REWARD"
    VENDOR_INTOUCH_REWARD = "VENDOR_INTOUCH_REWARD"
    VENDOR_ONLY_REWARD = "VENDOR_ONLY_REWARD"
    CART_PROMOTION = "CART_PROMOTION"
    MILES = "MILES"
    CASH_WALLET = "CASH_WALLET"
    CASH_BACK = "CASH_BACK"
    CARD_DISC = "CARD_DISC"
    CHARITY = "CHARITY"
    GAMES = "GAMES"
    VOUCHER = "VOUCHER"
    SWEEPSTAKES = "SWEEPSTAKES"
    AUCTION = "AUCTION"
    GIFT_CARD = "GIFT_CARD"
    PHYSICAL_REWARD = "PHYSICAL_REWARD"


class PaymentMode(StrEnum):
    POINTS = "POINTS"
    FREE = "FREE"
    CASH = "CASH"
    POINTS_CASH = "POINTS_CASH"
    CONV_RATIO = "CONV_RATIO"


# The amounts a payment config of each mode must carry.
PAYMENT_AMOUNTS: dict[PaymentMode, tuple[str, ...]] = {
    PaymentMode.POINTS: ("points",),
    PaymentMode.CASH: ("cash",),
    PaymentMode.POINTS_CASH: ("points", "cash"),
    PaymentMode.CONV_RATIO: ("conversionRatio",),
    PaymentMode.FREE: (),
}

_R = RedemptionType
# Fulfilled from a coupon series Laurels holds (a code pool): the series id is required.
SERIES_REQUIRED = frozenset({_R.INTOUCH_REWARD, _R.VENDOR_INTOUCH_REWARD, _R.CART_PROMOTION})
# A coupon series is a number; a cart promotion id is the promotion engine's own
# (the seed's CART_PROMOTION example uses a hex id), so only these must be numeric.
SERIES_NUMERIC = frozenset({_R.INTOUCH_REWARD, _R.VENDOR_INTOUCH_REWARD})
# Fulfilled by Laurels alone: no vendor takes part.
INTERNAL = frozenset({_R.INTOUCH_REWARD, _R.CART_PROMOTION})
VENDOR_REDEMPTION_REQUIRED = frozenset({_R.VENDOR_INTOUCH_REWARD})
# Handled by an external vendor: the series id must be null.
EXTERNAL = frozenset(RedemptionType) - SERIES_REQUIRED
CONV_RATIO_TYPES = (
    _R.CHARITY,
    _R.MILES,
    _R.CASH_WALLET,
    _R.SWEEPSTAKES,
    _R.AUCTION,
    _R.GIFT_CARD,
    _R.PHYSICAL_REWARD,
)

KPIS = ("QUANTITY", "REDEMPTION_VALUE")
WINDOW_TYPES = ("FIXED", "ROLLING")
FREQUENCIES = ("DAYS", "WEEKS", "MONTHS", "NO_LIMIT")
WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
COMMISSION_PARTICIPANTS = ("BRAND", "CAPILLARY", "AFFILIATE", "END_CUSTOMER")
TEXT_MAX = 255
# Cash amounts, rates and ratios: any decimal of up to 15 significant digits round-trips exactly.
MAX_AMOUNT = 10**15
MEDIA_MAX = 10
# The audience kinds; a reward links to one kind at a time.
AUDIENCE_FIELDS = ("cardSeries", "labels", "segment", "supplementaryCriteriaRO")
# Seed 003 names the schedule three ways. Both APIs take every name (the native
# one accepts seed 003's fields under seed 003's names), so the parser, not the
# Capillary dialect, folds them into the first.
DATE_ALIASES = {
    "startTime": ("startTime", "startDate", "startDateTime"),
    "endTime": ("endTime", "endDate", "endDateTime"),
}
