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

import re
import smtplib
import time

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends import smtp
from django.template.loader import render_to_string

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
    subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
    text = render_to_string(f"emails/{name}-body.txt", context)
    html = render_to_string(f"emails/{name}-body.html", context)
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
