from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from laurels.kit.db import Base, JSONDoc, UTCDateTime

MOBILE_MAX = 20
EMAIL_MAX = 254
EXTERNAL_ID_MAX = 128
# The identifiers, by wire name -> column.
IDENTIFIERS = {"mobile": "mobile", "email": "email", "externalId": "external_id"}


class Customer(Base):
    """A member, as eligibility sees it.

    The attributes are JSON lists of reference ids, checked against the org's
    reference data when written: ``tiers`` is ``[{"loyaltyProgramId", "tierId"}]``
    (at most one per program), ``segments`` is ``[{"segmentId", "partitionId"}]``
    (at most one partition per segment), ``labels`` and ``partner_programs`` are
    ids, ``card_series`` are card series codes.
    """

    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("org_id", "user_id"),
        # Capillary names a customer by any of these; each names one customer of the org, when set.
        Index("uq_customers_org_id_mobile", "org_id", "mobile", unique=True),
        Index("uq_customers_org_id_email", "org_id", "email", unique=True),
        Index("uq_customers_org_id_external_id", "org_id", "external_id", unique=True),
        Index("ix_customers_org_id_id", "org_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    user_id: Mapped[str] = mapped_column(String(128))
    tiers: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)
    labels: Mapped[list[int]] = mapped_column(JSONDoc)
    card_series: Mapped[list[str]] = mapped_column(JSONDoc)
    segments: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)
    partner_programs: Mapped[list[int]] = mapped_column(JSONDoc)
    country_id: Mapped[int | None] = mapped_column(Integer)
    mobile: Mapped[str | None] = mapped_column(String(MOBILE_MAX))  # digits, as given without + or spaces
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX))  # lower-cased
    external_id: Mapped[str | None] = mapped_column(String(EXTERNAL_ID_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
