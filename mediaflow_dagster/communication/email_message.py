"""A notification as an email: a plain-text part and the HTML alternative, a Message-ID of its
own, and for marketing the RFC 8058 one-click unsubscribe headers. The HTML's links go through
signed click redirects and it carries the opens pixel."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate

_LINK = re.compile(r'href="(https?://[^"]+)"')


def message_id(message_id: int, domain: str) -> str:
    """The Message-ID of notification message `message_id`: the same on every attempt."""
    return f"<notification.{message_id}@{domain}>"


def build_email(
    *,
    notification_id: int,
    sender: str,
    recipient: str,
    domain: str,
    subject: str,
    text_body: str,
    html_body: str,
    unsubscribe_url: str | None,
    open_url: str | None,
    click_url: Callable[[str], str] | None,
) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = recipient
    email["Subject"] = subject
    email["Date"] = formatdate(usegmt=True)
    email["Message-ID"] = message_id(notification_id, domain)
    if unsubscribe_url is not None:
        email["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if click_url is not None:
        html_body = _LINK.sub(
            lambda found: f'href="{click_url(html.unescape(found[1]))}"', html_body
        )
    if open_url is not None:
        html_body += f'<img src="{open_url}" width="1" height="1" alt="">'
    email.set_content(text_body)
    email.add_alternative(html_body, subtype="html")
    return email
