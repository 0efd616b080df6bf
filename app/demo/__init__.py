"""A simulated store (Shopify-shaped): believable shoppers whose checkouts, orders, refunds and
returns reach the service as correctly signed webhooks — duplicated, reordered and late like
the real platform's — and an Admin API that answers the calls the app makes. Used by
`storeokr demo`, tests and benchmarks. Nothing here talks to a real store."""
