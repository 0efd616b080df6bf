"""Read-only share links to a shop's live dashboard, and the CSV exports of its OKRs."""
