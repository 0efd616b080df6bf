"""From the store's events to the mirror and the metrics: the one write path of webhooks,
reconciliation and backfill. It sits above commerce and metrics and joins them: commerce's
writers get the rollups (`app.metrics.deltas.ROLLUPS`) to move in their transaction, and
publish what changed as domain events after commit."""
