"""WooCommerce: REST key exchange, REST API v3 (basic auth or OAuth 1.0a), webhooks."""
