"""Outgoing messages: e-mail over SMTP, and the marketing send path every initiative uses
(consent, unsubscribe, the shared cap, quiet hours, the idempotent send log)."""
