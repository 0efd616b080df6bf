"""A share link: a revocable, expiring read-only view of one shop's dashboard. The URL's token
is signed from the row (see `app.sharing.links`), so the table holds no secret."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow

LABEL_MAX = 120  # characters of a link's label (the form checks it before the column)


class ShareLink(SQLModel, table=True):
    __tablename__ = "share_links"

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", index=True)
    label: str = Field(max_length=LABEL_MAX)  # who it was made for ("Team TV", "Investors")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)  # whole seconds: the token carries it
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
