"""Shopify: session tokens, token exchange and OAuth, Admin GraphQL, webhooks."""
