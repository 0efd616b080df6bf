"""Store metrics: a catalogue of exact definitions (METRICS.md), rollups per shop-local day
kept by exact deltas in the mirror's transaction, and queries over date ranges."""
