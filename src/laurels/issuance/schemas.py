"""Wire shapes of issuing: seed 004's grant, and the records it leaves (issuances, points, entries)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from laurels.issuance.ledger import ADJUSTMENT_MAX, REASON_MAX, Adjustment
from laurels.issuance.models import CompetitionEntry, Issuance, PointsEntry
from laurels.issuance.service import CASH_REF_MAX, QUANTITY_MAX
from laurels.kit import schema as js
from laurels.kit.clock import iso_ms
from laurels.kit.validation import DESCRIPTION_MAX
from laurels.rewards.vocabulary import PaymentMode

PAYMENT_MODES = [m.value for m in PaymentMode]

_REWARD_ID: js.JsonSchema = {
    "description": "The reward's rewardId, or its integer id (as a number or as digits).",
    "oneOf": [js.ROW_REF, {"type": "integer", "minimum": 1}],
}


class GrantBody(BaseModel):
    model_config = ConfigDict(json_schema_extra=js.required("rewardId", "userId"))

    rewardId: Annotated[str | int | None, WithJsonSchema(_REWARD_ID)] = None
    userId: Annotated[str | None, WithJsonSchema(js.name(128, "The customer; an unknown userId becomes one."))] = None
    metadata: dict[str, Any] | None = Field(default=None, description="Any context, e.g. the reason for the grant.")


class Delivered(BaseModel):
    """What the issuance delivered, by kind; members that do not apply are absent."""

    points: int | None = Field(default=None, description="points: the points credited.")
    balance: int | None = Field(default=None, description="points: the customer's balance after the credit.")
    productId: str | None = Field(default=None, description="product: the product granted.")
    quantity: int | None = Field(default=None, description="product: the units taken from its stock.")
    competitionId: str | None = Field(default=None, description="competition_entry: the competition.")
    entries: int | None = Field(default=None, description="competition_entry: the entries recorded.")
    code: str | None = Field(default=None, description="A coupon: the code claimed (unique) or shared (non-unique).")
    discountType: str | None = None
    discountValue: float | None = None
    redemptionType: str | None = Field(default=None, description="A vendor-fulfilled Capillary reward's type.")
    fulfilledBy: str | None = Field(default=None, description="vendor: the vendor delivers, Laurels records.")


class GrantResult(Delivered):
    userId: str
    rewardId: str
    rewardType: str | None
    transactionId: str
    amount: int = Field(description="What the issuance counts toward REDEMPTION_VALUE limits (docs/issuance.md).")
    campaignId: str
    grantedAt: str

    @classmethod
    def of(cls, issuance: Issuance) -> GrantResult:
        return cls(
            userId=issuance.user_id,
            rewardId=issuance.reward_id,
            rewardType=issuance.reward_type,
            transactionId=issuance.transaction_id,
            amount=issuance.value,
            campaignId=issuance.campaign_id or "",
            grantedAt=iso_ms(issuance.created_at),
            **issuance.delivered,
        )


class Granted(BaseModel):
    message: str = "Reward granted successfully"
    result: GrantResult


class PaymentOut(BaseModel):
    mode: str = Field(description="The paymentMode the customer paid in.")
    points: int = Field(description="Points debited from the balance (0 for FREE and CASH).")
    cash: float | None = Field(description="The cash amount recorded; Laurels moves no money.")
    cashPaymentRef: str | None
    balance: int | None = Field(default=None, description="The balance after the debit, when points were paid.")


class IssuanceOut(BaseModel):
    transactionId: str
    userId: str
    rewardId: str
    rewardType: str | None
    redemptionType: str | None
    kind: str = Field(description="How it was issued: grant or purchase.")
    campaignId: str | None
    quantity: int
    amount: int
    delivered: Delivered
    payment: PaymentOut | None = Field(default=None, description="A purchase's payment; null for a grant.")
    state: str = Field(description="issued, redeemed or reversed.")
    redeemedAt: str | None = None
    reversedAt: str | None = None
    reversalReason: str | None = None
    metadata: dict[str, Any]
    issuedAt: str

    @classmethod
    def of(cls, issuance: Issuance) -> IssuanceOut:
        return cls(
            transactionId=issuance.transaction_id,
            userId=issuance.user_id,
            rewardId=issuance.reward_id,
            rewardType=issuance.reward_type,
            redemptionType=issuance.redemption_type,
            kind=issuance.source,
            campaignId=issuance.campaign_id,
            quantity=issuance.quantity,
            amount=issuance.value,
            delivered=Delivered(**issuance.delivered),
            payment=PaymentOut(**issuance.payment) if issuance.payment else None,
            state=issuance.state,
            redeemedAt=iso_ms(issuance.redeemed_at) if issuance.redeemed_at else None,
            reversedAt=iso_ms(issuance.reversed_at) if issuance.reversed_at else None,
            reversalReason=issuance.reversal_reason,
            metadata=issuance.meta,
            issuedAt=iso_ms(issuance.created_at),
        )


class ReverseBody(BaseModel):
    model_config = ConfigDict(json_schema_extra=js.required("reason"))

    reason: Annotated[str | None, WithJsonSchema(js.name(DESCRIPTION_MAX, "Why, e.g. the order was cancelled."))] = None


class PurchaseBody(BaseModel):
    model_config = ConfigDict(json_schema_extra=js.required("userId", "paymentMode"))

    userId: Annotated[str | None, WithJsonSchema(js.name(128, "The customer; an unknown userId becomes one."))] = None
    paymentMode: Annotated[
        str | None,
        WithJsonSchema({"type": "string", "enum": PAYMENT_MODES, "description": "One of the reward's paymentConfigs."}),
    ] = None
    quantity: Annotated[int | None, WithJsonSchema(js.integer(1, QUANTITY_MAX, "Units taken (default 1)."))] = None
    cashPaymentRef: Annotated[
        str | None, WithJsonSchema(js.name(CASH_REF_MAX, "Your payment's reference; required for CASH, POINTS_CASH."))
    ] = None
    metadata: dict[str, Any] | None = Field(default=None, description="Any context, e.g. the order id.")


class Purchased(BaseModel):
    message: str = "Reward purchased successfully"
    result: IssuanceOut


class IssuanceList(BaseModel):
    issuances: list[IssuanceOut]
    count: int
    nextCursor: str | None = Field(description="Pass as `cursor` for the next (older) page; null on the last page.")


class PointsEntryOut(BaseModel):
    kind: str = Field(
        description="credit (a points issuance), debit (a purchase), adjustment (an operator's) or reversal."
    )
    amount: int = Field(description="Signed: what the entry added to (or took from) the balance.")
    balanceAfter: int
    transactionId: str | None = Field(description="The issuance that made it, if one did.")
    adjustmentId: str | None = Field(description="The adjustment that made it, if one did.")
    reason: str | None = Field(description="An adjustment's reason.")
    createdAt: str


class PointsTotals(BaseModel):
    credited: int = Field(description="Every entry that added points, summed.")
    debited: int = Field(description="Every entry that took points away, summed (a positive number).")


class Points(BaseModel):
    userId: str
    balance: int
    totals: PointsTotals
    entries: list[PointsEntryOut] = Field(description="The latest entries, newest first.")


class PointsEntryList(BaseModel):
    userId: str
    entries: list[PointsEntryOut]
    count: int
    nextCursor: str | None = Field(description="Pass as `cursor` for the next (older) page; null on the last page.")


def points_entry(entry: PointsEntry, transaction_id: str | None) -> PointsEntryOut:
    return PointsEntryOut(
        kind=entry.kind,
        amount=entry.amount,
        balanceAfter=entry.balance_after,
        transactionId=transaction_id,
        adjustmentId=entry.reference,
        reason=entry.reason,
        createdAt=iso_ms(entry.created_at),
    )


_AMOUNT: js.JsonSchema = {
    **js.integer(-ADJUSTMENT_MAX, ADJUSTMENT_MAX, "Points to add (positive) or take away (negative); not 0."),
    "not": {"const": 0},
}


class AdjustmentBody(BaseModel):
    model_config = ConfigDict(json_schema_extra=js.required("amount", "reason"))

    amount: Annotated[int | None, WithJsonSchema(_AMOUNT)] = None
    reason: Annotated[str | None, WithJsonSchema(js.name(REASON_MAX, "Why, for the customer's ledger."))] = None


class AdjustmentOut(BaseModel):
    adjustmentId: str
    userId: str
    amount: int
    reason: str
    balance: int = Field(description="The customer's balance after the adjustment.")
    createdAt: str

    @classmethod
    def of(cls, adjustment: Adjustment) -> AdjustmentOut:
        return cls(
            adjustmentId=adjustment.adjustment_id,
            userId=adjustment.user_id,
            amount=adjustment.amount,
            reason=adjustment.reason,
            balance=adjustment.balance,
            createdAt=iso_ms(adjustment.created_at),
        )


class EntryOut(BaseModel):
    userId: str
    entries: int
    createdAt: str

    @classmethod
    def of(cls, entry: CompetitionEntry) -> EntryOut:
        return cls(userId=entry.user_id, entries=entry.entries, createdAt=iso_ms(entry.created_at))


class EntryList(BaseModel):
    competitionId: str
    entries: list[EntryOut]
    count: int
    nextCursor: str | None
