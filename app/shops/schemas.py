from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, field_validator

from app.integrations.platforms import Platform
from app.shops.models import ShopStatus


class ShopPublic(BaseModel):
    """A shop as the API shows it: never its credentials or secrets."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    platform: Platform
    domain: str
    name: str
    currency: str
    timezone: str
    status: ShopStatus
    scopes: list[str]
    installed_at: datetime

    @field_validator("scopes", mode="before")
    @classmethod
    def _split_scopes(cls, value: object) -> object:
        if isinstance(value, str):
            return [scope for scope in value.split(",") if scope]
        return value
