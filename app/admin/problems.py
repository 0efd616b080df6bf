"""What went wrong, as a merchant reads it. A domain error's message is written for whoever
calls the API (it may name a setting or quote a server's answer): the admin says the same thing
in a sentence of the page's language, and operators keep the message in the logs and the API."""

from __future__ import annotations

import logging

from app.admin.i18n import gettext as _
from app.admin.i18n import translated
from app.errors import AppError, ServiceUnavailable
from app.messaging.email import EmailNotConfigured
from app.text import Text

logger = logging.getLogger(__name__)


def sending_problem(error: AppError) -> str:
    """Why an e-mail (a test digest, a preview) was not sent."""
    if isinstance(error, EmailNotConfigured):
        logger.info("e-mail not sent: %s", error.message)
        return _(
            "E-mail is not set up yet: whoever runs StoreOKR for you needs to connect an "
            "e-mail server first. Nothing was sent."
        )
    if isinstance(error, ServiceUnavailable) and not isinstance(error.message, Text):
        logger.warning("e-mail not sent: %s", error.message)
        return _("The e-mail server did not take the message. Nothing was sent: try again later.")
    return translated(error.message)
