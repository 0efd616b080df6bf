"""Who is calling: Shopify session tokens (embedded admin) or a cookie session (login links)."""
