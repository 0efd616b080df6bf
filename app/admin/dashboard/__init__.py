"""The dashboard section: the open cycle's live scorecard."""
