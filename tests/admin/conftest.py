"""The admin's browser fixtures (`server`, `browser`), for the tests below this folder."""

from tests.admin.browser import browser, server

__all__ = ["browser", "server"]
