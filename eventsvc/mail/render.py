"""Rendering an outbox message in the recipient's language, and turning it into a MIME message."""
import mimetypes
from dataclasses import dataclass
from email import encoders
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, parseaddr
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale

from .. import clock
from ..site.views import agency_name
from . import kinds


class NothingToSend(Exception):
    """What the message was about is gone (e.g. the registration was erased): it must not be sent."""


def external_url(endpoint, **values):
    """An absolute URL on EVENTSVC_BASE_URL; works without a request (the worker, the CLI)."""
    adapter = current_app.url_map.bind("localhost", url_scheme="http")
    return current_app.config["BASE_URL"] + adapter.build(endpoint, values, force_external=False)


def mail_domain():
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


@dataclass
class Rendered:
    subject: str
    text: str
    html: str
    attachments: list  # [(filename, mimetype, bytes)]
    reply_to: str = ""  # the event's contact person, when the message is about an event that has one


def render_template_set(template, locale, context):
    """(subject, text, html) of templates/mail/<template>.{subject.txt,txt,html} in `locale`."""
    with force_locale(locale):
        context = dict(context, locale=locale, external_url=external_url, agency=agency_name(locale))
        subject = render_template(f"mail/{template}.subject.txt", **context)
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", **context)
    # A subject is one line: a newline in a header would be an injection.
    return " ".join(subject.split())[:500], text.strip() + "\n", html


def render(message):
    """The message as its kind writes it now; raises NothingToSend when its subject is gone."""
    kind = kinds.get(message.kind)
    context = kind.context(message)
    if context is None:
        raise NothingToSend(f"{message.kind}: what this message was about no longer exists")
    return render_context(message.kind, message.locale, context)


def render_context(kind_name, locale, context):
    """A message of kind `kind_name` made from `context` in `locale`: what render() sends, and what a preview shows."""
    kind = kinds.get(kind_name)
    subject, text, html = render_template_set(kind.template, locale, context)
    files = []
    if kind.attachments is not None:
        with force_locale(locale):
            files = list(kind.attachments(context))
    return Rendered(subject, text, html, files, reply_to=_reply_to(context.get("event")))


def preview_subject(message):
    """The subject a message not yet sent would have now, for the organizer's list; '' if it cannot be written."""
    try:
        kind = kinds.get(message.kind)
        context = kind.context(message)
        if context is None:
            return ""
        with force_locale(message.locale):
            subject = render_template(f"mail/{kind.template}.subject.txt",
                                      **dict(context, locale=message.locale, external_url=external_url,
                                             agency=agency_name(message.locale)))
    except Exception:  # the list must show even when one message cannot be written (its send will say why)
        return ""
    return " ".join(subject.split())[:500]


def _reply_to(event):
    address = (getattr(event, "contact_email", "") or "").strip()
    # Only a plain address: it was typed by an organizer, and a header must not carry anything else.
    if not address or any(c in address for c in "\r\n,;<>\"") or "@" not in address:
        return ""
    return address


def sender():
    """(display name, address) of the From: EVENTSVC_MAIL_FROM, named after the agency unless it names itself."""
    name, address = parseaddr(current_app.config.get("MAIL_FROM") or "")
    address = address or f"no-reply@{mail_domain()}"
    return (name or current_app.config.get("MAIL_FROM_NAME") or agency_name("th") or "eventsvc"), address


def _header(text):
    return text if text.isascii() else Header(text, "utf-8")


def to_mime(message, rendered):
    """The MIME message for an outbox row: text and HTML alternatives, then the attachments.

    Built with the email package's classic (compat32) classes: four times
    faster than EmailMessage's header registry, for the same bytes on the
    wire. Thai text travels as base64 (utf-8); not every server on the way
    accepts 8-bit bodies.
    """
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(rendered.text, "plain", "utf-8"))
    body.attach(MIMEText(rendered.html, "html", "utf-8"))
    if rendered.attachments:
        mime = MIMEMultipart("mixed")
        mime.attach(body)
        for filename, mimetype, data in rendered.attachments:
            mime.attach(_attachment(filename, mimetype, data))
    else:
        mime = body
    mime["Subject"] = _header(rendered.subject)
    # formataddr encodes a Thai display name (RFC 2047) and quotes one with specials.
    mime["From"] = formataddr(sender(), charset="utf-8")
    if rendered.reply_to:
        mime["Reply-To"] = rendered.reply_to
    mime["To"] = message.to_address
    mime["Date"] = format_datetime(clock.now())
    mime["Message-ID"] = message.message_id
    mime["Auto-Submitted"] = "auto-generated"
    mime["Content-Language"] = message.locale
    return mime


def _attachment(filename, mimetype, data):
    mimetype = mimetype or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    maintype, _, subtype = mimetype.partition("/")
    params = dict(part.strip().split("=", 1) for part in subtype.split(";")[1:] if "=" in part)
    subtype = subtype.split(";")[0].strip()
    if maintype == "text":
        part = MIMEText(data.decode() if isinstance(data, bytes) else data, subtype, "utf-8")
    else:
        part = MIMEBase(maintype, subtype)
        part.set_payload(data)
        encoders.encode_base64(part)
    for key, value in params.items():
        part.set_param(key, value)
    part.add_header("Content-Disposition", "attachment",
                    filename=filename if filename.isascii() else ("utf-8", "", filename))
    return part


def envelope_from():
    return sender()[1]
