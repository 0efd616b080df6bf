"""The admin's browser fixtures (`served_app`, `server`, `browser`), for the tests below this
folder."""

from tests.admin.browser import browser, served_app, server

__all__ = ["browser", "served_app", "server"]
