"""The bytes the desk's SMTP backend hands over say what Django's own serialisation says, header for header."""
import email
import email.policy

import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.message import sanitize_address

from obligations.emails import envelope_address, wire_bytes

TEXT = "Reserved share list is due in 7 days, on Tuesday 8 December 2026.\n\nDeal:        CalbaTech 2005 notes\n\n"
HTML = '<p><strong>Reserved share list</strong> is due in 7 days.</p>\n<a href="https://desk.example.com/">x</a>\n'
HEADERS = {"Message-ID": "<reminders-0123456789abcdef@dealdesk>", "X-Dealdesk-Reminders": "17 18 19"}


def reminder(subject="Due in 7 days: s.4(h) Reserved share list - CalbaTech, Inc. (Tue 8 Dec 2026)",
             text=TEXT, html=HTML, headers=HEADERS, to=("alice@issuer.example",), **fields) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(subject, text, "dealdesk <dealdesk@localhost>", list(to),
                                     headers=dict(headers), **fields)
    if html is not None:
        message.attach_alternative(html, "text/html")
    return message


def read(data: bytes) -> tuple:
    """What a mail program reads: every header but Date (unfolded), each part's type, encoding and text."""
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    # Django folds a long encoded subject after "Subject:", which a parser reads as a leading space.
    headers = [(name, str(value).strip()) for name, value in parsed.items() if name not in ("Date", "Content-Type")]
    parts = [(part.get_content_type(), part["Content-Transfer-Encoding"], part.get_content())
             for part in parsed.walk() if not part.is_multipart()]
    return parsed.get_content_type(), headers, parts, parsed["Date"] is not None


def djangos(message) -> bytes:
    return message.message().as_bytes(linesep="\r\n")


@pytest.mark.parametrize("message", [
    reminder(),
    reminder(subject="Due in 7 days: s.4(h) Monthly list of shares authorized, reserved and issuable, w… - Oftring"),
    reminder(subject="OVERDUE by 15 days: s.4(h) Monthly list of shares authorized, reserved and issuable, "
                     "with interest - Oftring & Company (Tue 8 Dec 2026)"),
    reminder(text="Caf\u00e9 Soci\u00e9t\u00e9 G\u00e9n\u00e9rale owes it.\r\nSecond line\rThird\n",
             html="<p>\u00e9</p>"),
    reminder(headers={**HEADERS, "X-Dealdesk-Reminders": " ".join(str(n) for n in range(1000, 1200))}),
    reminder(html=None),
    reminder(cc=["desk@desk.example", "counsel@law.example"]),
    reminder(text=".starts with a dot\n.\nand a line of dots\n"),
    reminder(subject="Soci\u00e9t\u00e9 G\u00e9n\u00e9rale " * 6),
], ids=["short", "long subject", "long subject with ampersand", "accents and every line ending",
        "a digest of 200 rows", "text only", "copies", "dots", "long subject in accents"])
def test_it_reads_as_djangos_own_message(message):
    data = wire_bytes(message)

    assert data is not None
    assert read(data) == read(djangos(message))
    assert all(len(line) <= 78 for line in data.split(b"\r\n\r\n")[0].split(b"\r\n"))


@pytest.mark.parametrize("message", [
    reminder(to=["Soci\u00e9t\u00e9 <a@b.example>"]),  # an address with a name in encoded words
    reminder(text="x" * 1200),  # a line past 998 characters: quoted-printable
    reminder(headers={"X-Dealdesk-Reminders": "1"}),  # no Message-ID of its own
    EmailMessage("Subject", "body", "dealdesk@localhost", ["a@b.example"], headers=HEADERS,
                 attachments=[("a.txt", "x", "text/plain")]),
])
def test_anything_else_is_left_to_django(message):
    assert wire_bytes(message) is None


@pytest.mark.parametrize("address", [
    "alice@issuer.example", "Finance.Team+reminders@Sender-1.Example", "a_b-c@x.y.z", "dealdesk <dealdesk@localhost>",
    "Soci\u00e9t\u00e9 <a@b.example>", "caf\u00e9@b.example", "a@b\u00fccher.example", '"odd name"@b.example',
    ("Desk, Inc.", "desk@b.example"),
])
def test_the_envelope_addresses_are_djangos(address):
    assert envelope_address(address, "utf-8") == sanitize_address(address, "utf-8")
