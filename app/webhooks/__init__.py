"""Webhooks: verify, persist to the inbox, enqueue, answer — then process in a job."""
