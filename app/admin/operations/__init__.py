"""The operations section: the store connection, its webhooks and its sync passes."""
