"""A shop's digest settings and the week it was last sent (one row per shop)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow


class DigestSettings(SQLModel, table=True):
    __tablename__ = "digest_settings"

    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE", primary_key=True)
    # Validated, normalised addresses, one a line (an address holds no line break).
    recipients: str = Field(default="", sa_type=Text)
    weekday: int = 0  # 0 = Monday … 6 = Sunday, shop-local
    hour: int = 8  # 0–23, shop-local
    enabled: bool = False
    locale: str = Field(default="en", max_length=16)  # the language the digest is written in
    # The Monday (shop-local) of the week last sent: a second run that week finds it taken.
    last_sent_week: date | None = None
    last_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When a test digest ("Send now") last reached the mail server: one per shop per interval,
    # so the button cannot be used to mail the recipient list over and over.
    last_test_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, sa_column_kwargs={"onupdate": utcnow}
    )

    @property
    def addresses(self) -> list[str]:
        return [line for line in self.recipients.splitlines() if line]
