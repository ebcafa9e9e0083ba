"""Capillary's ``status: {success, code, message}`` envelope, and its numeric codes."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from laurels.issuance.rules import IssuanceCode
from laurels.kit.http import ErrorDetail
from laurels.reference.service import ReferenceCode
from laurels.rewards.vocabulary import RewardCode

PREFIX = "/api_gateway/rewards/core"

# Laurels' stable codes -> the numeric codes seed 001-003 document. Anything
# else answers with its HTTP status as the code, as the seed's own 400s do.
NUMERIC_CODES: dict[str, int] = {
    ReferenceCode.LABEL_NOT_FOUND: 12048,
    ReferenceCode.CARD_SERIES_NOT_FOUND: 12045,
    ReferenceCode.CUSTOM_FIELD_NOT_FOUND: 3014,
    RewardCode.REWARD_NOT_FOUND_OR_DISABLED: 6004,
    RewardCode.REWARD_NOT_FOUND: 6004,
    RewardCode.DATA_SCOPE_NOT_SUPPORTED: 310141,
    # The issue API's ("Issue user reward"): state, points, constraints, payment mode.
    IssuanceCode.REWARD_INACTIVE: 8003,
    IssuanceCode.REWARD_NOT_STARTED: 8003,
    IssuanceCode.REWARD_ENDED: 8003,
    IssuanceCode.INSUFFICIENT_POINTS: 8004,
    IssuanceCode.NOT_ELIGIBLE: 12005,
    IssuanceCode.REWARD_LIMIT_REACHED: 12005,
    IssuanceCode.CUSTOMER_LIMIT_REACHED: 12005,
    IssuanceCode.PAYMENT_MODE_NOT_OFFERED: 12016,
    IssuanceCode.INVALID_PAYMENT_MODE: 12016,
}
# The seed words these refusals as "Unable to update reward as ...".
_WRITE_PREFIXED = frozenset(
    {ReferenceCode.LABEL_NOT_FOUND, ReferenceCode.CARD_SERIES_NOT_FOUND, ReferenceCode.CUSTOM_FIELD_NOT_FOUND}
)

FETCHED = (6001, "Reward fetched successfully")
LISTED = (6001, "Rewards fetched successfully")
CREATED = (6002, "Reward created successfully")
UPDATED = (6006, "Reward updated successfully")
USER_FETCHED = (200, "User Reward fetched successfully")
USER_LISTED = (200, "User Rewards fetched successfully")


class Status(BaseModel):
    success: bool
    code: int
    message: str


class StatusEnvelope(BaseModel):
    """What every Capillary answer carries; the payload sits beside ``status``."""

    status: Status


class Failure(BaseModel):
    success: Literal[False]
    code: int = Field(description="Capillary's numeric code (e.g. 6004), else the HTTP status.")
    message: str
    reason: str = Field(description="Laurels' stable error code, e.g. REWARD_NOT_FOUND.")
    field: str | None = Field(default=None, description="The request field the error is about, if any.")


class CapillaryError(BaseModel):
    """How every Capillary route answers a refusal (see :func:`render`)."""

    status: Failure
    reward: None


class ConnectedErrorItem(BaseModel):
    code: int
    message: str


class ConnectedError(BaseModel):
    """The connected-orgs API's own error shape (DATA_SCOPE_NOT_SUPPORTED, 310141)."""

    data: None
    errors: list[ConnectedErrorItem]
    warnings: None


def status(code_message: tuple[int, str]) -> dict[str, Any]:
    code, message = code_message
    return {"success": True, "code": code, "message": message}


def render(http_status: int, detail: ErrorDetail, request: Request) -> JSONResponse:
    method = request.method
    code = NUMERIC_CODES.get(detail.code, http_status)
    if detail.code == RewardCode.DATA_SCOPE_NOT_SUPPORTED:
        # The connected-orgs API answers this one in its own error shape.
        body: dict[str, Any] = {"data": None, "errors": [{"code": code, "message": detail.message}], "warnings": None}
        return JSONResponse(body, status_code=http_status)
    message = detail.message
    if detail.code in _WRITE_PREFIXED and method in ("POST", "PUT"):
        message = f"Unable to {'create' if method == 'POST' else 'update'} reward as {message}"
    # reason (Laurels' stable code) and field are additions: Capillary's numeric
    # code is 400 for most refusals, which does not tell a client which one.
    failure: dict[str, Any] = {"success": False, "code": code, "message": message, "reason": detail.code}
    if detail.field:
        failure["field"] = detail.field
    body = {"status": failure, "reward": None}
    return JSONResponse(body, status_code=http_status)
