"""The key-result section: one key result's page (live status, history chart, check-ins), its
check-in form and its chart drawn as SVG."""
