"""Alerts to a shop's owner when a key result's status drops (on track → at risk → off track):
an e-mail at most once per key result and week (text and HTML), and a line on the dashboard
and on the key result's page, kept live."""
