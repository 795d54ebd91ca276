"""The demo's mail pages (/demo/mail/): what the mail catcher received. Only installed when
CIVICPANEL_MAIL_CATCHER_DIR is set, which only the demo does; public on purpose."""

from __future__ import annotations

from datetime import UTC
from email.utils import parsedate_to_datetime

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from civicpanel.common.formatting import date_time
from civicpanel.outreach.catcher import caught_list, caught_path, caught_read


def catcher_list_view(request):
    mails, total = caught_list(settings.CIVICPANEL_MAIL_CATCHER_DIR)
    return render(request, "outreach/catcher_list.html", {"mails": mails, "total": total})


# The e-mail's headers in the page's language; the technical ones keep their name beside it.
HEADER_LABELS = {
    "From": _("From"), "To": _("To"), "Subject": _("Subject"), "Date": _("Sent"), "Reply-To": _("Reply to"),
    "List-Unsubscribe": _("Unsubscribe link (List-Unsubscribe)"),
    "List-Unsubscribe-Post": _("One-click unsubscribe (List-Unsubscribe-Post)"),
    "Message-ID": _("Message id (Message-ID)"),
}


def _header_value(name: str, value: str) -> str:
    if name == "Date":
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return value
        if moment.tzinfo is None:  # "-0000": the sender did not say; mail servers mean UTC by it
            moment = moment.replace(tzinfo=UTC)
        return date_time(moment)
    return value


def catcher_detail_view(request, name: str):
    path = caught_path(settings.CIVICPANEL_MAIL_CATCHER_DIR, name)
    if path is None:
        raise Http404
    message = caught_read(path)
    headers = [(HEADER_LABELS.get(name, name), _header_value(name, value)) for name, value in message.headers]
    return render(request, "outreach/catcher_detail.html", {"message": message, "headers": headers})


def catcher_raw_view(request, name: str):
    path = caught_path(settings.CIVICPANEL_MAIL_CATCHER_DIR, name)
    if path is None:
        raise Http404
    return FileResponse(path.open("rb"), content_type="text/plain; charset=utf-8")
