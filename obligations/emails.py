"""The one function that sends email: templates/emails/<name>-subject.txt, -body.txt, -body.html.

Also the desk's SMTP backend (settings put it in place of Django's for every smtp:// EMAIL_URL).
It differs from Django's in two ways, both about a mail server that answers slowly:

- it waits for each reply as long as RFC 5321 s.4.5.3.2 allows: EMAIL_TIMEOUT (5 minutes) for
  the greeting and each command, EMAIL_DATA_TIMEOUT (10 minutes) for the answer to the end of the
  message, which is when a server stores it; and never past the caller's own limit (`within`);
- when the whole message was handed over but no answer came (a timeout, or the connection
  dropped), it raises DeliveryUncertain: the server may have stored the message, so sending it
  again blindly could deliver it twice. Any other failure means the server did not take it.
"""
from __future__ import annotations

import functools
import re
import smtplib
import time
import uuid
from email.header import Header
from email.utils import formatdate

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends import smtp
from django.core.mail.message import RFC5322_EMAIL_LINE_LENGTH_LIMIT, sanitize_address
from django.template.loader import get_template

# After the server has answered for the message, QUIT is a courtesy: not worth minutes of waiting.
QUIT_WAIT_SECONDS = 10.0


class DeliveryUncertain(smtplib.SMTPException):
    """The message was handed over whole, then no answer came: it may have been accepted, or not."""


def open_connection():
    """A connection to the mail server that several `send`s can share (the sender's batches)."""
    return get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT)


def send(name: str, *, to: list[str], cc: list[str] | None = None, context: dict,
         headers: dict[str, str] | None = None, within: float | None = None, connection=None) -> None:
    """Render and send one message; raises on failure so the caller can retry.

    DeliveryUncertain (from the SMTP backend) means the message may have arrived all the same.
    `within`: seconds this message's exchange with the mail server may take; None for no limit
    but the per-reply timeouts. `connection`: one from `open_connection`, kept open between
    messages; after a failure it is closed, and the next message opens it again.
    """
    subject = " ".join(_template(f"emails/{name}-subject.txt").render(context).split())
    text = _template(f"emails/{name}-body.txt").render(context)
    html = _template(f"emails/{name}-body.html").render(context)
    shared = connection is not None
    connection = connection or open_connection()
    if hasattr(connection, "deadline"):
        connection.deadline = None if within is None else time.monotonic() + within
    message = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, to, cc=cc or [], headers=headers or {}, connection=connection
    )
    message.attach_alternative(html, "text/html")
    try:
        if shared:
            connection.open()  # opened here, it stays open after the message (Django closes only what it opened)
        message.send()
    except BaseException:
        if shared:  # whatever state the exchange was left in, the next message starts afresh
            try:
                connection.close()
            except Exception:  # the failure being raised is the one that counts
                pass
        raise


@functools.cache
def _template(path: str):
    # Looked up once per process: a sender renders the same three templates thousands of times.
    return get_template(path)


# Header names the fast serialisation below leaves to Django (it sets them itself, or they change the MIME shape).
_HEADERS_DJANGO_SETS = {"from", "to", "cc", "reply-to", "subject", "date", "content-type", "mime-version",
                        "content-transfer-encoding"}
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")
_sanitized = functools.lru_cache(maxsize=1024)(sanitize_address)  # the desk's own From, parsed once
# A plain name@domain, which Django's address parser (about 0.5 ms an address) gives back unchanged.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\Z")


def envelope_address(address, encoding: str) -> str:
    """The address as Django's SMTP backend gives it to the server (`sanitize_address`)."""
    if isinstance(address, str) and _PLAIN_ADDRESS.match(address):
        return address
    return _sanitized(address, encoding)


def _plain_header(value) -> bool:
    return isinstance(value, str) and value.isascii() and "\n" not in value and "\r" not in value


def _one_line(value) -> bool:
    return isinstance(value, str) and "\n" not in value and "\r" not in value


def _folded(name: str, value: str) -> str:
    """`Name: value` in lines of at most 78 characters where spaces allow (RFC 5322 s.2.2.3); unfolds to `value`.

    A value with other than ASCII goes in RFC 2047 encoded words, as Django writes it (a subject's "…").
    """
    if not value.isascii():
        return f"{name}: " + Header(value, "utf-8", header_name=name).encode(linesep="\r\n")
    line = f"{name}: {value}"
    if len(line) <= 78:
        return line
    lines, current = [], f"{name}:"
    for n, word in enumerate(value.split(" ")):
        if n and len(current) + 1 + len(word) > 78:
            lines.append(current)
            current = " " + word
        else:
            current += " " + word
    return "\r\n".join([*lines, current])


def _text_part(content_type: str, text: str) -> str | None:
    """One text part as Django writes it (utf-8, 7bit or 8bit), or None when it needs quoted-printable."""
    lines = _LINE_BREAKS.split(text)
    if any(len(line.encode()) > RFC5322_EMAIL_LINE_LENGTH_LIMIT for line in lines):
        return None
    encoding = "7bit" if text.isascii() else "8bit"
    return (f'Content-Type: {content_type}; charset="utf-8"\r\nMIME-Version: 1.0\r\n'
            f"Content-Transfer-Encoding: {encoding}\r\n\r\n" + "\r\n".join(lines))


def wire_bytes(message: EmailMessage) -> bytes | None:
    """The message as Django's SMTP backend would hand it over, without building it through the email package.

    Building and serialising each message with `email.mime` (headers folded by `email.header`) was
    the largest share of a reminder's cost. This covers what the desk sends: a text body and an
    optional HTML alternative, ASCII addresses, a Message-ID of its own, no attachments. Anything else
    returns None and goes Django's way (`tests/test_reminder_wire.py` compares the two).
    """
    html = [content for content, mimetype in getattr(message, "alternatives", ()) if mimetype == "text/html"]
    headers = message.extra_headers
    names = {name.lower() for name in headers}
    if (message.attachments or len(html) != len(getattr(message, "alternatives", ())) or len(html) > 1
            or getattr(message, "alternative_subtype", "alternative") != "alternative"
            or message.content_subtype != "plain" or not message.body or "message-id" not in names
            or names & _HEADERS_DJANGO_SETS or (message.encoding or settings.DEFAULT_CHARSET).lower() != "utf-8"
            or not all(map(_plain_header, [message.from_email, *message.to, *message.cc, *message.reply_to]))
            or not all(map(_one_line, [message.subject, *headers.values()]))):
        return None
    parts = [_text_part("text/plain", message.body), *(_text_part("text/html", content) for content in html)]
    if None in parts:
        return None
    lines = [_folded("Subject", message.subject), _folded("From", message.from_email)]
    for name, addresses in (("To", message.to), ("Cc", message.cc), ("Reply-To", message.reply_to)):
        if addresses:
            lines.append(_folded(name, ", ".join(addresses)))
    lines.append(f"Date: {formatdate(localtime=settings.EMAIL_USE_LOCALTIME)}")
    lines.extend(_folded(name, value) for name, value in headers.items())
    if len(parts) == 1:
        head, body = parts[0].split("\r\n\r\n", 1)
        return "\r\n".join([head, *lines, "", body]).encode()
    boundary = f"==============={uuid.uuid4().int % 10**19:019d}=="
    head = [f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"', "MIME-Version: 1.0", *lines]
    text = "\r\n".join(head) + "\r\n\r\n" + "".join(f"--{boundary}\r\n{part}\r\n" for part in parts)
    return (text + f"--{boundary}--\r\n").encode()


def _fix_eols(text: str) -> str:
    return re.sub(r"(?:\r\n|\n|\r(?!\n))", "\r\n", text)


class _Timeouts:
    """smtplib.SMTP with a timeout per reply (RFC 5321 s.4.5.3.2), an overall limit, and DeliveryUncertain."""

    command_timeout: float | None = None
    data_timeout: float | None = None
    deadline: float | None = None  # time.monotonic() past which nothing more is waited for
    handed_over = False  # the message and its closing dot are sent: the server may be storing it

    def _allow(self, seconds: float | None) -> float | None:
        if self.deadline is None:
            return seconds
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the exchange with the mail server took longer than its limit")
        return remaining if seconds is None else min(seconds, remaining)

    def _get_socket(self, host, port, timeout):
        return super()._get_socket(host, port, self._allow(self.command_timeout))

    def send(self, s):
        if self.sock:
            self.sock.settimeout(self._allow(self.command_timeout))
        super().send(s)

    def getreply(self):
        if self.sock:
            self.sock.settimeout(self._allow(self.data_timeout if self.handed_over else self.command_timeout))
        return super().getreply()

    def data(self, msg):
        # smtplib.SMTP.data, except that silence after the closing dot is DeliveryUncertain.
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        if isinstance(msg, str):
            msg = _fix_eols(msg).encode("ascii")
        body = re.sub(rb"(?m)^\.", b"..", msg)
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        self.send(body + b".\r\n")
        self.handed_over = True
        try:
            return self.getreply()
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            raise DeliveryUncertain(
                f"The mail server did not confirm the message after it was handed over ({error}); "
                "it may have arrived."
            ) from error
        finally:
            self.handed_over = False

    def quit(self):
        self.command_timeout = min(self.command_timeout or QUIT_WAIT_SECONDS, QUIT_WAIT_SECONDS)
        return super().quit()


class SMTPBackend(smtp.EmailBackend):
    """Django's SMTP backend on a connection that keeps to RFC 5321's timeouts (see the module's docstring)."""

    # time.monotonic() past which nothing more is waited for; `send` sets it for each message.
    deadline: float | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.data_timeout = getattr(settings, "EMAIL_DATA_TIMEOUT", None) or self.timeout

    def _send(self, email_message):
        data = wire_bytes(email_message) if email_message.recipients() else None
        if data is None:
            return super()._send(email_message)
        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        try:
            self.connection.sendmail(envelope_address(email_message.from_email, encoding),
                                     [envelope_address(address, encoding) for address in email_message.recipients()],
                                     data)
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True

    def close(self):
        # Closing after a failure must not wait out a deadline that has already passed.
        self.deadline = None
        super().close()

    @property
    def connection_class(self):
        backend = self
        base = smtplib.SMTP_SSL if self.use_ssl else smtplib.SMTP

        class Session(_Timeouts, base):
            command_timeout = backend.timeout
            data_timeout = backend.data_timeout

            @property
            def deadline(self):
                return backend.deadline

        return Session
