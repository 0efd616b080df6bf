"""Sending email through the configured SMTP server (STOREOKR_SMTP_*)."""

from __future__ import annotations

from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr

import aiosmtplib

from app.config import Settings
from app.errors import AppError, ServiceUnavailable

SMTPS_PORT = 465
SEND_TIMEOUT_S = 30


class EmailNotConfigured(AppError):
    status_code = 503
    code = "email_not_configured"


_POLICY = policy.SMTP.clone(max_line_length=998)
_SEVEN_BIT = _POLICY.clone(cte_type="7bit")  # any SMTP server takes it (no 8BITMIME needed)


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    sender_name: str | None = None  # shown instead of the configured sender's name
    reply_to: str | None = None


def build_message(settings: Settings, email: Email) -> EmailMessage:
    # Lines up to RFC 5322's limit: a header of one long word (List-Unsubscribe's URL) would
    # otherwise be written as an RFC 2047 encoded word, which mail clients do not read as a URL
    # (so `send_email` hands the SMTP client bytes: it would flatten with 78-character lines).
    message = EmailMessage(policy=_POLICY)
    if email.sender_name:
        _name, address = parseaddr(settings.smtp_from)
        message["From"] = formataddr((email.sender_name, address))
    else:
        message["From"] = settings.smtp_from
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Message-ID"] = make_msgid(domain="storeokr")
    for name, value in email.headers.items():
        message[name] = value
    message.set_content(email.text)
    if email.html is not None:
        message.add_alternative(email.html, subtype="html")
    return message


async def send_email(settings: Settings, email: Email) -> None:
    if not settings.smtp_host:
        raise EmailNotConfigured(
            "email is not configured: set STOREOKR_SMTP_HOST (and _PORT, _FROM)"
        )
    try:
        await aiosmtplib.send(
            build_message(settings, email).as_bytes(policy=_SEVEN_BIT),
            sender=parseaddr(settings.smtp_from)[1],
            recipients=[email.to],
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=settings.smtp_password.get_secret_value() or None,
            use_tls=settings.smtp_port == SMTPS_PORT,
            start_tls=settings.smtp_starttls and settings.smtp_port != SMTPS_PORT,
            timeout=SEND_TIMEOUT_S,
        )
    except (aiosmtplib.SMTPException, OSError) as error:
        raise ServiceUnavailable(f"the SMTP server did not take the email: {error}") from error
