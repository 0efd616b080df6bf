"""Initiatives: what a shop does to move its key results — abandoned-checkout recovery first
(win-back, surveys and manual initiatives are modelled, not yet run)."""
