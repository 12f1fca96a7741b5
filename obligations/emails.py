"""The one function that sends email: templates/emails/<name>-subject.txt, -body.txt, -body.html."""
from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string


def send(name: str, *, to: list[str], cc: list[str] | None = None, context: dict,
         headers: dict[str, str] | None = None) -> None:
    """Render and send one message; raises on failure so the caller can retry."""
    subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
    text = render_to_string(f"emails/{name}-body.txt", context)
    html = render_to_string(f"emails/{name}-body.html", context)
    connection = get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT)
    message = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, to, cc=cc or [], headers=headers or {}, connection=connection
    )
    message.attach_alternative(html, "text/html")
    message.send()
