"""The one place that picks a platform's `StoreClient` for a connection."""

from __future__ import annotations

import httpx

from app.config import Settings
from app.integrations.adapters import adapter_for
from app.integrations.base import StoreClient, StoreConnection


def client_for(
    connection: StoreConnection, http: httpx.AsyncClient, settings: Settings
) -> StoreClient:
    return adapter_for(connection.platform).client(connection, http, settings)
