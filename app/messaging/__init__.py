"""Outgoing messages (email)."""
