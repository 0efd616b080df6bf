"""The commerce mirror: what the store's events say happened (orders, refunds, checkouts,
customers), kept newest-state-wins and idempotent."""
