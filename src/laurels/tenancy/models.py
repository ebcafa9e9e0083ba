from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from laurels.kit.db import Base, JSONDoc, UTCDateTime
from laurels.kit.validation import NAME_MAX


class Org(Base):
    __tablename__ = "orgs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("orgs.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Brand(Base):
    """Unique in its org by name, regardless of case, like every named row of the catalog."""

    __tablename__ = "brands"
    # On the folded name, so "Acme" and "ACME" cannot both exist even when two creates race.
    __table_args__ = (UniqueConstraint("org_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    # fold(name); Text, not String(255): casefold can lengthen a string ("ß" -> "ss").
    name_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    # SHA-256 of the secret. The secret is 256 random bits, so a fast hash is
    # enough: there is nothing to brute-force, and a slow KDF would cost every request.
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSONDoc)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
