"""Mailers: SMTP when configured, otherwise the console (the outbox table keeps every email)."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage as MimeMessage
from email.utils import make_msgid

from clinic.application.outbox.message import EmailMessage

log = logging.getLogger("clinic.mail")


class ConsoleMailer:
    """Prints the email; with no SMTP server a developer still sees every link."""

    def send(self, message: EmailMessage) -> None:
        log.info("email to %s: %s\n%s", message.to, message.subject, message.text)
        print(f"\n--- email to {message.to} ---\nSubject: {message.subject}\n\n{message.text}\n"
              "--- end of email ---\n", flush=True)


class SmtpMailer:
    def __init__(self, host: str, port: int, sender: str, username: str | None = None,
                 password: str | None = None, starttls: bool = True, use_ssl: bool = False,
                 timeout: float = 15.0) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password = username, password
        self.starttls, self.use_ssl, self.timeout = starttls, use_ssl, timeout

    def send(self, message: EmailMessage) -> None:
        mime = MimeMessage()
        mime["From"] = self.sender
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime["Message-ID"] = make_msgid(domain="chairside")
        mime.set_content(message.text)
        if message.html:
            mime.add_alternative(message.html, subtype="html")
        context = ssl.create_default_context()
        if self.use_ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                                  context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.starttls and not self.use_ssl and smtp.has_extn("starttls"):
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(mime)
