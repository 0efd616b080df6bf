"""OKRs for a store: cycles, objectives, key results bound to live metrics, scoring, pace and
forecast."""
