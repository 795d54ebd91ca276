"""A plain-text e-mail of a wave, built with less work than Django builds it.

Django builds every message with the e-mail package's modern API, which parses each header into
an object and folds it again when the message is written: half of the worker's processor time
per e-mail in a wave of survey invitations. A plain-text e-mail whose headers are all ASCII
(the subject apart, which is encoded as RFC 2047 words) needs none of that: it is built here
with the package's older API, which writes the same message with a fraction of the work.
Anything else (an HTML part, attachments, a non-ASCII address, a line break in a header) is
built by Django, unchanged, and Django's own checks apply to it.
"""

from __future__ import annotations

import email.charset
import email.policy
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

# The message is written with CRLF line ends, as SMTP carries it (smtplib sends bytes as given).
WIRE = email.policy.compat32.clone(linesep="\r\n")
# RFC 5322: a line may be at most 998 octets; a longer one goes as quoted-printable.
LONGEST_LINE = 998


def _charset(body_encoding) -> email.charset.Charset:
    charset = email.charset.Charset("utf-8")
    charset.body_encoding = body_encoding
    return charset


EIGHT_BIT = _charset(None)
QUOTED_PRINTABLE = _charset(email.charset.QP)


def _plain_header(value: str) -> bool:
    return value.isascii() and "\n" not in value and "\r" not in value


class PlainEmail(EmailMultiAlternatives):
    def _simple(self) -> bool:
        if self.alternatives or self.attachments or self.cc or self.bcc or self.content_subtype != "plain":
            return False
        if (self.encoding or settings.DEFAULT_CHARSET).lower() not in ("utf-8", "utf8"):
            return False
        if "\n" in self.subject or "\r" in self.subject:
            return False
        headers = [self.from_email, *self.to, *self.reply_to, *self.extra_headers.keys(), *self.extra_headers.values()]
        return all(isinstance(value, str) and _plain_header(value) for value in headers)

    def message(self, *, policy=email.policy.default):
        if not self._simple():
            return super().message(policy=policy)
        body = self.body or ""
        if not body.endswith("\n"):
            body += "\n"  # as Django's set_content: the text ends with a line end
        longest = max((len(line.encode()) for line in body.splitlines()), default=0)
        message = MIMEText(body, "plain", EIGHT_BIT if longest <= LONGEST_LINE else QUOTED_PRINTABLE,
                           policy=WIRE)
        message["Subject"] = self.subject if self.subject.isascii() else Header(self.subject, "utf-8")
        message["From"] = self.from_email
        message["To"] = ", ".join(self.to)
        if self.reply_to:
            message["Reply-To"] = ", ".join(self.reply_to)
        names = {name.lower() for name in self.extra_headers}
        if "date" not in names:
            message["Date"] = formatdate(localtime=settings.EMAIL_USE_LOCALTIME)
        if "message-id" not in names:
            message["Message-ID"] = make_msgid(domain="civicpanel")
        for name, value in self.extra_headers.items():
            if name.lower() not in {"from", "to", "cc", "reply-to"}:
                message[name] = value
        return message
