"""The admin's sections, one list for both ways of reaching them: the page's own navigation
outside Shopify (base.html's top bar) and the Shopify admin's menu inside it (App Bridge's
`<ui-nav-menu>`, whose first link, `rel="home"`, is the app's home and is not shown as a
link)."""

from __future__ import annotations

from dataclasses import dataclass

from app.admin.i18n import gettext as _


@dataclass(frozen=True)
class Section:
    key: str  # what a page names as its `section`, to mark the current one
    href: str
    label: str


def sections() -> list[Section]:
    """The sections in the page's language, the dashboard (the app's home) first."""
    return [
        Section("dashboard", "/", _("Dashboard")),
        Section("editor", "/admin/okrs", _("OKRs")),
        Section("initiatives", "/admin/initiatives", _("Initiatives")),
        Section("surveys", "/admin/surveys", _("Surveys")),
        Section("sharing", "/admin/sharing", _("Sharing")),
        Section("operations", "/admin/operations", _("Operations")),
        Section("settings", "/admin/email-settings", _("Settings")),
    ]
