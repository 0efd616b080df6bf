"""The admin's Initiatives section: list, forms, send log, e-mail preview and test send."""
